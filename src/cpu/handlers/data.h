// Data movement: MOV forms, XCHG, LEA, MOVZX/MOVSX, CBW/CWD, XLAT, LAHF/SAHF, CMOVcc, SETcc,
// BSWAP, far-pointer loads, BOUND, ARPL.
#pragma once
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

template <unsigned S> void mov_E_G(Cpu& c, const DecodedInsn& d) {
    c.write_E<S>(d, c.reg<S>(d.reg));
}
template <unsigned S> void mov_G_E(Cpu& c, const DecodedInsn& d) {
    c.set_reg<S>(d.reg, c.read_E<S>(d));
}
template <unsigned S> void mov_E_I(Cpu& c, const DecodedInsn& d) {
    c.write_E<S>(d, d.imm & size_mask<S>());
}
template <unsigned S> void mov_r_I(Cpu& c, const DecodedInsn& d) {
    c.set_reg<S>(d.opcode & 7, d.imm);
}
template <unsigned S> void mov_A_O(Cpu& c, const DecodedInsn& d) {
    c.set_reg<S>(EAX, c.read<S>(d.seg, d.disp));
}
template <unsigned S> void mov_O_A(Cpu& c, const DecodedInsn& d) {
    c.write<S>(d.seg, d.disp, c.reg<S>(EAX));
}

template <unsigned S> void mov_E_sreg(Cpu& c, const DecodedInsn& d) {
    if (d.reg > GS) c.fault(kUD);
    u32 sel = c.s.seg[d.reg].selector;
    if (d.mod == 3)
        c.set_reg<S>(d.rm, sel); // a P6 zero-extends into a 32-bit register
    else
        c.write<2>(d.seg, c.ea(d), sel);
}

inline void mov_sreg_E(Cpu& c, const DecodedInsn& d) {
    if (d.reg > GS || d.reg == CS) c.fault(kUD);
    u16 sel = u16(c.read_E<2>(d));
    c.load_segment(d.reg, sel);
    if (d.reg == SS) c.s.inhibit_irq_eip = c.s.eip;
}

template <unsigned S> void lea(Cpu& c, const DecodedInsn& d) { c.set_reg<S>(d.reg, c.ea(d)); }

template <unsigned S> void xchg_E_G(Cpu& c, const DecodedInsn& d) {
    u32 b = c.reg<S>(d.reg);
    u32 a = rmw_E<S>(c, d, [&](u32) { return b; });
    c.set_reg<S>(d.reg, a);
}

template <unsigned S> void xchg_A_r(Cpu& c, const DecodedInsn& d) {
    unsigned r = d.opcode & 7;
    u32 a = c.reg<S>(EAX);
    c.set_reg<S>(EAX, c.reg<S>(r));
    c.set_reg<S>(r, a);
}

template <unsigned S, unsigned SRC> void movzx(Cpu& c, const DecodedInsn& d) {
    c.set_reg<S>(d.reg, c.read_E<SRC>(d));
}
template <unsigned S, unsigned SRC> void movsx(Cpu& c, const DecodedInsn& d) {
    c.set_reg<S>(d.reg, sign_extend(c.read_E<SRC>(d), 8 * SRC));
}

template <unsigned S> void cbw(Cpu& c, const DecodedInsn&) {
    if constexpr (S == 2)
        c.set_reg<2>(EAX, sign_extend(c.reg<1>(EAX), 8));
    else
        c.set_reg<4>(EAX, sign_extend(c.reg<2>(EAX), 16));
}

template <unsigned S> void cwd(Cpu& c, const DecodedInsn&) {
    bool neg = c.reg<S>(EAX) & msb<S>();
    c.set_reg<S>(EDX, neg ? 0xFFFFFFFFu : 0);
}

inline void xlat(Cpu& c, const DecodedInsn& d) {
    u32 off = c.s.gpr[EBX].r32 + c.reg<1>(EAX);
    if (d.addrsize == 2) off &= 0xFFFF;
    c.set_reg<1>(EAX, c.read<1>(d.seg, off));
}

inline void lahf(Cpu& c, const DecodedInsn&) { c.set_reg<1>(EAX + 4, (c.eflags() & 0xD5) | 2); }

inline void sahf(Cpu& c, const DecodedInsn&) {
    u32 ah = c.reg<1>(EAX + 4);
    c.s.eflags = (c.eflags() & ~0xD5u) | (ah & 0xD5);
    c.s.lazy.op = FlagOp::None;
}

template <unsigned S> void cmov(Cpu& c, const DecodedInsn& d) {
    u32 v = c.read_E<S>(d);
    if (c.condition(d.opcode & 0xF)) c.set_reg<S>(d.reg, v);
}

inline void setcc(Cpu& c, const DecodedInsn& d) {
    c.write_E<1>(d, c.condition(d.opcode & 0xF) ? 1 : 0);
}

template <unsigned S> void bswap(Cpu& c, const DecodedInsn& d) {
    unsigned r = d.opcode & 7;
    if constexpr (S == 2)
        c.set_reg<2>(r, 0); // undefined by the SDM; P6-family CPUs clear it
    else
        c.set_reg<4>(r, __builtin_bswap32(c.reg<4>(r)));
}

template <unsigned SR, unsigned S> void load_far_ptr(Cpu& c, const DecodedInsn& d) {
    u32 off = c.ea(d);
    u32 ptr = c.read<S>(d.seg, off);
    u32 a2 = off + S;
    if (d.addrsize == 2) a2 &= 0xFFFF;
    u16 sel = u16(c.read<2>(d.seg, a2));
    c.load_segment(SR, sel);
    c.set_reg<S>(d.reg, ptr);
    if (SR == SS) c.s.inhibit_irq_eip = c.s.eip;
}

template <unsigned S> void bound(Cpu& c, const DecodedInsn& d) {
    u32 off = c.ea(d);
    u32 off2 = off + S;
    if (d.addrsize == 2) off2 &= 0xFFFF;
    s32 lo = s32(sign_extend(c.read<S>(d.seg, off), 8 * S));
    s32 hi = s32(sign_extend(c.read<S>(d.seg, off2), 8 * S));
    s32 idx = s32(sign_extend(c.reg<S>(d.reg), 8 * S));
    if (idx < lo || idx > hi) c.fault(kBR);
}

inline void arpl(Cpu& c, const DecodedInsn& d) {
    require_protected(c);
    u32 src = c.reg<2>(d.reg);
    u32 dst = c.read_E<2>(d);
    if ((dst & 3) < (src & 3)) {
        c.write_E<2>(d, (dst & ~3u) | (src & 3));
        set_zf(c, true);
    } else {
        set_zf(c, false);
    }
}

inline void nop(Cpu&, const DecodedInsn&) {}

// 90 is NOP, F3 90 is PAUSE: a spin-wait hint on which the CPU stalls (about 140 cycles on
// current cores), so a guest's busy-wait loop spends time rather than instructions.
constexpr u64 kPauseStallCycles = 140;
inline void nop_or_pause(Cpu& c, const DecodedInsn& d) {
    if (d.rep == 0xF3) {
        c.s.retired += kPauseStallCycles;
        c.s.stall_cycles += kPauseStallCycles;
    }
}

} // namespace vmi86::handlers
