// SSE/SSE2 floating-point instructions: arithmetic, MIN/MAX, SQRT, compares, COMIS/UCOMIS, the
// conversions (XMM, MMX and general-register forms) and RCP/RSQRT. The computation is the software
// float library (cpu/simd/sse_float_vector.h); here are the operands, the availability checks and
// the exception rule: after an unmasked exception MXCSR records the flags, the destination keeps
// its value and the instruction faults with #XM (CR4.OSXMMEXCPT set) or #UD.
#pragma once
#include "cpu/handlers/simd_common.h"
#include "cpu/simd/sse_float_vector.h"
#include <type_traits>

namespace vmi86::handlers {

using sse::Double;
using sse::Single;

// Single precision is SSE, double precision SSE2.
template <class F>
constexpr SimdIsa kFloatIsa = std::is_same_v<F, Single> ? SimdIsa::Sse : SimdIsa::Sse2;

enum class Shape : u8 { Packed, Scalar };

// Records the instruction's flags in MXCSR and raises the fault of an unmasked exception; the
// caller writes the destination only after this returns.
inline void sse_commit(Cpu& c, sse::SseEnv& env) {
    const bool fault = env.finish();
    c.s.fpu.mxcsr |= env.flags;
    if (fault) c.fault((c.s.cr4 & CR4_OSXMMEXCPT) ? kXM : kUD);
}

inline sse::SseEnv sse_env(const Cpu& c) { return sse::SseEnv{c.s.fpu.mxcsr}; }

// The W operand: 128 bits (aligned) for packed forms, the low element for scalar forms (in
// lane 0; the other lanes are not read).
template <class F, Shape S> Xmm read_float_source(Cpu& c, const DecodedInsn& d) {
    if constexpr (S == Shape::Packed)
        return read_W128(c, d, Align::Sixteen);
    else if constexpr (sizeof(sse::Bits<F>) == 4)
        return Xmm{{read_W32(c, d), 0}};
    else
        return Xmm{{read_W64(c, d), 0}};
}

// ADD/SUB/MUL/DIV/MIN/MAX/SQRT PS/SS/PD/SD xmm, xmm/mem.
template <class F, Shape S, sse::Arith Op> void sse_arith(Cpu& c, const DecodedInsn& d) {
    sse_prologue<kFloatIsa<F>>(c);
    const Xmm src = read_float_source<F, S>(c, d);
    sse::SseEnv env = sse_env(c);
    const Xmm r = sse::arith<F>(Op, xmm(c, d.reg), src, S == Shape::Scalar, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}

// CMPPS/CMPSS/CMPPD/CMPSD xmm, xmm/mem, imm8 (the predicate in imm8[2:0]).
template <class F, Shape S> void sse_cmp(Cpu& c, const DecodedInsn& d) {
    sse_prologue<kFloatIsa<F>>(c);
    const Xmm src = read_float_source<F, S>(c, d);
    sse::SseEnv env = sse_env(c);
    const Xmm r = sse::compare_mask<F>(xmm(c, d.reg), src, u8(d.imm), S == Shape::Scalar, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}

// COMISS/UCOMISS/COMISD/UCOMISD: ZF, PF, CF from the comparison, OF, SF, AF cleared.
template <class F, bool SignalQnan> void sse_comi(Cpu& c, const DecodedInsn& d) {
    sse_prologue<kFloatIsa<F>>(c);
    const auto b = sse::Bits<F>(read_float_source<F, Shape::Scalar>(c, d).q[0]);
    const auto a = sse::Bits<F>(xmm(c, d.reg).q[0]);
    sse::SseEnv env = sse_env(c);
    const u32 flags = sse::compare_eflags<F>(a, b, SignalQnan, env);
    sse_commit(c, env);
    c.set_eflags_arith(flags);
}

// ---- conversions between the float formats and int32 lanes, all on XMM registers

// CVTPS2PD xmm, xmm/m64 and CVTDQ2PD xmm, xmm/m64 read two elements; CVTPD2PS, CVTDQ2PS,
// CVTPS2DQ, CVTTPS2DQ, CVTPD2DQ, CVTTPD2DQ an aligned m128.
inline void cvtps2pd(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    const Xmm src{{read_W64(c, d), 0}};
    sse::SseEnv env = sse_env(c);
    const Xmm r = sse::singles_to_doubles(src, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}
inline void cvtpd2ps(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    const Xmm src = read_W128(c, d, Align::Sixteen);
    sse::SseEnv env = sse_env(c);
    const Xmm r = sse::doubles_to_singles(src, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}
inline void cvtss2sd(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    const Xmm src{{read_W32(c, d), 0}};
    sse::SseEnv env = sse_env(c);
    const Xmm r = sse::scalar_single_to_double(xmm(c, d.reg), src, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}
inline void cvtsd2ss(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    const Xmm src{{read_W64(c, d), 0}};
    sse::SseEnv env = sse_env(c);
    const Xmm r = sse::scalar_double_to_single(xmm(c, d.reg), src, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}
// CVTDQ2PS (F = Single: four lanes, aligned m128), CVTDQ2PD (F = Double: two lanes, m64).
template <class F> void cvtdq2p(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    const Xmm src =
        std::is_same_v<F, Single> ? read_W128(c, d, Align::Sixteen) : Xmm{{read_W64(c, d), 0}};
    sse::SseEnv env = sse_env(c);
    const Xmm r = sse::ints_to_floats<F>(src, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}
// CVTPS2DQ/CVTTPS2DQ (Single), CVTPD2DQ/CVTTPD2DQ (Double).
template <class F, bool Truncate> void cvtp2dq(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    const Xmm src = read_W128(c, d, Align::Sixteen);
    sse::SseEnv env = sse_env(c);
    const Xmm r = sse::floats_to_ints<F>(src, Truncate, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}

// ---- general-register forms

// CVTSI2SS/CVTSI2SD xmm, r/m32.
template <class F> void cvtsi2s(Cpu& c, const DecodedInsn& d) {
    sse_prologue<kFloatIsa<F>>(c);
    const s32 v = s32(read_Ed(c, d));
    sse::SseEnv env = sse_env(c);
    const Xmm r = sse::scalar_from_int<F>(xmm(c, d.reg), v, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}
// CVTSS2SI/CVTTSS2SI/CVTSD2SI/CVTTSD2SI r32, xmm/mem.
template <class F, bool Truncate> void cvts2si(Cpu& c, const DecodedInsn& d) {
    sse_prologue<kFloatIsa<F>>(c);
    const auto a = sse::Bits<F>(read_float_source<F, Shape::Scalar>(c, d).q[0]);
    sse::SseEnv env = sse_env(c);
    const u32 v = sse::to_int32<F>(a, Truncate, env);
    sse_commit(c, env);
    c.set_reg<4>(d.reg, v);
}

// ---- MMX-register forms: reading or writing an MMX register puts the x87 unit in MMX state

// CVTPI2PS xmm, mm/m64 (SSE; lanes 2-3 kept) and CVTPI2PD xmm, mm/m64 (SSE2).
template <class F> void cvtpi2p(Cpu& c, const DecodedInsn& d) {
    sse_prologue<kFloatIsa<F>>(c);
    if (!d.mem()) enter_mmx_state(c); // a memory source leaves the x87 state alone
    const u64 src = read_Q(c, d);
    sse::SseEnv env = sse_env(c);
    const Xmm r = std::is_same_v<F, Single> ? sse::mmx_ints_to_singles(xmm(c, d.reg), src, env)
                                            : sse::ints_to_floats<Double>(Xmm{{src, 0}}, env);
    sse_commit(c, env);
    xmm(c, d.reg) = r;
}
// CVTPS2PI/CVTTPS2PI mm, xmm/m64 (SSE) and CVTPD2PI/CVTTPD2PI mm, xmm/m128 (SSE2).
template <class F, bool Truncate> void cvtp2pi(Cpu& c, const DecodedInsn& d) {
    sse_prologue<kFloatIsa<F>>(c);
    enter_mmx_state(c);
    const Xmm src =
        std::is_same_v<F, Single> ? Xmm{{read_W64(c, d), 0}} : read_W128(c, d, Align::Sixteen);
    sse::SseEnv env = sse_env(c);
    const u64 r = sse::floats_to_mmx_ints<F>(src, Truncate, env);
    sse_commit(c, env);
    set_mm(c, d.reg, r);
}

// RCPPS/RCPSS/RSQRTPS/RSQRTSS: approximations, no MXCSR flags, no exceptions.
template <Shape S, bool ReciprocalSqrt> void sse_estimate(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse>(c);
    const Xmm src = read_float_source<Single, S>(c, d);
    xmm(c, d.reg) = sse::estimate(ReciprocalSqrt, xmm(c, d.reg), src, S == Shape::Scalar);
}

} // namespace vmi86::handlers
