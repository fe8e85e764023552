// x87 FPU instructions (escape opcodes D8-DF, decoded through cpu/decode/x87.def). The
// arithmetic is the software Float80 (cpu/fpu); these handlers move operands between memory and
// the register stack and apply the stack-fault and exception responses.
#pragma once
#include "cpu/fpu/transcendental.h"
#include "cpu/fpu/x87.h"
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

using fpu::Float80;
using fpu::FpEnv;
using fpu::X87;
using fpu::X87Kind;

namespace x87 {

// Offsets inside a memory operand: 16-bit addressing wraps inside the segment.
inline u32 at(const DecodedInsn& d, u32 base, u32 k) {
    return d.addrsize == 2 ? (base + k) & 0xFFFF : base + k;
}

inline u64 read64(Cpu& c, const DecodedInsn& d, u32 a) {
    return c.read<4>(d.seg, a) | (u64(c.read<4>(d.seg, at(d, a, 4))) << 32);
}
// Multi-part stores write the highest part first (see x87_store_env).
inline void write64(Cpu& c, const DecodedInsn& d, u32 a, u64 v) {
    c.write<4>(d.seg, at(d, a, 4), u32(v >> 32));
    c.write<4>(d.seg, a, u32(v));
}
inline Float80 read80(Cpu& c, const DecodedInsn& d, u32 a) {
    const u64 mant = read64(c, d, a);
    return {mant, u16(c.read<2>(d.seg, at(d, a, 8)))};
}
inline void write80(Cpu& c, const DecodedInsn& d, u32 a, Float80 v) {
    c.write<2>(d.seg, at(d, a, 8), v.sign_exp);
    write64(c, d, a, v.mant);
}

// The memory operand of the arithmetic group (D8/DA/DC/DE) as an exact Float80; `denormal`
// tells that it was a denormal single or double.
enum class MemFormat : u8 { F32, F64, I16, I32 };
template <MemFormat F> Float80 read_operand(Cpu& c, const DecodedInsn& d, bool& denormal) {
    const u32 a = c.ea(d);
    denormal = false;
    if constexpr (F == MemFormat::F32) return fpu::extend_f32(c.read<4>(d.seg, a), denormal);
    if constexpr (F == MemFormat::F64) return fpu::extend_f64(read64(c, d, a), denormal);
    if constexpr (F == MemFormat::I16) return fpu::from_int(s16(c.read<2>(d.seg, a)));
    return fpu::from_int(s32(c.read<4>(d.seg, a)));
}

// Whether a denormal memory operand y raises DE in an operation with x: the NaN checks come
// first, and a division by zero reports only ZE.
inline bool memory_denormal_reported(unsigned op, Float80 x, Float80 y) {
    const fpu::Kind kx = fpu::classify(x), ky = fpu::classify(y);
    if (kx == fpu::Kind::Unsupported || fpu::is_nan(kx) || fpu::is_nan(ky)) return false;
    return !(op == 7 && kx == fpu::Kind::Zero);
}

// The arithmetic of the ModRM reg field: 0 add, 1 mul, 4 sub, 5 subr, 6 div, 7 divr, with x the
// ST(0) operand and y the other.
inline Float80 arith(unsigned op, Float80 x, Float80 y, FpEnv& env) {
    switch (op) {
    case 0: return fpu::add(x, y, env);
    case 1: return fpu::mul(x, y, env);
    case 4: return fpu::sub(x, y, env);
    case 5: return fpu::sub(y, x, env);
    case 6: return fpu::div(x, y, env);
    default: return fpu::div(y, x, env);
    }
}

// C3/C2/C0 of a compare (SDM FCOM), and the ZF/PF/CF of FCOMI.
inline u16 compare_cc(fpu::Order o) {
    static constexpr u16 cc[4] = {fpu::kSwC0, fpu::kSwC3, 0, fpu::kSwC0 | fpu::kSwC2 | fpu::kSwC3};
    return cc[unsigned(o)];
}

// ST(0) compared with y; `pops` registers popped afterwards.
inline void compare(Cpu& c, Float80 y, bool y_empty, bool quiet, unsigned pops, FpEnv& env) {
    X87 x(c);
    fpu::Order o = fpu::Order::Unordered;
    if (x.empty(0) || y_empty)
        x.stack_fault(false, env);
    else
        o = fpu::compare(x.st(0), y, quiet, env);
    env.c1 = false;
    // An unmasked invalid operation still reports "unordered"; it and an unmasked denormal
    // operand pop nothing.
    x.set_cc(compare_cc(o));
    if (!(env.unmasked() & (fpu::kIE | fpu::kDE)))
        for (unsigned i = 0; i < pops; ++i) x.pop();
    x.finish(env);
}

// Writes a result to ST(i) unless an unmasked exception suppressed it; then pops.
inline void store_result(X87& x, unsigned i, Float80 r, bool pop, const FpEnv& env) {
    if (env.result_suppressed()) return;
    x.set_st(i, r);
    if (pop) x.pop();
}

} // namespace x87

