// Shifts and rotates: ROL ROR RCL RCR SHL SHR SAR, SHLD SHRD. Flags the SDM leaves undefined get
// the values a P6 produces for the common cases (OF from the count-1 formula, AF clear).
#pragma once
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

enum ShOp { ShRol, ShRor, ShRcl, ShRcr, ShShl, ShShr, ShSar };
enum CountKind { CountOne, CountCl, CountImm };

template <CountKind K> inline unsigned shift_count(Cpu& c, const DecodedInsn& d) {
    if constexpr (K == CountOne)
        return 1;
    else if constexpr (K == CountCl)
        return c.reg<1>(ECX) & 0x1F;
    else
        return d.imm & 0x1F;
}

template <unsigned S> inline void set_cf_of(Cpu& c, bool cf, bool of) {
    u32 f = c.eflags() & ~(FLAG_CF | FLAG_OF);
    if (cf) f |= FLAG_CF;
    if (of) f |= FLAG_OF;
    c.s.eflags = f;
    c.s.lazy.op = FlagOp::None;
}

// A memory destination is checked for writing even when the count is 0 (the CPU's load has
// write intent): a read-only segment is #GP.
template <unsigned S> inline u32 read_for_rmw(Cpu& c, const DecodedInsn& d, u32 off) {
    return c.read_lin<S>(c.seg_check<S>(d.seg, off, true));
}

template <ShOp OP, unsigned S, CountKind K> void shift(Cpu& c, const DecodedInsn& d) {
    constexpr unsigned bits = 8 * S;
    constexpr u32 m = size_mask<S>();
    const unsigned count = shift_count<K>(c, d);
    const u32 off = d.mod == 3 ? 0 : c.ea(d);
    const u32 a = d.mod == 3 ? c.reg<S>(d.rm) : read_for_rmw<S>(c, d, off);
    if (count == 0) return;
    const bool cf_in = c.cf();
    u32 r = 0;
    bool cf = false, of = false;
    switch (OP) {
    case ShRol: {
        unsigned n = count % bits;
        r = n ? ((a << n) | (a >> (bits - n))) & m : a;
        cf = r & 1;
        of = ((r >> (bits - 1)) & 1) ^ cf;
        break;
    }
    case ShRor: {
        unsigned n = count % bits;
        r = n ? ((a >> n) | (a << (bits - n))) & m : a;
        cf = (r >> (bits - 1)) & 1;
        of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
        break;
    }
    case ShRcl: {
        unsigned n = count % (bits + 1);
        u64 v = (u64(cf_in) << bits) | a;
        if (n) v = ((v << n) | (v >> (bits + 1 - n))) & ((u64(1) << (bits + 1)) - 1);
        r = u32(v) & m;
        cf = (v >> bits) & 1;
        of = ((r >> (bits - 1)) & 1) ^ cf;
        break;
    }
    case ShRcr: {
        unsigned n = count % (bits + 1);
        u64 v = (u64(cf_in) << bits) | a;
        if (n) v = ((v >> n) | (v << (bits + 1 - n))) & ((u64(1) << (bits + 1)) - 1);
        r = u32(v) & m;
        cf = (v >> bits) & 1;
        of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
        break;
    }
    case ShShl:
        r = u32(u64(a) << count) & m;
        cf = count <= bits ? (u64(a) >> (bits - count)) & 1 : 0;
        of = ((r >> (bits - 1)) & 1) ^ cf;
        break;
    case ShShr:
        r = count < 32 ? (a >> count) : 0;
        cf = (u64(a) >> (count - 1)) & 1;
        // The original MSB for a 1-bit shift (SDM); 0 for longer ones, as the 286 and P6 do.
        of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
        break;
    case ShSar: {
        s32 sa = s32(sign_extend(a, bits));
        r = u32(sa >> (count < bits ? count : bits - 1)) & m;
        cf = (sa >> (count - 1 < bits ? count - 1 : bits - 1)) & 1;
        of = false;
        break;
    }
    }
    if (d.mod == 3)
        c.set_reg<S>(d.rm, r);
    else
        c.write<S>(d.seg, off, r);
    if constexpr (OP == ShRol || OP == ShRor || OP == ShRcl || OP == ShRcr)
        set_cf_of<S>(c, cf, of);
    else
        set_flags_szp<S>(c, r, cf, of, false);
}

template <unsigned S, CountKind K> void shld(Cpu& c, const DecodedInsn& d) {
    constexpr unsigned bits = 8 * S;
    const unsigned count = shift_count<K>(c, d);
    const u32 off = d.mod == 3 ? 0 : c.ea(d);
    const u32 a = d.mod == 3 ? c.reg<S>(d.rm) : read_for_rmw<S>(c, d, off);
    const u32 b = c.reg<S>(d.reg);
    if (count == 0) return;
    u32 r, cf;
    if constexpr (bits == 32) {
        u64 v = (u64(a) << 32) | b;
        r = u32(v >> (32 - count));
        cf = (a >> (32 - count)) & 1;
    } else {
        // A 16-bit operand with a count above 16 shifts through a:b:a, as a P6 does.
        u64 v = (u64(a) << 32) | (u64(b) << 16) | a;
        r = u32(v >> (32 - count)) & 0xFFFF;
        cf = u32(v >> (48 - count)) & 1;
    }
    bool of = ((r ^ a) >> (bits - 1)) & 1;
    if (d.mod == 3)
        c.set_reg<S>(d.rm, r);
    else
        c.write<S>(d.seg, off, r);
    set_flags_szp<S>(c, r, cf, of, false);
}

template <unsigned S, CountKind K> void shrd(Cpu& c, const DecodedInsn& d) {
    constexpr unsigned bits = 8 * S;
    const unsigned count = shift_count<K>(c, d);
    const u32 off = d.mod == 3 ? 0 : c.ea(d);
    const u32 a = d.mod == 3 ? c.reg<S>(d.rm) : read_for_rmw<S>(c, d, off);
    const u32 b = c.reg<S>(d.reg);
    if (count == 0) return;
    u32 r, cf;
    if constexpr (bits == 32) {
        u64 v = (u64(b) << 32) | a;
        r = u32(v >> count);
        cf = (a >> (count - 1)) & 1;
    } else {
        u64 v = (u64(a) << 32) | (u64(b) << 16) | a;
        r = u32(v >> count) & 0xFFFF;
        cf = u32(v >> (count - 1)) & 1;
    }
    bool of = ((r ^ a) >> (bits - 1)) & 1;
    if (d.mod == 3)
        c.set_reg<S>(d.rm, r);
    else
        c.write<S>(d.seg, off, r);
    set_flags_szp<S>(c, r, cf, of, false);
}

} // namespace vmi86::handlers
