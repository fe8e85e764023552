// SSE float core: operand classes and DAZ, rounding with MXCSR (FTZ, masked and unmasked overflow
// and underflow), NaN propagation, the arithmetic and the compares.
#include "cpu/simd/sse_float.h"

namespace vmi86::sse {

using fpu::detail::Wide;

namespace detail {

template <class F> Class classify(Bits<F> a) {
    using L = Layout<F>;
    const Bits<F> e = L::exp(a), frac = a & L::kFracMask;
    if (e == 0) return frac ? Class::Denormal : Class::Zero;
    if (e != L::kExpMax) return Class::Normal;
    if (!frac) return Class::Infinity;
    return (frac & L::kQuietBit) ? Class::QNaN : Class::SNaN;
}

template <class F> Operand<F> load(Bits<F> a, const SseEnv& env) {
    const Class c = classify<F>(a);
    if (c == Class::Denormal && env.daz())
        return {Layout<F>::zero(Layout<F>::sign(a)), Class::Zero};
    return {a, c};
}

template <class F> Wide unpack(Bits<F> a) {
    using L = Layout<F>;
    const Bits<F> e = L::exp(a);
    u128 sig = u128(a & L::kFracMask) | (e ? u128(1) << F::kFracBits : 0);
    sig <<= 127 - F::kFracBits;
    const int lz = fpu::detail::leading_zeros(sig); // a denormal: normalize
    return {L::sign(a), s32(e ? e : 1) - L::kBias - lz, sig << lz};
}

template <class F> Bits<F> round_pack(const Wide& w, SseEnv& env) {
    using L = Layout<F>;
    constexpr int p = F::kFracBits + 1;
    constexpr fpu::detail::Format f = F::kFormat;
    const Rounding rc = env.rounding();
    const bool tiny = fpu::detail::tiny_after_rounding(w, p, f, rc);
    if (tiny) {
        if (!env.masked(kUE)) { // the instruction faults: UE, and PE when inexact
            const bool inexact = fpu::detail::round_bits(w.sig, 128 - p, w.sign, rc).inexact;
            env.flags |= kUE | (inexact ? kPE : 0);
            return 0;
        }
        if (env.ftz()) {
            env.flags |= kUE | kPE;
            return L::zero(w.sign);
        }
    }
    s32 e = w.exp < f.emin ? f.emin : w.exp;
    const fpu::detail::RoundStep r =
        fpu::detail::round_bits(w.sig, 128 - p + (e - w.exp), w.sign, rc);
    u128 sig = u128(r.kept) + r.up;
    if (sig >> p) {
        sig >>= 1;
        ++e;
    }
    if (e > f.emax) {
        if (!env.masked(kOE)) { // the instruction faults: OE, and PE when inexact
            env.flags |= kOE | (r.inexact ? kPE : 0);
            return 0;
        }
        env.flags |= kOE | kPE;
        const bool to_inf = rc == Rounding::Nearest || (rc == Rounding::Up && !w.sign) ||
                            (rc == Rounding::Down && w.sign);
        return to_inf ? L::infinity(w.sign) : Bits<F>(L::infinity(w.sign) - 1);
    }
    if (r.inexact) env.flags |= kPE | (tiny ? kUE : 0);
    const bool normal = (sig >> F::kFracBits) & 1;
    return L::zero(w.sign) | (Bits<F>(normal ? e + L::kBias : 0) << F::kFracBits) |
           (Bits<F>(sig) & L::kFracMask);
}

} // namespace detail

using namespace detail;

namespace {

// The NaN result of a two-operand operation (one of them a NaN): the first operand when it is a
// NaN, else the second, quieted; an SNaN raises IE.
template <class F> Bits<F> propagate_nan(const Operand<F>& a, const Operand<F>& b, SseEnv& env) {
    if (a.cls == Class::SNaN || b.cls == Class::SNaN) env.flags |= kIE;
    return quiet<F>(is_nan(a.cls) ? a.bits : b.bits);
}

template <class F> Bits<F> invalid(SseEnv& env) {
    env.flags |= kIE;
    return kDefaultNaN<F>;
}

// The denormal-operand check, on the operands as stored: after the NaN checks (a NaN operand
// hides a denormal one); under DAZ a denormal is a zero and raises nothing.
template <class F> void check_denormal(Bits<F> a, Bits<F> b, SseEnv& env) {
    if (env.daz()) return;
    if (classify<F>(a) == Class::Denormal || classify<F>(b) == Class::Denormal) env.flags |= kDE;
}

template <class F> Bits<F> add_signed(Bits<F> ra, Bits<F> rb, bool negate_b, SseEnv& env) {
    using L = Layout<F>;
    const Operand<F> a = load<F>(ra, env), b = load<F>(rb, env);
    if (is_nan(a.cls) || is_nan(b.cls)) return propagate_nan(a, b, env);
    check_denormal<F>(ra, rb, env);
    const bool sa = L::sign(a.bits), sb = L::sign(b.bits) != negate_b;
    if (a.cls == Class::Infinity || b.cls == Class::Infinity) {
        if (a.cls == Class::Infinity && b.cls == Class::Infinity && sa != sb)
            return invalid<F>(env);
        return L::infinity(a.cls == Class::Infinity ? sa : sb);
    }
    if (env.suppressed()) return 0;
    const bool za = a.cls == Class::Zero, zb = b.cls == Class::Zero;
    if (za && zb) return L::zero(sa == sb ? sa : env.rounding() == Rounding::Down);
    Wide y = zb ? Wide{} : unpack<F>(b.bits);
    y.sign = sb;
    if (zb) return round_pack<F>(unpack<F>(a.bits), env);
    if (za) return round_pack<F>(y, env);
    Wide r;
    if (!fpu::detail::add_wide(unpack<F>(a.bits), y, r))
        return L::zero(env.rounding() == Rounding::Down);
    return round_pack<F>(r, env);
}

} // namespace

template <class F> Bits<F> add(Bits<F> a, Bits<F> b, SseEnv& env) {
    return add_signed<F>(a, b, false, env);
}
template <class F> Bits<F> sub(Bits<F> a, Bits<F> b, SseEnv& env) {
    return add_signed<F>(a, b, true, env);
}

template <class F> Bits<F> mul(Bits<F> ra, Bits<F> rb, SseEnv& env) {
    using L = Layout<F>;
    const Operand<F> a = load<F>(ra, env), b = load<F>(rb, env);
    if (is_nan(a.cls) || is_nan(b.cls)) return propagate_nan(a, b, env);
    check_denormal<F>(ra, rb, env);
    const bool sign = L::sign(a.bits) != L::sign(b.bits);
    const bool za = a.cls == Class::Zero, zb = b.cls == Class::Zero;
    if (a.cls == Class::Infinity || b.cls == Class::Infinity) {
        if (za || zb) return invalid<F>(env);
        return L::infinity(sign);
    }
    if (env.suppressed()) return 0;
    if (za || zb) return L::zero(sign);
    return round_pack<F>(fpu::detail::mul_wide(unpack<F>(a.bits), unpack<F>(b.bits)), env);
}

template <class F> Bits<F> div(Bits<F> ra, Bits<F> rb, SseEnv& env) {
    using L = Layout<F>;
    const Operand<F> a = load<F>(ra, env), b = load<F>(rb, env);
    if (is_nan(a.cls) || is_nan(b.cls)) return propagate_nan(a, b, env);
    const bool sign = L::sign(a.bits) != L::sign(b.bits);
    const bool za = a.cls == Class::Zero, zb = b.cls == Class::Zero;
    // x / 0 raises only ZE, even for a denormal x.
    if (!zb || za || a.cls == Class::Infinity) check_denormal<F>(ra, rb, env);
    if (a.cls == Class::Infinity) {
        if (b.cls == Class::Infinity) return invalid<F>(env);
        return L::infinity(sign);
    }
    if (b.cls == Class::Infinity) return env.suppressed() ? 0 : L::zero(sign);
    if (zb) {
        if (za) return invalid<F>(env);
        env.flags |= kZE;
        return L::infinity(sign);
    }
    if (env.suppressed()) return 0;
    if (za) return L::zero(sign);
    return round_pack<F>(fpu::detail::div_wide(unpack<F>(a.bits), unpack<F>(b.bits)), env);
}

template <class F> Bits<F> sqrt(Bits<F> ra, SseEnv& env) {
    using L = Layout<F>;
    const Operand<F> a = load<F>(ra, env);
    if (is_nan(a.cls)) return propagate_nan(a, a, env);
    if (a.cls == Class::Zero) return a.bits;
    if (L::sign(a.bits)) return invalid<F>(env); // a negative denormal raises IE alone
    check_denormal<F>(ra, ra, env);
    if (a.cls == Class::Infinity) return a.bits;
    if (env.suppressed()) return 0;
    return round_pack<F>(fpu::detail::sqrt_wide(unpack<F>(a.bits)), env);
}

namespace {

// The ordering of two non-NaN operands: -1, 0, 1.
template <class F> int order(const Operand<F>& a, const Operand<F>& b) {
    using L = Layout<F>;
    const bool za = a.cls == Class::Zero, zb = b.cls == Class::Zero;
    if (za && zb) return 0;
    const bool sa = L::sign(a.bits), sb = L::sign(b.bits);
    if (sa != sb) return sa ? -1 : 1;
    // Same sign: the magnitudes order like the bit patterns.
    const Bits<F> ma = za ? 0 : a.bits & ~L::kSignMask, mb = zb ? 0 : b.bits & ~L::kSignMask;
    const int mag = ma == mb ? 0 : (ma < mb ? -1 : 1);
    return sa ? -mag : mag;
}

// MIN/MAX pick an operand as it was read (a denormal flushed by DAZ stays flushed).
template <class F> Bits<F> min_max(Bits<F> ra, Bits<F> rb, bool want_max, SseEnv& env) {
    const Operand<F> a = load<F>(ra, env), b = load<F>(rb, env);
    if (is_nan(a.cls) || is_nan(b.cls)) {
        env.flags |= kIE; // MIN/MAX signal on QNaN operands too
        return b.bits;
    }
    check_denormal<F>(ra, rb, env);
    const int o = order<F>(a, b);
    if (o == 0) return b.bits;
    return (o > 0) == want_max ? a.bits : b.bits;
}

} // namespace

template <class F> Bits<F> min(Bits<F> a, Bits<F> b, SseEnv& env) {
    return min_max<F>(a, b, false, env);
}
template <class F> Bits<F> max(Bits<F> a, Bits<F> b, SseEnv& env) {
    return min_max<F>(a, b, true, env);
}

template <class F> bool compare(Bits<F> ra, Bits<F> rb, Predicate p, SseEnv& env) {
    const Operand<F> a = load<F>(ra, env), b = load<F>(rb, env);
    const bool signals_qnan =
        p == Predicate::Lt || p == Predicate::Le || p == Predicate::Nlt || p == Predicate::Nle;
    if (is_nan(a.cls) || is_nan(b.cls)) {
        if (signals_qnan || a.cls == Class::SNaN || b.cls == Class::SNaN) env.flags |= kIE;
        return p == Predicate::Unord || p == Predicate::Neq || p == Predicate::Nlt ||
               p == Predicate::Nle;
    }
    check_denormal<F>(ra, rb, env);
    const int o = order<F>(a, b);
    switch (p) {
    case Predicate::Eq: return o == 0;
    case Predicate::Lt: return o < 0;
    case Predicate::Le: return o <= 0;
    case Predicate::Unord: return false;
    case Predicate::Neq: return o != 0;
    case Predicate::Nlt: return o >= 0;
    case Predicate::Nle: return o > 0;
    case Predicate::Ord: return true;
    }
    return false;
}

template <class F> u32 compare_eflags(Bits<F> ra, Bits<F> rb, bool signal_qnan, SseEnv& env) {
    constexpr u32 kCF = 1, kPF = 4, kZF = 0x40;
    const Operand<F> a = load<F>(ra, env), b = load<F>(rb, env);
    if (is_nan(a.cls) || is_nan(b.cls)) {
        if (signal_qnan || a.cls == Class::SNaN || b.cls == Class::SNaN) env.flags |= kIE;
        return kZF | kPF | kCF;
    }
    check_denormal<F>(ra, rb, env);
    const int o = order<F>(a, b);
    return o == 0 ? kZF : (o < 0 ? kCF : 0);
}

#define VMI86_SSE_FLOAT_INSTANTIATE(F)                                                             \
    template Class detail::classify<F>(Bits<F>);                                                   \
    template Operand<F> detail::load<F>(Bits<F>, const SseEnv&);                                   \
    template Wide detail::unpack<F>(Bits<F>);                                                      \
    template Bits<F> detail::round_pack<F>(const Wide&, SseEnv&);                                  \
    template Bits<F> add<F>(Bits<F>, Bits<F>, SseEnv&);                                            \
    template Bits<F> sub<F>(Bits<F>, Bits<F>, SseEnv&);                                            \
    template Bits<F> mul<F>(Bits<F>, Bits<F>, SseEnv&);                                            \
    template Bits<F> div<F>(Bits<F>, Bits<F>, SseEnv&);                                            \
    template Bits<F> sqrt<F>(Bits<F>, SseEnv&);                                                    \
    template Bits<F> min<F>(Bits<F>, Bits<F>, SseEnv&);                                            \
    template Bits<F> max<F>(Bits<F>, Bits<F>, SseEnv&);                                            \
    template bool compare<F>(Bits<F>, Bits<F>, Predicate, SseEnv&);                                \
    template u32 compare_eflags<F>(Bits<F>, Bits<F>, bool, SseEnv&);
VMI86_SSE_FLOAT_INSTANTIATE(Single)
VMI86_SSE_FLOAT_INSTANTIATE(Double)
#undef VMI86_SSE_FLOAT_INSTANTIATE

} // namespace vmi86::sse