// ---- arithmetic: D8/DA/DC/DE memory forms, D8 (ST0 = ST0 op STi), DC/DE (STi = STi op ST0)
template <x87::MemFormat F> void fpu_arith_mem(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    bool denormal;
    const Float80 y = x87::read_operand<F>(c, d, denormal);
    const bool compare = d.reg == 2 || d.reg == 3;
    if (x.empty(0)) {
        x.stack_fault(false, env);
        if (compare) {
            x.set_cc(x87::compare_cc(fpu::Order::Unordered));
            if (d.reg == 3 && env.masked(fpu::kIE)) x.pop();
        } else if (env.masked(fpu::kIE)) {
            x.set_st(0, fpu::kDefaultNaN);
        }
        return x.finish(env);
    }
    if (denormal && x87::memory_denormal_reported(compare ? 0 : d.reg, x.st(0), y)) {
        env.flags |= fpu::kDE;
        if (!env.masked(fpu::kDE)) return x.finish(env); // not performed
    }
    if (compare) return x87::compare(c, y, false, false, d.reg == 3, env);
    const Float80 r = x87::arith(d.reg, x.st(0), y, env);
    x87::store_result(x, 0, r, false, env);
    x.finish(env);
}
inline void fpu_arith_m32fp(Cpu& c, const DecodedInsn& d) {
    fpu_arith_mem<x87::MemFormat::F32>(c, d);
}
inline void fpu_arith_m64fp(Cpu& c, const DecodedInsn& d) {
    fpu_arith_mem<x87::MemFormat::F64>(c, d);
}
inline void fpu_arith_m16int(Cpu& c, const DecodedInsn& d) {
    fpu_arith_mem<x87::MemFormat::I16>(c, d);
}
inline void fpu_arith_m32int(Cpu& c, const DecodedInsn& d) {
    fpu_arith_mem<x87::MemFormat::I32>(c, d);
}

// dest_sti: the result goes to ST(i) (DC/DE); pop: DE.
template <bool dest_sti, bool pop> void fpu_arith_reg(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    const unsigned i = d.rm, dest = dest_sti ? i : 0;
    if (x.empty(0) || x.empty(i)) {
        x.stack_fault(false, env);
        if (env.masked(fpu::kIE)) x87::store_result(x, dest, fpu::kDefaultNaN, pop, env);
        return x.finish(env);
    }
    const Float80 r = x87::arith(d.reg, x.st(0), x.st(i), env);
    x87::store_result(x, dest, r, pop, env);
    x.finish(env);
}
inline void fpu_arith_st0_sti(Cpu& c, const DecodedInsn& d) { fpu_arith_reg<false, false>(c, d); }
inline void fpu_arith_sti_st0(Cpu& c, const DecodedInsn& d) { fpu_arith_reg<true, false>(c, d); }
inline void fpu_arith_sti_st0_pop(Cpu& c, const DecodedInsn& d) { fpu_arith_reg<true, true>(c, d); }

// ---- compares
template <bool quiet, unsigned pops> void fpu_compare_sti(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    x87::compare(c, x.st(d.rm), x.empty(d.rm), quiet, pops, env);
}
inline void fcom_sti(Cpu& c, const DecodedInsn& d) { fpu_compare_sti<false, 0>(c, d); }
inline void fcomp_sti(Cpu& c, const DecodedInsn& d) { fpu_compare_sti<false, 1>(c, d); }
inline void fcompp(Cpu& c, const DecodedInsn& d) { fpu_compare_sti<false, 2>(c, d); }
inline void fucom_sti(Cpu& c, const DecodedInsn& d) { fpu_compare_sti<true, 0>(c, d); }
inline void fucomp_sti(Cpu& c, const DecodedInsn& d) { fpu_compare_sti<true, 1>(c, d); }
inline void fucompp(Cpu& c, const DecodedInsn& d) { fpu_compare_sti<true, 2>(c, d); }

