// SSE float conversions: single <-> double, int32 -> float, float -> int32 (rounded or truncated).
#include "cpu/simd/sse_float.h"

namespace vmi86::sse {

using namespace detail;
using fpu::detail::Wide;

namespace {

// Widens or narrows a NaN's payload (its top fraction bits) to the other format, quieted.
template <class To, class From> Bits<To> convert_nan(Bits<From> a) {
    using LF = Layout<From>;
    using LT = Layout<To>;
    const u64 frac = u64(a & LF::kFracMask);
    const u64 moved = To::kFracBits > From::kFracBits ? frac << (To::kFracBits - From::kFracBits)
                                                      : frac >> (From::kFracBits - To::kFracBits);
    return LT::infinity(LF::sign(a)) | LT::kQuietBit | Bits<To>(moved);
}

// CVTSS2SD / CVTSD2SS.
template <class To, class From> Bits<To> convert_float(Bits<From> raw, SseEnv& env) {
    using LF = Layout<From>;
    using LT = Layout<To>;
    const Operand<From> a = load<From>(raw, env);
    const bool sign = LF::sign(a.bits);
    switch (a.cls) {
    case Class::SNaN: env.flags |= kIE; [[fallthrough]];
    case Class::QNaN: return convert_nan<To, From>(a.bits);
    case Class::Infinity: return LT::infinity(sign);
    case Class::Zero: return LT::zero(sign);
    case Class::Denormal: env.flags |= kDE; break;
    case Class::Normal: break;
    }
    if (env.suppressed()) return 0;
    return round_pack<To>(unpack<From>(a.bits), env);
}

} // namespace

u64 single_to_double(u32 a, SseEnv& env) { return convert_float<Double, Single>(a, env); }
u32 double_to_single(u64 a, SseEnv& env) { return convert_float<Single, Double>(a, env); }

template <class F> Bits<F> from_int32(s32 v, SseEnv& env) {
    if (v == 0) return 0;
    const bool sign = v < 0;
    const u128 mag = sign ? 0 - u64(s64(v)) : u64(s64(v));
    const int lz = fpu::detail::leading_zeros(mag);
    return round_pack<F>(Wide{sign, 127 - lz, mag << lz}, env);
}

template <class F> u32 to_int32(Bits<F> raw, bool truncate, SseEnv& env) {
    const Operand<F> a = load<F>(raw, env);
    if (a.cls == Class::Zero) return 0;
    if (is_nan(a.cls) || a.cls == Class::Infinity) {
        env.flags |= kIE;
        return kIntegerIndefinite;
    }
    // The x87 store-integer rounding is the same operation: run it with an equivalent control
    // word (all precision, MXCSR rounding and masks).
    const Wide w = unpack<F>(a.bits);
    const fpu::Float80 x{u64(w.sig >> 64), u16((w.sign ? 0x8000 : 0) | (w.exp + fpu::kExtBias))};
    fpu::FpEnv x87;
    x87.cw =
        u16(((env.mxcsr >> kMxcsrMaskShift) & 0x3F) | 0x300 | (unsigned(env.rounding()) << 10));
    s64 out = 0;
    const bool stored = fpu::to_int(x, 32, truncate, x87, out);
    env.flags |= x87.flags;
    return stored ? u32(out) : kIntegerIndefinite;
}

template Bits<Single> from_int32<Single>(s32, SseEnv&);
template Bits<Double> from_int32<Double>(s32, SseEnv&);
template u32 to_int32<Single>(Bits<Single>, bool, SseEnv&);
template u32 to_int32<Double>(Bits<Double>, bool, SseEnv&);

} // namespace vmi86::sse
