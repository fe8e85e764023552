// Bit instructions BT BTS BTR BTC BSF BSR, and the atomic-style XADD, CMPXCHG, CMPXCHG8B.
#pragma once
#include "cpu/handlers/alu.h"
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

enum BitOp { BitTest, BitSet, BitReset, BitComplement };

template <BitOp OP> inline u32 apply_bit(u32 v, u32 mask) {
    switch (OP) {
    case BitSet: return v | mask;
    case BitReset: return v & ~mask;
    case BitComplement: return v ^ mask;
    default: return v;
    }
}

template <BitOp OP, unsigned S>
inline void bit_op(Cpu& c, const DecodedInsn& d, u32 offset, bool from_reg) {
    constexpr unsigned bits = 8 * S;
    if (d.mod == 3) {
        u32 mask = 1u << (offset & (bits - 1));
        u32 v = c.reg<S>(d.rm);
        if (OP != BitTest) c.set_reg<S>(d.rm, apply_bit<OP>(v, mask));
        set_cf(c, v & mask);
        return;
    }
    u32 a = c.ea(d);
    if (from_reg) {
        // A register bit offset is signed and may address memory outside the operand.
        s32 so = s32(sign_extend(offset, bits));
        a += u32((so >> (S == 2 ? 4 : 5)) * s32(S));
        if (d.addrsize == 2) a &= 0xFFFF;
    }
    u32 mask = 1u << (offset & (bits - 1));
    // BTS/BTR/BTC check the segment for writing before they read.
    u32 lin = c.seg_check<S>(d.seg, a, OP != BitTest);
    u32 v = c.read_lin<S>(lin);
    if (OP != BitTest) c.write_lin<S>(lin, apply_bit<OP>(v, mask));
    set_cf(c, v & mask);
}

template <BitOp OP, unsigned S> void bt_E_G(Cpu& c, const DecodedInsn& d) {
    bit_op<OP, S>(c, d, c.reg<S>(d.reg), true);
}
template <BitOp OP, unsigned S> void bt_E_I(Cpu& c, const DecodedInsn& d) {
    bit_op<OP, S>(c, d, d.imm & (8 * S - 1), false);
}

template <unsigned S> void bsf(Cpu& c, const DecodedInsn& d) {
    u32 v = c.read_E<S>(d);
    if (v == 0) {
        set_zf(c, true);
        return;
    }
    c.set_reg<S>(d.reg, __builtin_ctz(v));
    set_flags_szp<S>(c, 1, false, false, false); // ZF clear; the rest is undefined
}

template <unsigned S> void bsr(Cpu& c, const DecodedInsn& d) {
    u32 v = c.read_E<S>(d);
    if (v == 0) {
        set_zf(c, true);
        return;
    }
    c.set_reg<S>(d.reg, 31 - __builtin_clz(v));
    set_flags_szp<S>(c, 1, false, false, false);
}

template <unsigned S> void xadd(Cpu& c, const DecodedInsn& d) {
    u32 src = c.reg<S>(d.reg);
    u32 r = 0;
    u32 dst = rmw_E<S>(c, d, [&](u32 old) { return r = (old + src) & size_mask<S>(); });
    c.set_reg<S>(d.reg, dst);
    if (d.mod == 3 && d.rm == d.reg) c.set_reg<S>(d.rm, r);
    c.set_lazy<S>(FlagOp::Add, r, dst, src);
}

template <unsigned S> void cmpxchg(Cpu& c, const DecodedInsn& d) {
    u32 acc = c.reg<S>(EAX);
    u32 src = c.reg<S>(d.reg);
    // The destination is always written (with its old value on a mismatch), as on a P6.
    u32 old = rmw_E<S>(c, d, [&](u32 v) { return v == acc ? src : v; });
    if (old != acc) c.set_reg<S>(EAX, old);
    alu_flags<AluCmp, S>(c, alu_result<AluCmp, S>(acc, old, false), acc, old, false);
}

inline void cmpxchg8b(Cpu& c, const DecodedInsn& d) {
    u32 a = c.ea(d);
    u32 a2 = d.addrsize == 2 ? (a + 4) & 0xFFFF : a + 4;
    c.seg_check<4>(d.seg, a, true); // written in both cases: #GP before any read
    c.seg_check<4>(d.seg, a2, true);
    u32 lo = c.read<4>(d.seg, a), hi = c.read<4>(d.seg, a2);
    bool eq = lo == c.s.gpr[EAX].r32 && hi == c.s.gpr[EDX].r32;
    if (eq) {
        c.write<4>(d.seg, a, c.s.gpr[EBX].r32);
        c.write<4>(d.seg, a2, c.s.gpr[ECX].r32);
    } else {
        c.write<4>(d.seg, a, lo);
        c.write<4>(d.seg, a2, hi);
        c.s.gpr[EAX].r64 = lo;
        c.s.gpr[EDX].r64 = hi;
    }
    set_zf(c, eq);
}

} // namespace vmi86::handlers