inline void ftst(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    x87::compare(c, fpu::kPlusZero, false, false, 0, env);
}

// FCOMI/FUCOMI(P): the result in ZF/PF/CF, OF/SF/AF cleared.
template <bool quiet, bool pop> void fpu_comi(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    fpu::Order o = fpu::Order::Unordered;
    if (x.empty(0) || x.empty(d.rm))
        x.stack_fault(false, env);
    else
        o = fpu::compare(x.st(0), x.st(d.rm), quiet, env);
    env.c1 = false;
    static constexpr u32 flags[4] = {FLAG_CF, FLAG_ZF, 0, FLAG_ZF | FLAG_PF | FLAG_CF};
    c.set_eflags_arith(flags[unsigned(o)]);
    if (pop && !(env.unmasked() & (fpu::kIE | fpu::kDE))) x.pop();
    x.finish_keep_c1(env); // C1 is left alone unless the stack faults
}
inline void fcomi(Cpu& c, const DecodedInsn& d) { fpu_comi<false, false>(c, d); }
inline void fcomip(Cpu& c, const DecodedInsn& d) { fpu_comi<false, true>(c, d); }
inline void fucomi(Cpu& c, const DecodedInsn& d) { fpu_comi<true, false>(c, d); }
inline void fucomip(Cpu& c, const DecodedInsn& d) { fpu_comi<true, true>(c, d); }

// ---- loads
inline void fpu_push_loaded(Cpu& c, Float80 v, FpEnv& env) {
    X87 x(c);
    if (!x.empty(7)) env = x.env(); // a stack overflow reports nothing about the operand
    // An unmasked denormal operand does not stop the load (the value is exact); an unmasked
    // invalid operation (SNaN) does.
    if (!(env.unmasked() & fpu::kIE)) x.push(v, env);
    x.finish(env);
}
inline void fld_m32fp(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    FpEnv env = X87(c).env();
    const Float80 v = fpu::from_f32(c.read<4>(d.seg, c.ea(d)), env);
    fpu_push_loaded(c, v, env);
}
inline void fld_m64fp(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    FpEnv env = X87(c).env();
    const Float80 v = fpu::from_f64(x87::read64(c, d, c.ea(d)), env);
    fpu_push_loaded(c, v, env);
}
inline void fld_m80fp(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    FpEnv env = X87(c).env();
    fpu_push_loaded(c, x87::read80(c, d, c.ea(d)), env);
}
inline void fild_m16(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    FpEnv env = X87(c).env();
    fpu_push_loaded(c, fpu::from_int(s16(c.read<2>(d.seg, c.ea(d)))), env);
}
inline void fild_m32(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    FpEnv env = X87(c).env();
    fpu_push_loaded(c, fpu::from_int(s32(c.read<4>(d.seg, c.ea(d)))), env);
}
inline void fild_m64(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    FpEnv env = X87(c).env();
    fpu_push_loaded(c, fpu::from_int(s64(x87::read64(c, d, c.ea(d)))), env);
}
inline void fbld(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    FpEnv env = X87(c).env();
    const u32 a = c.ea(d);
    u8 bcd[10];
    for (unsigned i = 0; i < 10; ++i) bcd[i] = u8(c.read<1>(d.seg, x87::at(d, a, i)));
    fpu_push_loaded(c, fpu::from_bcd(bcd), env);
}
inline void fld_sti(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    if (x.empty(d.rm)) {
        // Underflow wins over a simultaneous overflow: C1 = 0, the indefinite pushed.
        x.stack_fault(false, env);
        if (env.masked(fpu::kIE)) {
            x.set_top(x.top() - 1);
            x.set_st(0, fpu::kDefaultNaN);
        }
        return x.finish(env);
    }
    x.push(x.st(d.rm), env);
    x.finish(env);
}
// D9 E8-EE: FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ.
inline void fld_const(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    x.push(fpu::load_constant(d.rm, env.rounding()), env);
    x.finish(env);
}

