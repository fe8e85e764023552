// Float80 conversions: integers, single and double precision, packed BCD.
#include "cpu/fpu/float80.h"

namespace vmi86::fpu {

using namespace detail;

Float80 from_int(s64 v) {
    if (v == 0) return kPlusZero;
    const bool sign = v < 0;
    const u64 mag = sign ? 0 - u64(v) : u64(v);
    const int lz = __builtin_clzll(mag);
    return {mag << lz, u16((sign ? 0x8000 : 0) | (63 - lz + kExtBias))};
}

namespace {

// An IEEE binary format with `frac_bits` fraction bits and `exp_bits` exponent bits.
template <typename T, int frac_bits, int exp_bits> struct Ieee {
    static constexpr int kBias = (1 << (exp_bits - 1)) - 1;
    static constexpr T kExpMax = (T(1) << exp_bits) - 1;
    static constexpr T kFracMask = (T(1) << frac_bits) - 1;
    static constexpr int kSignBit = frac_bits + exp_bits;
};
using F32 = Ieee<u32, 23, 8>;
using F64 = Ieee<u64, 52, 11>;

template <typename F, typename T> Float80 load(T bits, FpEnv& env) {
    constexpr int frac_bits = F::kSignBit - (F::kSignBit == 31 ? 8 : 11);
    const bool sign = (bits >> F::kSignBit) & 1;
    const u16 sign16 = sign ? 0x8000 : 0;
    const T e = (bits >> frac_bits) & F::kExpMax;
    const u64 frac = u64(bits & F::kFracMask);
    if (e == F::kExpMax) {
        Float80 r{(1ull << 63) | (frac << (63 - frac_bits)), u16(sign16 | 0x7FFF)};
        if (frac && !((frac >> (frac_bits - 1)) & 1)) {
            env.flags |= kIE;
            r = quiet(r);
        }
        return r;
    }
    if (e == 0) {
        if (frac == 0) return {0, sign16};
        env.flags |= kDE;
        const int lz = __builtin_clzll(frac);
        // frac * 2^(1 - bias - frac_bits); the leading bit at 63 - lz.
        const s32 exp = (63 - lz) + 1 - F::kBias - frac_bits;
        return {frac << lz, u16(sign16 | (exp + kExtBias))};
    }
    return {(1ull << 63) | (frac << (63 - frac_bits)),
            u16(sign16 | (s32(e) - F::kBias + kExtBias))};
}

template <typename F, typename T> bool store(Float80 a, const Format& fmt, FpEnv& env, T& out) {
    constexpr int frac_bits = F::kSignBit - (F::kSignBit == 31 ? 8 : 11);
    const T sign = T(a.sign()) << F::kSignBit;
    const T inf = sign | (F::kExpMax << frac_bits);
    switch (classify(a)) {
    case Kind::Unsupported:
        env.flags |= kIE;
        if (!env.masked(kIE)) return false;
        out = (F::kExpMax << frac_bits) | (T(1) << F::kSignBit) | (T(1) << (frac_bits - 1));
        return true;
    case Kind::SNaN:
        env.flags |= kIE;
        if (!env.masked(kIE)) return false;
        [[fallthrough]];
    case Kind::QNaN:
        out = inf | (T(1) << (frac_bits - 1)) | T(((a.mant << 1) >> 1) >> (63 - frac_bits));
        return true;
    case Kind::Infinity: out = inf; return true;
    case Kind::Zero: out = sign; return true;
    default: break;
    }
    const Rounded r = round(unpack(a), frac_bits + 1, fmt, Dest::Memory, env);
    if (!r.stored) return false;
    if (r.inf) {
        out = inf;
        return true;
    }
    const bool normal = (r.sig >> frac_bits) & 1;
    const T biased = normal ? T(r.exp + F::kBias) : 0;
    out = sign | (biased << frac_bits) | (T(r.sig) & F::kFracMask);
    return true;
}

} // namespace

Float80 from_f32(u32 bits, FpEnv& env) { return load<F32>(bits, env); }

Float80 extend_f32(u32 bits, bool& denormal) {
    FpEnv env;
    denormal = (bits & 0x7F800000u) == 0 && (bits & 0x7FFFFFu) != 0;
    const bool snan = (bits & 0x7FC00000u) == 0x7F800000u && (bits & 0x3FFFFFu);
    Float80 r = load<F32>(bits, env);
    if (snan) r.mant &= ~(1ull << 62);
    return r;
}
Float80 extend_f64(u64 bits, bool& denormal) {
    FpEnv env;
    denormal = (bits & 0x7FF0000000000000ull) == 0 && (bits & 0xFFFFFFFFFFFFFull) != 0;
    const bool snan =
        (bits & 0x7FF8000000000000ull) == 0x7FF0000000000000ull && (bits & 0x7FFFFFFFFFFFFull);
    Float80 r = load<F64>(bits, env);
    if (snan) r.mant &= ~(1ull << 62);
    return r;
}
Float80 from_f64(u64 bits, FpEnv& env) { return load<F64>(bits, env); }
bool to_f32(Float80 a, FpEnv& env, u32& out) { return store<F32>(a, kF32Format, env, out); }
bool to_f64(Float80 a, FpEnv& env, u64& out) { return store<F64>(a, kF64Format, env, out); }

namespace {

// Rounds to an integer of magnitude below 2^64 (in the current rounding mode or toward zero).
// Returns false when the value is not finite or too large.
bool round_to_u64(Float80 a, bool truncate, FpEnv& env, bool& sign, u64& mag) {
    const Kind k = classify(a);
    sign = a.sign();
    if (k == Kind::Zero) {
        mag = 0;
        return true;
    }
    if (k != Kind::Normal && k != Kind::Denormal) return false;
    const Wide w = unpack(a);
    if (w.exp >= 64) return false;
    const int dropped = 127 - w.exp;
    const u128 x = shift_right_jam(w.sig, dropped - 2);
    const unsigned low = unsigned(x & 3);
    const u64 kept = u64(x >> 2);
    bool up = false;
    switch (truncate ? Rounding::Zero : env.rounding()) {
    case Rounding::Nearest: up = low > 2 || (low == 2 && (kept & 1)); break;
    case Rounding::Down: up = sign && low; break;
    case Rounding::Up: up = !sign && low; break;
    case Rounding::Zero: break;
    }
    if (up && kept == ~0ull) return false;
    mag = kept + up;
    if (low) env.flags |= kPE;
    env.c1 = up;
    return true;
}

} // namespace

bool to_int(Float80 a, int bits, bool truncate, FpEnv& env, s64& out) {
    bool sign;
    u64 mag;
    FpEnv trial = env;
    const u64 limit = 1ull << (bits - 1);
    if (round_to_u64(a, truncate, trial, sign, mag) && (sign ? mag <= limit : mag < limit)) {
        env = trial;
        out = sign ? s64(0 - mag) : s64(mag);
        return true;
    }
    env.flags |= kIE;
    if (!env.masked(kIE)) return false;
    out = s64(0 - limit); // the integer indefinite
    return true;
}

Float80 from_bcd(const u8 bcd[10]) {
    u64 v = 0;
    for (int i = 8; i >= 0; --i) v = v * 100 + (bcd[i] >> 4) * 10 + (bcd[i] & 15);
    Float80 r = from_int(s64(v));
    return (bcd[9] & 0x80) ? negate(r) : r;
}

bool to_bcd(Float80 a, FpEnv& env, u8 out[10]) {
    bool sign;
    u64 mag;
    FpEnv trial = env;
    if (round_to_u64(a, false, trial, sign, mag) && mag <= 999999999999999999ull) {
        env = trial;
        for (int i = 0; i < 9; ++i) {
            out[i] = u8((mag % 10) | ((mag / 10 % 10) << 4));
            mag /= 100;
        }
        out[9] = sign ? 0x80 : 0;
        return true;
    }
    env.flags |= kIE;
    if (!env.masked(kIE)) return false;
    static constexpr u8 kIndefinite[10] = {0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF};
    for (int i = 0; i < 10; ++i) out[i] = kIndefinite[i];
    return true;
}

} // namespace vmi86::fpu
