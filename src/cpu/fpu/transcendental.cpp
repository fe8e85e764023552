// The x87 transcendentals in software: values are carried with 128-bit significands (Wide) and
// rounded once into the destination, which gives results within 1 ulp of the correctly rounded
// value (nearly always the correctly rounded one). Argument reduction for FSIN/FCOS/FSINCOS/FPTAN
// uses pi/2 split into three 64-bit parts (Cody-Waite), products of which are exact.
#include "cpu/fpu/transcendental.h"
#include <utility>

namespace vmi86::fpu::detail {

namespace {

// ---- 128-bit-significand arithmetic (truncating; a zero Wide has sig == 0)

constexpr Wide constant(u64 hi, u64 lo, s32 exp) { return Wide{false, exp, (u128(hi) << 64) | lo}; }

// 256 bits of pi/2, as three parts of 64 significant bits for the exact reduction products.
constexpr Wide kPiOver2 = constant(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, 0);
constexpr Wide kPiOver2Part1 = constant(0xC90FDAA22168C234ull, 0, 0);
constexpr Wide kPiOver2Part2 = constant(0xC4C6628B80DC1CD1ull, 0, -64);
constexpr Wide kPiOver2Part3 = constant(0x29024E088A67CC74ull, 0, -128);
constexpr Wide kPi = constant(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, 1);
constexpr Wide kPiOver4 = constant(0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, -1);
constexpr Wide kTwoOverPi = constant(0xA2F9836E4E441529ull, 0xFC2757D1F534DDC0ull, -1);
constexpr Wide kLn2 = constant(0xB17217F7D1CF79ABull, 0xC9E3B39803F2F6AFull, -1);
constexpr Wide kLog2E = constant(0xB8AA3B295C17F0BBull, 0xBE87FED0691D3E88ull, 0);
// atan(k/4) for k = 1..3 (atan(1) is pi/4).
constexpr Wide kAtanQuarter[3] = {constant(0xFADBAFC96406EB15ull, 0x6DC79EF5F7A217E5ull, -3),
                                  constant(0xED63382B0DDA7B45ull, 0x6FE445ECBC3A8D03ull, -2),
                                  constant(0xA4BC7D1934F70924ull, 0x19A87F2A457DAC9Eull, -1)};

bool is_zero(const Wide& a) { return a.sig == 0; }
Wide neg(Wide a) {
    a.sign = !a.sign;
    return a;
}
Wide normalize(Wide a) {
    if (a.sig == 0) return a;
    const int lz = leading_zeros(a.sig);
    a.sig <<= lz;
    a.exp -= lz;
    return a;
}
Wide from_s64(s64 v) {
    if (v == 0) return Wide{false, 0, 0};
    const bool sign = v < 0;
    const u64 mag = sign ? 0 - u64(v) : u64(v);
    return normalize(Wide{sign, 127, u128(mag)});
}

u128 mul_high(u128 a, u128 b) {
    const u64 a1 = u64(a >> 64), a0 = u64(a), b1 = u64(b >> 64), b0 = u64(b);
    const u128 p11 = u128(a1) * b1, p10 = u128(a1) * b0, p01 = u128(a0) * b1, p00 = u128(a0) * b0;
    const u128 mid = (p00 >> 64) + u64(p10) + u64(p01);
    const u128 low = p00 + (u128(u64(p10)) << 64) + (u128(u64(p01)) << 64); // mod 2^128
    // The dropped low half leaves a sticky bit, so that rounding sees an inexact value.
    return (p11 + (p10 >> 64) + (p01 >> 64) + (mid >> 64)) | (low != 0);
}

Wide mul(const Wide& a, const Wide& b) {
    if (is_zero(a) || is_zero(b)) return Wide{a.sign != b.sign, 0, 0};
    Wide r{a.sign != b.sign, a.exp + b.exp + 1, mul_high(a.sig, b.sig)};
    return normalize(r);
}

Wide add(Wide a, Wide b) {
    if (is_zero(a)) return b;
    if (is_zero(b)) return a;
    if (a.exp < b.exp || (a.exp == b.exp && a.sig < b.sig)) std::swap(a, b);
    const int shift = a.exp - b.exp;
    const u128 bs = shift_right_jam(b.sig, shift); // a far smaller b still makes it inexact
    if (a.sign == b.sign)
        return normalize(Wide{a.sign, a.exp + 1, ((a.sig >> 1) + (bs >> 1)) | ((a.sig | bs) & 1)});
    return normalize(Wide{a.sign, a.exp, a.sig - bs});
}
Wide sub(const Wide& a, const Wide& b) { return add(a, neg(b)); }

Wide div(const Wide& a, const Wide& b) {
    if (is_zero(a)) return a;
    // Restoring division of the significands: 128 quotient bits.
    u128 rem = a.sig, q = 0;
    bool carry = false;
    for (int i = 0; i < 128; ++i) {
        q <<= 1;
        if (carry || rem >= b.sig) {
            rem -= b.sig;
            q |= 1;
        }
        carry = rem >> 127;
        rem <<= 1;
    }
    // q = a.sig / b.sig * 2^127, with a sticky bit for the remainder.
    return normalize(Wide{a.sign != b.sign, a.exp - b.exp, q | (rem != 0 || carry)});
}

Wide div_small(const Wide& a, u64 n) {
    const u128 q1 = a.sig / n, r = a.sig % n;
    const int s = leading_zeros(q1);
    const u128 q = (q1 << s) | ((r << s) / n) | ((r << s) % n != 0);
    return Wide{a.sign, a.exp - s, q}; // q1 >= 2^(127 - 64): s <= 64, r << s fits
}

[[maybe_unused]] Wide from_float(Float80 f) {
    return classify(f) == Kind::Zero ? Wide{f.sign(), 0, 0} : unpack(f);
}

// ---- the functions on reduced arguments

// sin(r) or cos(r) for |r| <= pi/4 by their Taylor series.
Wide sin_series(const Wide& r) {
    const Wide r2 = mul(r, r);
    Wide sum = r, term = r;
    for (u64 k = 1; k < 40; ++k) {
        term = div_small(mul(term, r2), (2 * k) * (2 * k + 1));
        sum = (k & 1) ? sub(sum, term) : add(sum, term);
        if (is_zero(term) || term.exp < sum.exp - 130) break;
    }
    return sum;
}
Wide cos_series(const Wide& r) {
    const Wide r2 = mul(r, r);
    Wide sum = from_s64(1), term = sum;
    for (u64 k = 1; k < 40; ++k) {
        term = div_small(mul(term, r2), (2 * k - 1) * (2 * k));
        sum = (k & 1) ? sub(sum, term) : add(sum, term);
        if (is_zero(term) || term.exp < sum.exp - 130) break;
    }
    return sum;
}

// x = k * pi/2 + r with |r| <= pi/4 (about); returns r and k mod 4.
Wide reduce_quadrant(const Wide& x, unsigned& quadrant) {
    const Wide q = mul(x, kTwoOverPi);
    u64 k = 0;
    if (q.exp >= 0) {
        const int shift = 127 - q.exp;
        k = u64(q.sig >> shift) + u64((q.sig >> (shift - 1)) & 1);
    } else if (q.exp == -1) {
        k = 1;
    }
    if (k == 0) {
        quadrant = 0;
        return x;
    }
    const Wide kw = from_s64(s64(k));
    Wide r = sub(x, mul(kw, x.sign ? neg(kPiOver2Part1) : kPiOver2Part1));
    r = sub(r, mul(kw, x.sign ? neg(kPiOver2Part2) : kPiOver2Part2));
    r = sub(r, mul(kw, x.sign ? neg(kPiOver2Part3) : kPiOver2Part3));
    quadrant = unsigned(x.sign ? (0 - k) & 3 : k & 3);
    return r;
}

void sin_cos(const Wide& x, Wide& s, Wide& c) {
    unsigned quadrant;
    const Wide r = reduce_quadrant(x, quadrant);
    const Wide sr = sin_series(r), cr = cos_series(r);
    switch (quadrant) {
    case 0: s = sr, c = cr; break;
    case 1: s = cr, c = neg(sr); break;
    case 2: s = neg(sr), c = neg(cr); break;
    default: s = neg(cr), c = sr; break;
    }
}

// atan(t) for 0 <= t <= 1: t = c + d with c = k/4 the nearest quarter,
// atan(t) = atan(c) + atan((t - c) / (1 + t c)), then the series of the small rest.
Wide atan_unit(const Wide& t) {
    Wide four_t = t;
    four_t.exp += 2;
    unsigned k = 0;
    if (!is_zero(four_t) && four_t.exp >= -1) {
        const int shift = 127 - four_t.exp;
        k = four_t.exp >= 0
                ? unsigned(four_t.sig >> shift) + unsigned((four_t.sig >> (shift - 1)) & 1)
                : 1;
    }
    Wide base{false, 0, 0}, u = t;
    if (k > 0) {
        const Wide c = div_small(from_s64(s64(k)), 4);
        u = div(sub(t, c), add(from_s64(1), mul(t, c)));
        base = k == 4 ? kPiOver4 : kAtanQuarter[k - 1];
    }
    const Wide u2 = mul(u, u);
    Wide sum = u, power = u;
    for (u64 n = 1; n < 60 && !is_zero(u); ++n) {
        power = mul(power, u2);
        const Wide term = div_small(power, 2 * n + 1);
        sum = (n & 1) ? sub(sum, term) : add(sum, term);
        if (is_zero(term) || term.exp < sum.exp - 130) break;
    }
    return add(base, sum);
}

// ln(m) for m near 1 (0.7 <= m <= 1.42): 2 atanh((m - 1) / (m + 1)).
Wide ln_near_one(const Wide& num, const Wide& den) {
    const Wide s = div(num, den);
    if (is_zero(s)) return s;
    const Wide s2 = mul(s, s);
    Wide sum = s, power = s;
    for (u64 n = 1; n < 400; ++n) {
        power = mul(power, s2);
        const Wide term = div_small(power, 2 * n + 1);
        sum = add(sum, term);
        if (is_zero(term) || term.exp < sum.exp - 130) break;
    }
    sum.exp += 1;
    return sum;
}

// log2(x) for a finite positive x.
Wide log2_of(const Wide& x) {
    // x = m * 2^e with m in [sqrt(1/2), sqrt(2)).
    s32 e = x.exp;
    Wide m{false, 0, x.sig};
    if (x.sig > (u128(0xB504F333F9DE6484ull) << 64)) {
        m.exp = -1;
        ++e;
    }
    const Wide one = from_s64(1);
    const Wide ln_m = ln_near_one(sub(m, one), add(m, one));
    return add(from_s64(e), mul(ln_m, kLog2E));
}

// 2^x - 1 for |x| <= 1 (beyond that the SDM leaves the result undefined; the series still
// converges).
Wide exp2m1(const Wide& x) {
    const Wide t = mul(x, kLn2);
    Wide sum = t, term = t;
    for (u64 n = 2; n < 200; ++n) {
        term = div_small(mul(term, t), n);
        sum = add(sum, term);
        if (is_zero(term) || term.exp < sum.exp - 130) break;
    }
    return sum;
}

// ---- results

Float80 round_result(const Wide& w, FpEnv& env) {
    if (is_zero(w)) return Float80{0, u16(w.sign ? 0x8000 : 0)};
    return round_pack_ext(w, 64, env);
}
Float80 invalid(FpEnv& env) {
    env.flags |= kIE;
    return kDefaultNaN;
}

StackResult one(Float80 v) {
    StackResult r;
    r.st0 = v;
    return r;
}

// FSIN, FCOS, FSINCOS, FPTAN: C2 set (and ST(0) unchanged) when |x| >= 2^63.
StackResult trig(StackOp op, Float80 a, FpEnv& env) {
    const Kind k = classify(a);
    StackResult r;
    r.set_cc = true;
    r.cc = 0;
    r.cc_mask = 0x0400; // C2
    const bool pushes = op == StackOp::Fsincos || op == StackOp::Fptan;
    auto both = [&](Float80 v) {
        r.st0 = r.st1 = v;
        return r;
    };
    if (k == Kind::Unsupported) return both(invalid(env));
    if (is_nan(k)) return both(propagate_nan(a, k, a, k, env));
    if (k == Kind::Infinity) return both(invalid(env));
    if (k == Kind::Denormal) {
        env.flags |= kDE;
        if (!env.masked(kDE)) {
            r.push = false;
            r.st0 = a;
            return r;
        }
    }
    if (k == Kind::Zero) {
        const Float80 cos0 = kPlusOne;
        switch (op) {
        case StackOp::Fsin: r.st0 = a; break;
        case StackOp::Fcos: r.st0 = cos0; break;
        case StackOp::Fsincos: r.st1 = a, r.st0 = cos0; break;
        default: r.st1 = a, r.st0 = kPlusOne; break;
        }
        return r;
    }
    const Wide x = unpack(a);
    if (x.exp >= 63) {
        r.cc = 0x0400; // out of range: the operand stays, nothing is pushed
        r.push = false;
        r.st0 = a;
        return r;
    }
    Wide s, c;
    sin_cos(x, s, c);
    switch (op) {
    case StackOp::Fsin: r.st0 = round_result(s, env); break;
    case StackOp::Fcos: r.st0 = round_result(c, env); break;
    case StackOp::Fsincos: {
        r.st1 = round_result(s, env);
        const bool c1 = env.c1;
        r.st0 = round_result(c, env);
        env.c1 = env.c1 || c1;
        break;
    }
    default:
        // Tiny x: x + x^3/3 directly (sin/cos would hide the x^3 term in their sticky bits).
        r.st1 =
            round_result(x.exp < -40 ? add(x, div_small(mul(mul(x, x), x), 3)) : div(s, c), env);
        r.st0 = kPlusOne;
        break;
    }
    (void)pushes;
    return r;
}

// FPATAN: ST(1) <- atan(ST(1) / ST(0)) with the quadrant of (ST(0), ST(1)), then pop.
StackResult fpatan(Float80 xf, Float80 yf, FpEnv& env) {
    const Kind kx = classify(xf), ky = classify(yf);
    if (kx == Kind::Unsupported || ky == Kind::Unsupported) return one(invalid(env));
    if (is_nan(kx) || is_nan(ky)) return one(propagate_nan(yf, ky, xf, kx, env));
    if (kx == Kind::Denormal || ky == Kind::Denormal) {
        env.flags |= kDE;
        if (!env.masked(kDE)) return one(yf);
    }
    const bool sy = yf.sign(), sx = xf.sign();
    auto signed_const = [&](const Wide& w) {
        Wide v = w;
        v.sign = sy;
        return one(round_result(v, env));
    };
    if (ky == Kind::Zero) {
        if (!sx) return one(signed_zero(sy));
        return signed_const(kPi);
    }
    if (kx == Kind::Zero && ky != Kind::Infinity) return signed_const(kPiOver2);
    if (ky == Kind::Infinity) {
        if (kx == Kind::Infinity) return signed_const(sx ? add(kPiOver2, kPiOver4) : kPiOver4);
        return signed_const(kPiOver2);
    }
    if (kx == Kind::Infinity) return sx ? signed_const(kPi) : one(signed_zero(sy));
    Wide x = unpack(xf), y = unpack(yf);
    x.sign = y.sign = false;
    const bool swap = y.exp > x.exp || (y.exp == x.exp && y.sig > x.sig);
    Wide a = swap ? atan_unit(div(x, y)) : atan_unit(div(y, x));
    if (swap) a = sub(kPiOver2, a);
    if (sx) a = sub(kPi, a);
    a.sign = sy;
    return one(round_result(a, env));
}

// FYL2X: ST(1) <- ST(1) * log2(ST(0)), then pop.
StackResult fyl2x(Float80 xf, Float80 yf, FpEnv& env) {
    const Kind kx = classify(xf), ky = classify(yf);
    if (kx == Kind::Unsupported || ky == Kind::Unsupported) return one(invalid(env));
    if (is_nan(kx) || is_nan(ky)) return one(propagate_nan(xf, kx, yf, ky, env));
    if (xf.sign() && kx != Kind::Zero) return one(invalid(env));
    const bool sy = yf.sign();
    if (kx == Kind::Zero) { // log2(0): zero-divide (not a denormal y) or invalid
        if (ky == Kind::Zero) return one(invalid(env));
        if (ky != Kind::Infinity) env.flags |= kZE;
        return one(signed_inf(!sy));
    }
    if (kx == Kind::Denormal || ky == Kind::Denormal) {
        env.flags |= kDE;
        if (!env.masked(kDE)) return one(yf);
    }
    if (kx == Kind::Infinity) {
        if (ky == Kind::Zero) return one(invalid(env));
        return one(signed_inf(sy));
    }
    const Wide x = unpack(xf);
    const bool x_is_one = x.exp == 0 && x.sig == (u128(1) << 127);
    if (ky == Kind::Infinity) {
        if (x_is_one) return one(invalid(env));
        return one(signed_inf(sy != (x.exp < 0)));
    }
    if (ky == Kind::Zero) return one(signed_zero(sy != (x.exp < 0)));
    if (x_is_one) return one(signed_zero(sy));
    // A power of two has an exact logarithm.
    const Wide l = x.sig == (u128(1) << 127) ? from_s64(x.exp) : log2_of(x);
    return one(round_result(mul(unpack(yf), l), env));
}

// FYL2XP1: ST(1) <- ST(1) * log2(ST(0) + 1), then pop.
StackResult fyl2xp1(Float80 xf, Float80 yf, FpEnv& env) {
    const Kind kx = classify(xf), ky = classify(yf);
    if (kx == Kind::Unsupported || ky == Kind::Unsupported) return one(invalid(env));
    if (is_nan(kx) || is_nan(ky)) return one(propagate_nan(xf, kx, yf, ky, env));
    if (kx == Kind::Infinity && xf.sign()) return one(invalid(env));
    if (kx == Kind::Denormal || ky == Kind::Denormal) {
        env.flags |= kDE;
        if (!env.masked(kDE)) return one(yf);
    }
    const bool sign = xf.sign() != yf.sign();
    if (kx == Kind::Zero) {
        if (ky == Kind::Infinity) return one(invalid(env));
        return one(signed_zero(sign));
    }
    if (ky == Kind::Zero) {
        if (kx == Kind::Infinity) return one(invalid(env));
        return one(signed_zero(sign));
    }
    if (ky == Kind::Infinity || kx == Kind::Infinity) {
        if (kx == Kind::Infinity && xf.sign()) return one(invalid(env));
        return one(signed_inf(sign));
    }
    const Wide x = unpack(xf);
    const Wide one_w = from_s64(1);
    const Wide sum = add(one_w, x);
    if (sum.sign || is_zero(sum)) return one(invalid(env)); // x <= -1: outside the domain
    Wide l;
    if (x.exp < -2) {
        l = mul(ln_near_one(x, add(from_s64(2), x)), kLog2E);
    } else {
        l = log2_of(sum);
    }
    return one(round_result(mul(unpack(yf), l), env));
}

// F2XM1: ST(0) <- 2^ST(0) - 1.
StackResult f2xm1(Float80 a, FpEnv& env) {
    const Kind k = classify(a);
    if (k == Kind::Unsupported) return one(invalid(env));
    if (is_nan(k)) return one(propagate_nan(a, k, a, k, env));
    if (k == Kind::Zero) return one(a);
    if (k == Kind::Infinity) return one(a.sign() ? Float80{0x8000000000000000ull, 0xBFFF} : a);
    if (k == Kind::Denormal) {
        env.flags |= kDE;
        if (!env.masked(kDE)) return one(a);
    }
    const Wide x = unpack(a);
    // |x| > 1: undefined by the SDM; a P6 and later leave the operand unchanged (inexact).
    if (x.exp > 0 || (x.exp == 0 && x.sig != (u128(1) << 127))) {
        env.flags |= kPE;
        return one(a);
    }
    if (x.sig == (u128(1) << 127) && x.exp == 0)
        return one(a.sign() ? Float80{0x8000000000000000ull, 0xBFFE} : kPlusOne);
    return one(round_result(exp2m1(x), env));
}

} // namespace

StackResult transcendental(StackOp op, Float80 st0, Float80 st1, FpEnv& env) {
    switch (op) {
    case StackOp::Fpatan: return fpatan(st0, st1, env);
    case StackOp::Fyl2x: return fyl2x(st0, st1, env);
    case StackOp::Fyl2xp1: return fyl2xp1(st0, st1, env);
    case StackOp::F2xm1: return f2xm1(st0, env);
    default: return trig(op, st0, env);
    }
}

} // namespace vmi86::fpu::detail
