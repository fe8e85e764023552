// X87: a view on the x87 state in CpuState for the instruction handlers: the register stack
// (TOP, tags, push/pop with stack overflow and underflow), the status word and its exception
// summary, the instruction prologue (#NM, pending-exception reporting as #MF or FERR#, the last
// instruction pointers), and the environment/save images.
#pragma once
#include "cpu/cpu.h"
#include "cpu/fpu/float80.h"

namespace vmi86::fpu {

// Status word bits.
enum : u16 {
    kSwSF = 1u << 6,
    kSwES = 1u << 7,
    kSwC0 = 1u << 8,
    kSwC1 = 1u << 9,
    kSwC2 = 1u << 10,
    kSwC3 = 1u << 14,
    kSwB = 1u << 15,
    kSwTop = 7u << 11,
    kSwCc = kSwC0 | kSwC1 | kSwC2 | kSwC3,
};

constexpr u16 kFninitControlWord = 0x037F;

class X87 {
public:
    explicit X87(Cpu& c) : c_(c), f_(c.s.fpu) {}

    unsigned top() const { return (f_.sw >> 11) & 7; }
    void set_top(unsigned t) { f_.sw = u16((f_.sw & ~kSwTop) | ((t & 7) << 11)); }
    unsigned phys(unsigned i) const { return (top() + i) & 7; }
    bool empty(unsigned i) const { return !((f_.tags >> phys(i)) & 1); }
    Float80 st(unsigned i) const {
        const X87Register& r = f_.r[phys(i)];
        return {r.mant, r.sign_exp};
    }
    void set_st(unsigned i, Float80 v) {
        f_.r[phys(i)] = {v.mant, v.sign_exp};
        f_.tags |= u8(1u << phys(i));
    }
    void free(unsigned i) { f_.tags &= u8(~(1u << phys(i))); }
    void pop() {
        free(0);
        set_top(top() + 1);
    }
    // Pushes v, or on stack overflow the masked response (the indefinite). Returns false when an
    // unmasked stack overflow leaves the stack unchanged.
    bool push(Float80 v, FpEnv& env) {
        if (!((f_.tags >> ((top() - 1) & 7)) & 1)) {
            set_top(top() - 1);
            set_st(0, v);
            return true;
        }
        stack_fault(true, env);
        if (!env.masked(kIE)) return false;
        set_top(top() - 1);
        set_st(0, kDefaultNaN);
        return true;
    }
    // Stack overflow (pushing onto a full register) or underflow (reading an empty one).
    void stack_fault(bool overflow, FpEnv& env) {
        env.flags |= kIE;
        env.c1 = overflow;
        f_.sw |= kSwSF;
        stack_faulted_ = true;
    }

    FpEnv env() const { return FpEnv{f_.cw}; }
    // Ends an instruction: its exceptions into the status word, C1, and the error summary.
    void finish(const FpEnv& env) {
        f_.sw = u16((f_.sw & ~kSwC1) | env.flags | (env.c1 ? kSwC1 : 0));
        update_summary();
    }
    // The same for an instruction that leaves C1 alone unless the stack faults.
    void finish_keep_c1(const FpEnv& env) {
        f_.sw |= env.flags;
        if (stack_faulted_) f_.sw = u16((f_.sw & ~kSwC1) | (env.c1 ? kSwC1 : 0));
        update_summary();
    }
    void set_cc(u16 cc, u16 mask = kSwC0 | kSwC2 | kSwC3) {
        f_.sw = u16((f_.sw & ~mask) | (cc & mask));
    }
    // ES and B follow the unmasked exception flags. FERR# follows ES down (an image loaded by
    // FLDENV/FRSTOR/FXRSTOR, or FLDCW masking the error); it goes up only when an error is
    // reported (x87_report_pending).
    // had_error: ES before the status word was replaced.
    void update_summary(bool had_error) {
        if (f_.sw & ~f_.cw & kAllExceptions) {
            f_.sw |= kSwES | kSwB;
        } else {
            f_.sw &= u16(~(kSwES | kSwB));
            if (had_error && c_.on_ferr) c_.on_ferr(false);
        }
    }
    void update_summary() { update_summary(f_.sw & kSwES); }

    void init() {
        f_.cw = kFninitControlWord;
        f_.sw = 0;
        f_.tags = 0;
        f_.fop = 0;
        f_.fip = f_.fdp = 0;
        f_.fcs = f_.fds = 0;
        if (c_.on_ferr) c_.on_ferr(false);
    }

    // The full tag word (2 bits per physical register: valid, zero, special, empty).
    u16 full_tag_word() const;
    void set_full_tag_word(u16 tw) {
        f_.tags = 0;
        for (unsigned i = 0; i < 8; ++i)
            if (((tw >> (2 * i)) & 3) != 3) f_.tags |= u8(1u << i);
    }

private:
    Cpu& c_;
    X87State& f_;
    bool stack_faulted_ = false;
};

// Every x87 instruction starts here: CR0.EM or CR0.TS raise #NM; a waiting instruction reports
// a pending unmasked exception first (#MF with CR0.NE, else FERR#, which the board routes to
// IRQ13); a non-control instruction becomes the "last instruction" of FSTENV/FSAVE.
enum class X87Kind : u8 { Arith, Control, ControlNoWait };
void x87_prologue(Cpu& c, const DecodedInsn& d, X87Kind kind);
// Reports a pending unmasked exception (WAIT and the waiting instructions).
void x87_report_pending(Cpu& c);

// Environment and save images (SDM Vol. 1 8.1.10, Figures 8-9..8-12, and FXSAVE).
void x87_store_env(Cpu& c, const DecodedInsn& d, u32 addr, bool save_registers);
void x87_load_env(Cpu& c, const DecodedInsn& d, u32 addr, bool load_registers);
void x87_fxsave(Cpu& c, const DecodedInsn& d);
void x87_fxrstor(Cpu& c, const DecodedInsn& d);

} // namespace vmi86::fpu
