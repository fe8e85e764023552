// Stack instructions: PUSH/POP (registers, memory, immediates, segment registers), PUSHA/POPA,
// PUSHF/POPF with the IOPL and VM rules, ENTER/LEAVE.
#pragma once
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

// Restores ESP if a multi-push instruction faults half-way.
struct StackRollback {
    Cpu& c;
    u32 esp;
    bool done = false;
    explicit StackRollback(Cpu& cpu) : c(cpu), esp(cpu.s.gpr[ESP].r32) {}
    ~StackRollback() {
        if (!done) c.s.gpr[ESP].r32 = esp;
    }
};

template <unsigned S> void push_r(Cpu& c, const DecodedInsn& d) {
    c.push<S>(c.reg<S>(d.opcode & 7));
}
template <unsigned S> void pop_r(Cpu& c, const DecodedInsn& d) {
    u32 v = c.pop<S>();
    c.set_reg<S>(d.opcode & 7, v);
}
template <unsigned S> void push_imm(Cpu& c, const DecodedInsn& d) { c.push<S>(d.imm); }
template <unsigned S> void push_E(Cpu& c, const DecodedInsn& d) { c.push<S>(c.read_E<S>(d)); }

template <unsigned S> void pop_E(Cpu& c, const DecodedInsn& d) {
    StackRollback rb(c);
    u32 v = c.pop<S>(); // the address is computed after ESP is incremented
    c.write_E<S>(d, v);
    rb.done = true;
}

template <unsigned SR, unsigned S> void push_sreg(Cpu& c, const DecodedInsn&) {
    // With a 32-bit operand, P6-family CPUs write 16 bits and move ESP by 4.
    u32 nsp = (c.sp() - S) & (c.stack32() ? 0xFFFFFFFFu : 0xFFFFu);
    c.write<2>(SS, nsp, c.s.seg[SR].selector);
    c.set_sp(nsp);
}

template <unsigned SR, unsigned S> void pop_sreg(Cpu& c, const DecodedInsn&) {
    u16 sel = u16(c.peek<S>(0));
    c.load_segment(SR, sel);
    c.set_sp(c.sp() + S);
    if (SR == SS) c.s.inhibit_irq_eip = c.s.eip;
}

template <unsigned S> void pusha(Cpu& c, const DecodedInsn&) {
    StackRollback rb(c);
    u32 temp = c.reg<S>(ESP);
    for (unsigned r = 0; r < 8; ++r) c.push<S>(r == ESP ? temp : c.reg<S>(r));
    rb.done = true;
}

template <unsigned S> void popa(Cpu& c, const DecodedInsn&) {
    u32 v[8];
    for (unsigned i = 0; i < 8; ++i) v[7 - i] = c.peek<S>(i * S);
    for (unsigned r = 0; r < 8; ++r)
        if (r != ESP) c.set_reg<S>(r, v[r]);
    c.set_sp(c.sp() + 8 * S);
}

template <unsigned S> void pushf(Cpu& c, const DecodedInsn&) {
    if (c.v86() && c.iopl() < 3) c.fault(kGP, 0);
    u32 f = c.eflags() & ~(FLAG_VM | FLAG_RF);
    c.push<S>(f);
}

template <unsigned S> void popf(Cpu& c, const DecodedInsn&) {
    if (c.v86() && c.iopl() < 3) c.fault(kGP, 0);
    u32 v = c.peek<S>(0);
    u32 mask =
        FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_TF | FLAG_DF | FLAG_OF | FLAG_NT;
    if (S == 4) mask |= FLAG_AC | FLAG_ID;
    if (!c.protected_mode() || c.s.cpl == 0) {
        mask |= FLAG_IF | FLAG_IOPL;
        if (c.v86()) mask &= ~FLAG_IOPL;
    } else if (c.s.cpl <= c.iopl()) {
        mask |= FLAG_IF;
    }
    if (c.v86()) mask |= FLAG_IF; // IOPL is 3 here
    c.set_sp(c.sp() + S);
    c.write_eflags(v, mask);
    c.s.eflags &= ~FLAG_RF;
}

template <unsigned S> void enter(Cpu& c, const DecodedInsn& d) {
    StackRollback rb(c);
    const unsigned level = d.imm2 & 31;
    const u32 size = d.imm & 0xFFFF;
    const bool s32 = c.stack32();
    c.push<S>(c.reg<S>(EBP));
    u32 frame = c.sp();
    u32 bp = s32 ? c.s.gpr[EBP].r32 : c.s.gpr[EBP].r16;
    if (level > 0) {
        for (unsigned i = 1; i < level; ++i) {
            bp = (bp - S) & (s32 ? 0xFFFFFFFFu : 0xFFFFu);
            c.push<S>(c.read<S>(SS, bp));
        }
        c.push<S>(frame);
    }
    u32 nsp = (c.sp() - size) & (s32 ? 0xFFFFFFFFu : 0xFFFFu);
    // The final frame must be writable: probe its lowest byte (segment and page) as the CPU does.
    if (size) c.translate(c.seg_check<1>(SS, nsp, true), Access::Write, c.s.cpl == 3);
    c.set_reg<S>(EBP, frame);
    c.set_sp(nsp);
    rb.done = true;
}

template <unsigned S> void leave(Cpu& c, const DecodedInsn&) {
    u32 bp = c.stack32() ? c.s.gpr[EBP].r32 : c.s.gpr[EBP].r16;
    u32 v = c.read<S>(SS, bp);
    c.set_sp(bp + S);
    c.set_reg<S>(EBP, v);
}

} // namespace vmi86::handlers