// ---- stores. Stack underflow stores the masked response (the format's indefinite).
template <typename Store>
void fpu_store(Cpu& c, [[maybe_unused]] const DecodedInsn& d, bool pop, Store store) {
    X87 x(c);
    FpEnv env = x.env();
    const bool empty = x.empty(0);
    if (empty) {
        x.stack_fault(false, env);
        if (!env.masked(fpu::kIE)) return x.finish(env);
    }
    if (!store(empty ? fpu::kDefaultNaN : x.st(0), env)) return x.finish(env);
    if (empty) env.c1 = false;
    if (pop) x.pop();
    x.finish(env);
}
// D9 /2 /3, DD /2 /3: the reg field's low bit pops.
inline void fst_m32fp(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    const u32 a = c.ea(d);
    fpu_store(c, d, d.reg & 1, [&](Float80 v, FpEnv& env) {
        u32 out;
        if (!fpu::to_f32(v, env, out)) return false;
        c.write<4>(d.seg, a, out);
        return true;
    });
}
inline void fst_m64fp(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    const u32 a = c.ea(d);
    fpu_store(c, d, d.reg & 1, [&](Float80 v, FpEnv& env) {
        u64 out;
        if (!fpu::to_f64(v, env, out)) return false;
        x87::write64(c, d, a, out);
        return true;
    });
}
inline void fstp_m80fp(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    const u32 a = c.ea(d);
    fpu_store(c, d, true, [&](Float80 v, FpEnv&) {
        x87::write80(c, d, a, v);
        return true;
    });
}
template <int bits> void fpu_store_int(Cpu& c, const DecodedInsn& d, bool pop) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    const u32 a = c.ea(d);
    fpu_store(c, d, pop, [&](Float80 v, FpEnv& env) {
        s64 out;
        if (!fpu::to_int(v, bits, false, env, out)) return false;
        if constexpr (bits == 16) c.write<2>(d.seg, a, u32(out));
        if constexpr (bits == 32) c.write<4>(d.seg, a, u32(out));
        if constexpr (bits == 64) x87::write64(c, d, a, u64(out));
        return true;
    });
}
inline void fist_m16(Cpu& c, const DecodedInsn& d) { fpu_store_int<16>(c, d, d.reg & 1); }
inline void fist_m32(Cpu& c, const DecodedInsn& d) { fpu_store_int<32>(c, d, d.reg & 1); }
inline void fistp_m64(Cpu& c, const DecodedInsn& d) { fpu_store_int<64>(c, d, true); }
inline void fbstp(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    const u32 a = c.ea(d);
    fpu_store(c, d, true, [&](Float80 v, FpEnv& env) {
        u8 out[10];
        if (!fpu::to_bcd(v, env, out)) return false;
        for (int i = 9; i >= 0; --i) c.write<1>(d.seg, x87::at(d, a, unsigned(i)), out[i]);
        return true;
    });
}
// FST/FSTP ST(i) (DD D0/D8, and the aliases D9 D8, DF D0, DF D8 which pop).
template <bool pop> void fpu_st_sti(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    if (x.empty(0)) {
        x.stack_fault(false, env);
        if (!env.masked(fpu::kIE)) return x.finish(env);
        x.set_st(d.rm, fpu::kDefaultNaN);
    } else {
        x.set_st(d.rm, x.st(0));
    }
    if (pop) x.pop();
    x.finish(env);
}
inline void fst_sti(Cpu& c, const DecodedInsn& d) { fpu_st_sti<false>(c, d); }
inline void fstp_sti(Cpu& c, const DecodedInsn& d) { fpu_st_sti<true>(c, d); }

// ---- register stack
inline void fxch(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    Float80 a = x.st(0), b = x.st(d.rm);
    if (x.empty(0) || x.empty(d.rm)) {
        x.stack_fault(false, env);
        if (!env.masked(fpu::kIE)) return x.finish(env);
        if (x.empty(0)) a = fpu::kDefaultNaN;
        if (x.empty(d.rm)) b = fpu::kDefaultNaN;
    }
    x.set_st(0, b);
    x.set_st(d.rm, a);
    x.finish(env);
}
inline void ffree(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87(c).free(d.rm);
}
inline void ffreep(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    x.free(d.rm);
    x.pop();
}
inline void fincstp(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    x.set_top(x.top() + 1);
    x.finish(x.env());
}
inline void fdecstp(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    x.set_top(x.top() - 1);
    x.finish(x.env());
}
inline void fnop(Cpu& c, const DecodedInsn& d) { fpu::x87_prologue(c, d, X87Kind::Arith); }

