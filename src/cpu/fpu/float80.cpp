// Float80 core: classification, rounding to a precision and an exponent range (with the x87's
// masked and unmasked overflow/underflow responses), and the basic arithmetic.
#include "cpu/fpu/float80.h"
#include <utility>

namespace vmi86::fpu {

using namespace detail;

namespace {
// Exponent bias adjustment of the unmasked overflow/underflow responses (SDM Vol. 1 8.5.4/8.5.5).
constexpr s32 kWrapBias = 24576;
} // namespace

Kind classify(Float80 a) {
    const u16 e = a.exp();
    if (e == 0) return a.mant == 0 ? Kind::Zero : Kind::Denormal;
    if (!(a.mant >> 63)) return Kind::Unsupported; // unnormal, pseudo-infinity, pseudo-NaN
    if (e == 0x7FFF) {
        if ((a.mant << 1) == 0) return Kind::Infinity;
        return (a.mant >> 62) & 1 ? Kind::QNaN : Kind::SNaN;
    }
    return Kind::Normal;
}

namespace detail {

u128 shift_right_jam(u128 x, int n) {
    if (n <= 0) return x;
    if (n >= 128) return x != 0;
    return (x >> n) | ((x & ((u128(1) << n) - 1)) != 0);
}

int leading_zeros(u128 x) {
    const u64 hi = u64(x >> 64);
    if (hi) return __builtin_clzll(hi);
    const u64 lo = u64(x);
    return lo ? 64 + __builtin_clzll(lo) : 128;
}

Wide unpack(Float80 a) {
    s32 e = a.exp() == 0 ? 1 : a.exp(); // denormals share the smallest normal exponent
    u128 sig = u128(a.mant) << 64;
    const int lz = leading_zeros(sig);
    return {a.sign(), e - kExtBias - lz, sig << lz};
}

Float80 quiet(Float80 a) { return {a.mant | (1ull << 62), a.sign_exp}; }

// SDM Vol. 1 Table 4-7: an SNaN is quieted and raises IE; a QNaN wins over an SNaN, and of two
// NaNs of one kind the larger significand (on a tie the positive one).
Float80 propagate_nan(Float80 a, Kind ka, Float80 b, Kind kb, FpEnv& env) {
    if (ka == Kind::SNaN || kb == Kind::SNaN) env.flags |= kIE;
    if (!is_nan(kb)) return quiet(a);
    if (!is_nan(ka)) return quiet(b);
    if (ka != kb) return quiet(ka == Kind::QNaN ? a : b);
    const u64 ma = a.mant | (1ull << 62), mb = b.mant | (1ull << 62);
    if (ma != mb) return quiet(ma > mb ? a : b);
    return quiet(a.sign() ? b : a);
}

RoundStep round_bits(u128 sig, int shift, bool sign, Rounding rc) {
    const u128 x = shift_right_jam(sig, shift - 2); // two extra bits: round and sticky
    const unsigned low = unsigned(x & 3);
    const u64 kept = u64(x >> 2);
    bool up = false;
    switch (rc) {
    case Rounding::Nearest: up = low > 2 || (low == 2 && (kept & 1)); break;
    case Rounding::Down: up = sign && low; break;
    case Rounding::Up: up = !sign && low; break;
    case Rounding::Zero: break;
    }
    return {kept, low != 0, up};
}

// Tininess is detected after rounding (as if the exponent range were unbounded).
bool tiny_after_rounding(const Wide& w, int p, const Format& f, Rounding rc) {
    if (w.exp >= f.emin) return false;
    if (w.exp < f.emin - 1) return true;
    const RoundStep r = round_bits(w.sig, 128 - p, w.sign, rc);
    return !((u128(r.kept) + r.up) >> p);
}

Rounded round(const Wide& w, int p, const Format& f, Dest dest, FpEnv& env) {
    const Rounding rc = env.rounding();
    const bool tiny = tiny_after_rounding(w, p, f, rc);
    Wide v = w;
    if (tiny && !env.masked(kUE)) {
        env.flags |= kUE;
        if (dest == Dest::Memory) return {w.sign, 0, 0, false, false};
        v.exp += kWrapBias; // the register gets the value with a wrapped exponent
    }
    s32 e = v.exp < f.emin ? f.emin : v.exp;
    const RoundStep r = round_bits(v.sig, 127 - (p - 1) + (e - v.exp), v.sign, rc);
    u128 wide = u128(r.kept) + r.up;
    if (wide >> p) {
        wide >>= 1;
        ++e;
    }
    const u64 sig = u64(wide);
    if (r.inexact) {
        env.flags |= kPE;
        if (tiny) env.flags |= kUE;
    }
    env.c1 = r.up;
    if (e > f.emax) {
        if (!env.masked(kOE)) {
            if (dest == Dest::Memory) { // nothing stored: only OE is reported
                env.flags = u8((env.flags & ~kPE) | kOE);
                env.c1 = false;
                return {w.sign, 0, 0, false, false};
            }
            env.flags |= kOE;
            return {v.sign, e - kWrapBias, sig, false, true};
        }
        env.flags |= kOE | kPE;
        const bool to_inf = rc == Rounding::Nearest || (rc == Rounding::Up && !v.sign) ||
                            (rc == Rounding::Down && v.sign);
        env.c1 = to_inf;
        if (to_inf) return {v.sign, f.emax + 1, 0, true, true};
        return {v.sign, f.emax, ~0ull >> (64 - p), false, true};
    }
    return {v.sign, e, sig, false, true};
}

Float80 pack_ext(const Rounded& r, int p) {
    const u16 sign = r.sign ? 0x8000 : 0;
    if (r.inf) return {0x8000000000000000ull, u16(sign | 0x7FFF)};
    const u64 mant = r.sig << (64 - p);
    if (!(mant >> 63)) return {mant, sign}; // denormal or zero
    return {mant, u16(sign | u16(r.exp + kExtBias))};
}

Float80 round_pack_ext(const Wide& w, int p, FpEnv& env) {
    return pack_ext(round(w, p, kExtFormat, Dest::Register, env), p);
}

bool two_operand_specials(Float80 a, Kind ka, Float80 b, Kind kb, FpEnv& env, Float80& out,
                          bool invalid, bool zero_divide) {
    if (ka == Kind::Unsupported || kb == Kind::Unsupported ||
        (invalid && !is_nan(ka) && !is_nan(kb))) {
        env.flags |= kIE;
        out = kDefaultNaN;
        return true;
    }
    if (is_nan(ka) || is_nan(kb)) {
        out = propagate_nan(a, ka, b, kb, env);
        return true;
    }
    if (zero_divide && kb == Kind::Zero && ka != Kind::Zero && ka != Kind::Infinity) return false;
    if (ka == Kind::Denormal || kb == Kind::Denormal) {
        env.flags |= kDE;
        if (!env.masked(kDE)) {
            out = a;
            return true;
        }
    }
    return false;
}

} // namespace detail

namespace {

Float80 invalid(FpEnv& env) {
    env.flags |= kIE;
    return kDefaultNaN;
}

Float80 add_signed(Float80 a, Float80 b, bool negate_b, FpEnv& env) {
    const Kind ka = classify(a), kb = classify(b);
    Float80 out;
    if (two_operand_specials(a, ka, b, kb, env, out)) return out;
    const bool sa = a.sign(), sb = b.sign() != negate_b;
    if (ka == Kind::Infinity || kb == Kind::Infinity) {
        if (ka == Kind::Infinity && kb == Kind::Infinity && sa != sb) return invalid(env);
        return signed_inf(ka == Kind::Infinity ? sa : sb);
    }
    const bool za = ka == Kind::Zero, zb = kb == Kind::Zero;
    if (za && zb) return signed_zero(sa == sb ? sa : env.rounding() == Rounding::Down);
    const int p = env.precision();
    if (zb) return round_pack_ext(unpack(a), p, env);
    if (za) {
        Wide w = unpack(b);
        w.sign = sb;
        return round_pack_ext(w, p, env);
    }
    Wide y = unpack(b);
    y.sign = sb;
    Wide r;
    if (!add_wide(unpack(a), y, r)) return signed_zero(env.rounding() == Rounding::Down);
    return round_pack_ext(r, p, env);
}

} // namespace

Float80 add(Float80 a, Float80 b, FpEnv& env) { return add_signed(a, b, false, env); }
Float80 sub(Float80 a, Float80 b, FpEnv& env) { return add_signed(a, b, true, env); }

Float80 mul(Float80 a, Float80 b, FpEnv& env) {
    const Kind ka = classify(a), kb = classify(b);
    Float80 out;
    if (two_operand_specials(a, ka, b, kb, env, out)) return out;
    const bool sign = a.sign() != b.sign();
    const bool za = ka == Kind::Zero, zb = kb == Kind::Zero;
    if (ka == Kind::Infinity || kb == Kind::Infinity) {
        if (za || zb) return invalid(env);
        return signed_inf(sign);
    }
    if (za || zb) return signed_zero(sign);
    return round_pack_ext(mul_wide(unpack(a), unpack(b)), env.precision(), env);
}

Float80 div(Float80 a, Float80 b, FpEnv& env) {
    const Kind ka = classify(a), kb = classify(b);
    Float80 out;
    if (two_operand_specials(a, ka, b, kb, env, out, false, true)) return out;
    const bool sign = a.sign() != b.sign();
    const bool za = ka == Kind::Zero, zb = kb == Kind::Zero;
    if (ka == Kind::Infinity) {
        if (kb == Kind::Infinity) return invalid(env);
        return signed_inf(sign);
    }
    if (kb == Kind::Infinity) return signed_zero(sign);
    if (zb) {
        if (za) return invalid(env);
        env.flags |= kZE;
        return signed_inf(sign);
    }
    if (za) return signed_zero(sign);
    return round_pack_ext(div_wide(unpack(a), unpack(b)), env.precision(), env);
}

Float80 sqrt(Float80 a, FpEnv& env) {
    const Kind ka = classify(a);
    if (ka == Kind::Unsupported) return invalid(env);
    if (is_nan(ka)) return propagate_nan(a, ka, a, ka, env);
    if (ka == Kind::Zero) return a;
    if (a.sign()) return invalid(env);
    if (ka == Kind::Denormal) {
        env.flags |= kDE;
        if (!env.masked(kDE)) return a;
    }
    if (ka == Kind::Infinity) return a;
    return round_pack_ext(sqrt_wide(unpack(a)), env.precision(), env);
}

namespace detail {

bool add_wide(Wide x, Wide y, Wide& r) {
    if (x.exp < y.exp || (x.exp == y.exp && x.sig < y.sig)) std::swap(x, y);
    // |x| >= |y|: align y, leaving one bit of headroom for a carry.
    const u128 xs = x.sig >> 1;
    const u128 ys = shift_right_jam(y.sig >> 1, x.exp - y.exp);
    r = {x.sign, x.exp + 1, x.sign == y.sign ? xs + ys : xs - ys};
    if (r.sig == 0) return false;
    const int lz = leading_zeros(r.sig);
    r.sig <<= lz;
    r.exp -= lz;
    return true;
}

Wide mul_wide(const Wide& x, const Wide& y) {
    Wide r{x.sign != y.sign, x.exp + y.exp + 1, u128(u64(x.sig >> 64)) * u64(y.sig >> 64)};
    const int lz = leading_zeros(r.sig);
    r.sig <<= lz;
    r.exp -= lz;
    return r;
}

Wide div_wide(const Wide& x, const Wide& y) {
    const u64 n = u64(x.sig >> 64), d = u64(y.sig >> 64);
    // Two steps of 128/64 division give a 128-bit quotient with bit 127 set, plus a sticky bit.
    const bool shift_one = n >= d;
    const u128 num = shift_one ? u128(n) << 63 : u128(n) << 64;
    const u64 q1 = u64(num / d), r1 = u64(num % d);
    const u128 num2 = u128(r1) << 64;
    const u64 q2 = u64(num2 / d), r2 = u64(num2 % d);
    return {x.sign != y.sign, x.exp - y.exp + (shift_one ? 0 : -1),
            (u128(q1) << 64) | q2 | (r2 != 0)};
}

Wide sqrt_wide(const Wide& x) {
    // value = m * 2^(exp-63) = R * 2^(exp-63-shift) with R = m << shift of 131 or 132 bits and
    // an even exponent; the 66-bit root of R leaves two rounding bits, the remainder the sticky.
    const bool odd = x.exp & 1;
    const u64 m = u64(x.sig >> 64);
    const int shift = odd ? 68 : 67; // radicand bit i is m bit (i - shift)
    u128 rem = 0, root = 0;
    for (int i = 65; i >= 0; --i) {
        const int hi = 2 * i + 1 - shift, lo = 2 * i - shift;
        const unsigned pair = ((hi >= 0 && hi < 64) ? unsigned((m >> hi) & 1) << 1 : 0) |
                              ((lo >= 0 && lo < 64) ? unsigned((m >> lo) & 1) : 0);
        rem = (rem << 2) | pair;
        const u128 trial = (root << 2) | 1;
        root <<= 1;
        if (rem >= trial) {
            rem -= trial;
            root |= 1;
        }
    }
    // root has its top bit at 65: as a Wide, sig = root << 62 and value = root * 2^(exp-65).
    return {false, 65 + (x.exp - 63 - shift) / 2, (root << 62) | (rem != 0)};
}

} // namespace detail

Float80 round_to_int(Float80 a, FpEnv& env) {
    const Kind ka = classify(a);
    if (ka == Kind::Unsupported) return invalid(env);
    if (is_nan(ka)) return propagate_nan(a, ka, a, ka, env);
    if (ka == Kind::Zero || ka == Kind::Infinity) return a;
    if (ka == Kind::Denormal) {
        env.flags |= kDE;
        if (!env.masked(kDE)) return a;
    }
    const Wide x = unpack(a);
    if (x.exp >= 63) return a;
    // Keep the bits of weight >= 1: sig has weight 2^(exp-127) at bit 0.
    const RoundStep r = round_bits(x.sig, 127 - x.exp, x.sign, env.rounding());
    const u64 v = r.kept + r.up; // no carry out: exp < 63
    if (r.inexact) env.flags |= kPE;
    env.c1 = r.up;
    if (v == 0) return signed_zero(x.sign);
    const int lz = __builtin_clzll(v);
    return {v << lz, u16((x.sign ? 0x8000 : 0) | (63 - lz + kExtBias))};
}

Order compare(Float80 a, Float80 b, bool quiet, FpEnv& env) {
    const Kind ka = classify(a), kb = classify(b);
    if (ka == Kind::Unsupported || kb == Kind::Unsupported) {
        env.flags |= kIE;
        return Order::Unordered;
    }
    if (is_nan(ka) || is_nan(kb)) {
        if (!quiet || ka == Kind::SNaN || kb == Kind::SNaN) env.flags |= kIE;
        return Order::Unordered;
    }
    if (ka == Kind::Denormal || kb == Kind::Denormal) env.flags |= kDE;
    const bool za = ka == Kind::Zero, zb = kb == Kind::Zero;
    if (za && zb) return Order::Equal;
    if (a.sign() != b.sign()) return a.sign() ? Order::Less : Order::Greater;
    // Same sign: compare magnitudes (infinities compare by their biased exponent).
    int mag;
    if (za || zb) {
        mag = za ? -1 : 1;
    } else if (ka == Kind::Infinity || kb == Kind::Infinity) {
        mag = ka == kb ? 0 : (ka == Kind::Infinity ? 1 : -1);
    } else {
        const Wide x = unpack(a), y = unpack(b);
        mag = x.exp != y.exp ? (x.exp < y.exp ? -1 : 1)
                             : (x.sig == y.sig ? 0 : (x.sig < y.sig ? -1 : 1));
    }
    if (mag == 0) return Order::Equal;
    if (a.sign()) mag = -mag;
    return mag < 0 ? Order::Less : Order::Greater;
}

} // namespace vmi86::fpu
