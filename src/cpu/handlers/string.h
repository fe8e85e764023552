// String instructions MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE in both address
// sizes. A repeated instruction runs a bounded chunk of iterations, then restarts itself so that
// interrupts are taken between chunks, exactly where the hardware could take them.
#pragma once
#include "cpu/handlers/alu.h"
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

constexpr u32 kRepChunk = 4096;

struct StringRegs {
    Cpu& c;
    bool a32;
    u32 get(unsigned r) const { return a32 ? c.s.gpr[r].r32 : c.s.gpr[r].r16; }
    void set(unsigned r, u32 v) {
        if (a32)
            c.s.gpr[r].r32 = v;
        else
            c.s.gpr[r].r16 = u16(v);
    }
    void step(unsigned r, int delta) { set(r, get(r) + u32(delta)); }
};

// Runs body() once, or under REP up to a chunk; body returns false to stop (REPE/REPNE).
template <typename Body> inline void run_string(Cpu& c, const DecodedInsn& d, Body body) {
    StringRegs regs{c, d.addrsize == 4};
    if (!d.rep) {
        body(regs);
        return;
    }
    // Each iteration counts as a retired instruction (as QEMU's icount does), so budgets and
    // virtual time follow the work done.
    u32 n = 0;
    bool finished = false;
    while (!finished && n < kRepChunk) {
        if (regs.get(ECX) == 0) break;
        bool go_on = body(regs);
        regs.step(ECX, -1);
        ++n;
        finished = !go_on || regs.get(ECX) == 0;
    }
    if (n > 1) c.s.retired += n - 1;
    if (!finished && regs.get(ECX) != 0) c.s.eip = c.insn_eip; // unfinished: run again
}

template <unsigned S> inline int string_delta(Cpu& c) {
    return (c.s.eflags & FLAG_DF) ? -int(S) : int(S);
}

template <unsigned S> void movs(Cpu& c, const DecodedInsn& d) {
    const int delta = string_delta<S>(c);
    run_string(c, d, [&](StringRegs& r) {
        u32 v = c.read<S>(d.seg, r.get(ESI));
        c.write<S>(ES, r.get(EDI), v);
        r.step(ESI, delta);
        r.step(EDI, delta);
        return true;
    });
}

template <unsigned S> void stos(Cpu& c, const DecodedInsn& d) {
    const int delta = string_delta<S>(c);
    const u32 v = c.reg<S>(EAX);
    run_string(c, d, [&](StringRegs& r) {
        c.write<S>(ES, r.get(EDI), v);
        r.step(EDI, delta);
        return true;
    });
}

template <unsigned S> void lods(Cpu& c, const DecodedInsn& d) {
    const int delta = string_delta<S>(c);
    run_string(c, d, [&](StringRegs& r) {
        c.set_reg<S>(EAX, c.read<S>(d.seg, r.get(ESI)));
        r.step(ESI, delta);
        return true;
    });
}

template <unsigned S> void cmps(Cpu& c, const DecodedInsn& d) {
    const int delta = string_delta<S>(c);
    const bool repe = d.rep == 0xF3;
    run_string(c, d, [&](StringRegs& r) {
        u32 a = c.read<S>(d.seg, r.get(ESI));
        u32 b = c.read<S>(ES, r.get(EDI));
        alu_flags<AluCmp, S>(c, alu_result<AluCmp, S>(a, b, false), a, b, false);
        r.step(ESI, delta);
        r.step(EDI, delta);
        return (a == b) == repe;
    });
}

template <unsigned S> void scas(Cpu& c, const DecodedInsn& d) {
    const int delta = string_delta<S>(c);
    const bool repe = d.rep == 0xF3;
    const u32 a = c.reg<S>(EAX);
    run_string(c, d, [&](StringRegs& r) {
        u32 b = c.read<S>(ES, r.get(EDI));
        alu_flags<AluCmp, S>(c, alu_result<AluCmp, S>(a, b, false), a, b, false);
        r.step(EDI, delta);
        return (a == b) == repe;
    });
}

template <unsigned S> void ins(Cpu& c, const DecodedInsn& d) {
    const int delta = string_delta<S>(c);
    const u16 port = u16(c.s.gpr[EDX].r16);
    c.check_io(port, S);
    run_string(c, d, [&](StringRegs& r) {
        c.seg_check<S>(ES, r.get(EDI), true);
        u32 v = c.io.read(port, S);
        c.write<S>(ES, r.get(EDI), v);
        r.step(EDI, delta);
        return true;
    });
}

template <unsigned S> void outs(Cpu& c, const DecodedInsn& d) {
    const int delta = string_delta<S>(c);
    const u16 port = u16(c.s.gpr[EDX].r16);
    c.check_io(port, S);
    run_string(c, d, [&](StringRegs& r) {
        c.io.write(port, S, c.read<S>(d.seg, r.get(ESI)));
        r.step(ESI, delta);
        return true;
    });
}

} // namespace vmi86::handlers