// FCMOVcc (DA/DB C0-DF): B, E, BE, U and their negations.
inline void fcmov(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    static constexpr u8 kCondition[4] = {0x2, 0x4, 0x6, 0xA}; // Jcc codes of B, E, BE, P
    const bool take = c.condition(kCondition[d.reg & 3] | ((d.opcode & 1) ? 1 : 0));
    X87 x(c);
    FpEnv env = x.env();
    if (x.empty(0) || x.empty(d.rm)) {
        x.stack_fault(false, env);
        if (env.masked(fpu::kIE)) x.set_st(0, fpu::kDefaultNaN);
        return x.finish(env);
    }
    if (take) x.set_st(0, x.st(d.rm)); // C1 is left as it was
}

// ---- one-operand ST(0) operations
template <typename Op> void fpu_unary(Cpu& c, const DecodedInsn& d, Op op) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    if (x.empty(0)) {
        x.stack_fault(false, env);
        if (env.masked(fpu::kIE)) x.set_st(0, fpu::kDefaultNaN);
        return x.finish(env);
    }
    const Float80 r = op(x.st(0), env);
    if (!env.result_suppressed()) x.set_st(0, r);
    x.finish(env);
}
inline void fchs(Cpu& c, const DecodedInsn& d) {
    fpu_unary(c, d, [](Float80 v, FpEnv&) { return fpu::negate(v); });
}
inline void fabs_(Cpu& c, const DecodedInsn& d) {
    fpu_unary(c, d, [](Float80 v, FpEnv&) { return fpu::abs(v); });
}
inline void fsqrt(Cpu& c, const DecodedInsn& d) {
    fpu_unary(c, d, [](Float80 v, FpEnv& env) { return fpu::sqrt(v, env); });
}
inline void frndint(Cpu& c, const DecodedInsn& d) {
    fpu_unary(c, d, [](Float80 v, FpEnv& env) { return fpu::round_to_int(v, env); });
}
inline void fxam(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    const Float80 v = x.st(0);
    u16 cc = fpu::kSwC0 | fpu::kSwC3; // empty
    if (!x.empty(0)) {
        switch (fpu::classify(v)) {
        case fpu::Kind::Unsupported: cc = 0; break;
        case fpu::Kind::QNaN:
        case fpu::Kind::SNaN: cc = fpu::kSwC0; break;
        case fpu::Kind::Normal: cc = fpu::kSwC2; break;
        case fpu::Kind::Infinity: cc = fpu::kSwC2 | fpu::kSwC0; break;
        case fpu::Kind::Zero: cc = fpu::kSwC3; break;
        case fpu::Kind::Denormal: cc = fpu::kSwC3 | fpu::kSwC2; break;
        }
    }
    x.set_cc(cc);
    FpEnv env = x.env();
    env.c1 = v.sign();
    x.finish(env);
}

