// Control transfers: Jcc, JMP, CALL, RET (near and far), LOOP/JCXZ, INT n/INT3/INTO/INT1, IRET.
#pragma once
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

template <unsigned S> void jcc(Cpu& c, const DecodedInsn& d) {
    if (c.condition(d.opcode & 0xF)) near_jump<S>(c, c.s.eip + d.imm);
}

template <unsigned S> void jmp_rel(Cpu& c, const DecodedInsn& d) {
    near_jump<S>(c, c.s.eip + d.imm);
}

template <unsigned S> void call_rel(Cpu& c, const DecodedInsn& d) {
    u32 ret = c.s.eip;
    near_jump<S>(c, ret + d.imm);
    c.push<S>(ret);
}

template <unsigned S> void jmp_E(Cpu& c, const DecodedInsn& d) { near_jump<S>(c, c.read_E<S>(d)); }

template <unsigned S> void call_E(Cpu& c, const DecodedInsn& d) {
    u32 target = c.read_E<S>(d);
    u32 ret = c.s.eip;
    near_jump<S>(c, target);
    c.push<S>(ret);
}

template <unsigned S> void ret_near(Cpu& c, const DecodedInsn& d) {
    u32 target = c.peek<S>(0);
    near_jump<S>(c, target);
    u32 extra = d.opcode == 0xC2 ? d.imm & 0xFFFF : 0;
    c.set_sp(c.sp() + S + extra);
}

template <unsigned S> void jmp_far_ptr(Cpu& c, const DecodedInsn& d) {
    c.jmp_far(d.imm2, d.imm, S);
}
template <unsigned S> void call_far_ptr(Cpu& c, const DecodedInsn& d) {
    c.call_far(d.imm2, d.imm, S);
}

template <unsigned S>
inline void read_far_pointer(Cpu& c, const DecodedInsn& d, u16& sel, u32& off) {
    u32 a = c.ea(d);
    off = c.read<S>(d.seg, a);
    u32 a2 = a + S;
    if (d.addrsize == 2) a2 &= 0xFFFF;
    sel = u16(c.read<2>(d.seg, a2));
}

template <unsigned S> void jmp_far_M(Cpu& c, const DecodedInsn& d) {
    u16 sel;
    u32 off;
    read_far_pointer<S>(c, d, sel, off);
    c.jmp_far(sel, off, S);
}

template <unsigned S> void call_far_M(Cpu& c, const DecodedInsn& d) {
    u16 sel;
    u32 off;
    read_far_pointer<S>(c, d, sel, off);
    c.call_far(sel, off, S);
}

template <unsigned S> void ret_far(Cpu& c, const DecodedInsn& d) {
    c.ret_far(S, d.opcode == 0xCA ? u16(d.imm) : 0);
}

// LOOPNE (K=0), LOOPE (K=1), LOOP (K=2). The counter follows the address size.
template <unsigned K, unsigned S> void loop(Cpu& c, const DecodedInsn& d) {
    u32 count;
    if (d.addrsize == 4)
        count = --c.s.gpr[ECX].r32;
    else
        count = --c.s.gpr[ECX].r16;
    bool take = count != 0;
    if (K == 0) take = take && !c.zf();
    if (K == 1) take = take && c.zf();
    if (take) near_jump<S>(c, c.s.eip + d.imm);
}

template <unsigned S> void jcxz(Cpu& c, const DecodedInsn& d) {
    u32 count = d.addrsize == 4 ? c.s.gpr[ECX].r32 : c.s.gpr[ECX].r16;
    if (count == 0) near_jump<S>(c, c.s.eip + d.imm);
}

inline void int3(Cpu& c, const DecodedInsn&) { c.interrupt(3, IntKind::Int3Into); }
inline void int_n(Cpu& c, const DecodedInsn& d) { c.interrupt(u8(d.imm), IntKind::Software); }
inline void into(Cpu& c, const DecodedInsn&) {
    if (c.of()) c.interrupt(4, IntKind::Int3Into);
}
// ICEBP: a #DB trap without the gate DPL check of INT n.
inline void int1(Cpu& c, const DecodedInsn&) { c.interrupt(1, IntKind::External); }

template <unsigned S> void iret(Cpu& c, const DecodedInsn&) { c.iret(S); }

} // namespace vmi86::handlers