// ---- two-operand ST(0)/ST(1) operations (FSCALE, FPREM, FPATAN, FYL2X, ...): the operation
// returns the result(s) and the condition codes it defines.
inline void fpu_st0_st1(Cpu& c, const DecodedInsn& d, fpu::StackOp op) {
    fpu::x87_prologue(c, d, X87Kind::Arith);
    X87 x(c);
    FpEnv env = x.env();
    fpu::StackResult r;
    const bool needs_st1 = op != fpu::StackOp::Fxtract && op != fpu::StackOp::Fptan &&
                           op != fpu::StackOp::Fsincos && op != fpu::StackOp::Fsin &&
                           op != fpu::StackOp::Fcos && op != fpu::StackOp::F2xm1;
    const bool pushes =
        op == fpu::StackOp::Fxtract || op == fpu::StackOp::Fptan || op == fpu::StackOp::Fsincos;
    const bool pops =
        op == fpu::StackOp::Fpatan || op == fpu::StackOp::Fyl2x || op == fpu::StackOp::Fyl2xp1;
    if (x.empty(0) || (needs_st1 && x.empty(1))) {
        x.stack_fault(false, env);
        if (op == fpu::StackOp::Fprem || op == fpu::StackOp::Fprem1) x.set_cc(0, fpu::kSwC2);
        if (env.masked(fpu::kIE)) {
            if (pushes) { // the underflow response, whatever ST(7) holds
                x.set_st(0, fpu::kDefaultNaN);
                x.set_top(x.top() - 1);
                x.set_st(0, fpu::kDefaultNaN);
            } else if (pops) {
                x.set_st(1, fpu::kDefaultNaN);
                x.pop();
            } else {
                x.set_st(0, fpu::kDefaultNaN);
            }
        }
        return x.finish(env);
    }
    if (pushes && !x.empty(7)) {
        x.stack_fault(true, env);
        if (env.masked(fpu::kIE)) {
            x.set_st(0, fpu::kDefaultNaN);
            x.push(fpu::kDefaultNaN, env);
        }
        return x.finish(env);
    }
    r = fpu::stack_op(op, x.st(0), x.st(1), env);
    if (r.set_cc) x.set_cc(r.cc, r.cc_mask);
    if (!env.result_suppressed()) {
        if (pops) {
            x.set_st(1, r.st0);
            x.pop();
        } else if (pushes && r.push) {
            x.set_st(0, r.st1);
            x.push(r.st0, env);
        } else {
            x.set_st(0, r.st0);
            if (r.writes_st1) x.set_st(1, r.st1);
        }
    }
    x.finish(env);
}
inline void fscale(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fscale); }
inline void fxtract(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fxtract); }
inline void fprem(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fprem); }
inline void fprem1(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fprem1); }
inline void f2xm1(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::F2xm1); }
inline void fyl2x(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fyl2x); }
inline void fyl2xp1(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fyl2xp1); }
inline void fptan(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fptan); }
inline void fpatan(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fpatan); }
inline void fsin(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fsin); }
inline void fcos(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fcos); }
inline void fsincos(Cpu& c, const DecodedInsn& d) { fpu_st0_st1(c, d, fpu::StackOp::Fsincos); }

// ---- control
inline void fninit(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::ControlNoWait);
    X87(c).init();
}
inline void fnclex(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::ControlNoWait);
    c.s.fpu.sw &= u16(~(unsigned(fpu::kAllExceptions) | fpu::kSwSF | fpu::kSwES | fpu::kSwB));
    if (c.on_ferr) c.on_ferr(false);
}
// FNENI, FNDISI, FNSETPM: 8087/287 controls a 387 and later execute as no-ops.
inline void fnop_legacy(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::ControlNoWait);
}
inline void fnstsw_ax(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::ControlNoWait);
    c.s.gpr[EAX].r16 = c.s.fpu.sw;
}
inline void fnstsw_m16(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::ControlNoWait);
    c.write<2>(d.seg, c.ea(d), c.s.fpu.sw);
}
inline void fnstcw(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::ControlNoWait);
    c.write<2>(d.seg, c.ea(d), c.s.fpu.cw);
}
inline void fldcw(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Control);
    const u16 cw = u16(c.read<2>(d.seg, c.ea(d)));
    c.s.fpu.cw = u16((cw & 0x1F3F) | 0x0040); // reserved bits: 6 reads as 1, the others as 0
    X87(c).update_summary();
}
template <unsigned S> void fnstenv(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::ControlNoWait);
    fpu::x87_store_env(c, d, c.ea(d), false);
    c.s.fpu.cw |= fpu::kAllExceptions; // FSTENV masks every exception afterwards
    X87(c).update_summary();
}
template <unsigned S> void fldenv(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Control);
    fpu::x87_load_env(c, d, c.ea(d), false);
}
template <unsigned S> void fnsave(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::ControlNoWait);
    fpu::x87_store_env(c, d, c.ea(d), true);
    X87(c).init();
}
template <unsigned S> void frstor(Cpu& c, const DecodedInsn& d) {
    fpu::x87_prologue(c, d, X87Kind::Control);
    fpu::x87_load_env(c, d, c.ea(d), true);
}
inline void fxsave(Cpu& c, const DecodedInsn& d) { fpu::x87_fxsave(c, d); }
inline void fxrstor(Cpu& c, const DecodedInsn& d) { fpu::x87_fxrstor(c, d); }

} // namespace vmi86::handlers
