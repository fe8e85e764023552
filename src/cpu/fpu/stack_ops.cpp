// The exact ST(0)/ST(1) operations: FSCALE, FXTRACT, FPREM, FPREM1, and the constants.
#include "cpu/fpu/transcendental.h"

namespace vmi86::fpu {

using namespace detail;

namespace {

StackResult single(Float80 v) { return StackResult{v, {}, false, true, false, 0}; }

// FSCALE: ST(0) * 2^trunc(ST(1)).
StackResult fscale_result(Float80 a, Float80 b, FpEnv& env);

// FSCALE clears C0, C2 and C3 (the SDM leaves them undefined; a P6 and later clear them).
StackResult fscale(Float80 a, Float80 b, FpEnv& env) {
    StackResult r = fscale_result(a, b, env);
    r.set_cc = true;
    r.cc = 0;
    return r;
}

StackResult fscale_result(Float80 a, Float80 b, FpEnv& env) {
    const Kind ka = classify(a), kb = classify(b);
    Float80 out;
    if (two_operand_specials(a, ka, b, kb, env, out)) return single(out);
    if (kb == Kind::Infinity) {
        const bool up = !b.sign();
        if ((ka == Kind::Zero && up) || (ka == Kind::Infinity && !up)) {
            env.flags |= kIE;
            return single(kDefaultNaN);
        }
        if (ka == Kind::Zero || ka == Kind::Infinity) return single(a);
        return single(up ? signed_inf(a.sign()) : signed_zero(a.sign()));
    }
    if (ka == Kind::Zero || ka == Kind::Infinity) return single(a);
    // trunc(ST(1)), clamped well beyond any exponent that still leaves a finite nonzero result.
    s32 n = 0;
    if (kb != Kind::Zero) {
        const Wide y = unpack(b);
        if (y.exp >= 0) {
            const s64 mag = y.exp > 20 ? (s64(1) << 20) : s64(u64(y.sig >> 64) >> (63 - y.exp));
            n = s32(b.sign() ? -mag : mag);
        }
    }
    Wide x = unpack(a);
    x.exp += n;
    return single(round_pack_ext(x, 64, env));
}

// FXTRACT: ST(0) <- exponent, then push the significand.
StackResult fxtract(Float80 a, FpEnv& env) {
    const Kind k = classify(a);
    StackResult r;
    switch (k) {
    case Kind::Unsupported:
        env.flags |= kIE;
        r.st0 = r.st1 = kDefaultNaN;
        return r;
    case Kind::QNaN:
    case Kind::SNaN: r.st0 = r.st1 = propagate_nan(a, k, a, k, env); return r;
    case Kind::Zero:
        env.flags |= kZE;
        r.st1 = signed_inf(true);
        r.st0 = a;
        return r;
    case Kind::Infinity:
        r.st1 = signed_inf(false);
        r.st0 = a;
        return r;
    case Kind::Denormal:
        env.flags |= kDE;
        if (!env.masked(kDE)) {
            r.push = false;
            r.st0 = a;
            return r;
        }
        break;
    default: break;
    }
    const Wide w = unpack(a);
    r.st1 = from_int(w.exp);
    r.st0 = {u64(w.sig >> 64), u16((a.sign() ? 0x8000 : 0) | kExtBias)};
    return r;
}

// FPREM (truncating quotient) and FPREM1 (IEEE, nearest). An exponent difference of 64 or more
// reduces partially (C2 set) by a power of two chosen as the P6 does: 32 + (difference mod 32)
// bits of quotient per step.
StackResult fprem(Float80 a, Float80 b, bool nearest, FpEnv& env) {
    const Kind ka = classify(a), kb = classify(b);
    StackResult r;
    r.set_cc = true;
    Float80 out;
    if (two_operand_specials(a, ka, b, kb, env, out, ka == Kind::Infinity || kb == Kind::Zero)) {
        r.st0 = out;
        r.cc_mask = 0x0400; // C2 cleared, C0 and C3 left as they were
        return r;
    }
    if (ka == Kind::Zero || kb == Kind::Infinity) {
        r.st0 = ka == Kind::Zero ? a : round_pack_ext(unpack(a), 64, env);
        return r;
    }
    const Wide x = unpack(a), y = unpack(b);
    const s32 diff = x.exp - y.exp;
    const u64 mx = u64(x.sig >> 64), my = u64(y.sig >> 64);
    if (diff < (nearest ? -1 : 0)) {
        r.st0 = round_pack_ext(x, 64, env); // exact (a pseudo-denormal comes back canonical)
        return r;
    }
    const bool partial = diff >= 64;
    // Divide x by y * 2^shift so that at most `bits` quotient bits remain.
    const s32 bits = partial ? ((diff & 31) | 32) : diff;
    const s32 ey = x.exp - bits; // exponent of the effective modulus
    // Units of 2^(ey - 64): N = x, M = 2 * y scaled.
    const u128 n = u128(mx) << (bits + 1), m = u128(my) << 1;
    u128 q = n / m, rem = n % m;
    bool sign = a.sign();
    if (nearest && !partial && (2 * rem > m || (2 * rem == m && (q & 1)))) {
        ++q;
        rem = m - rem;
        sign = !sign;
    }
    // Complete: the low quotient bits in C0, C3, C1. Partial: only C2.
    r.cc = partial ? 0x0400 : u16((q & 4 ? 0x0100 : 0) | (q & 2 ? 0x4000 : 0));
    env.c1 = !partial && (q & 1);
    const bool c1 = env.c1;
    if (rem == 0) {
        r.st0 = signed_zero(a.sign());
        return r;
    }
    const int lz = leading_zeros(rem);
    Wide w{sign, ey - 64 + 127 - lz, rem << lz};
    r.st0 = round_pack_ext(w, 64, env);
    env.c1 = c1;
    return r;
}

} // namespace

StackResult stack_op(StackOp op, Float80 st0, Float80 st1, FpEnv& env) {
    switch (op) {
    case StackOp::Fscale: return fscale(st0, st1, env);
    case StackOp::Fxtract: return fxtract(st0, env);
    case StackOp::Fprem: return fprem(st0, st1, false, env);
    case StackOp::Fprem1: return fprem(st0, st1, true, env);
    default: return transcendental(op, st0, st1, env);
    }
}

Float80 load_constant(unsigned index, Rounding rc) {
    struct Constant {
        u64 hi, lo; // 128-bit significand, integer bit at 127
        s32 exp;
    };
    static constexpr Constant kConstants[7] = {
        {0x8000000000000000ull, 0, 0},                      // 1
        {0xD49A784BCD1B8AFEull, 0x492BF6FF4DAFDB4Cull, 1},  // log2(10)
        {0xB8AA3B295C17F0BBull, 0xBE87FED0691D3E89ull, 0},  // log2(e)
        {0xC90FDAA22168C234ull, 0xC4C6628B80DC1CD1ull, 1},  // pi
        {0x9A209A84FBCFF798ull, 0x8F8959AC0B7C9178ull, -2}, // log10(2)
        {0xB17217F7D1CF79ABull, 0xC9E3B39803F2F6AFull, -1}, // ln(2)
        {0, 0, 0},                                          // +0
    };
    const Constant& k = kConstants[index < 7 ? index : 6];
    if (k.hi == 0) return kPlusZero;
    FpEnv env{u16(0x037F | (unsigned(rc) << 10))};
    return round_pack_ext(Wide{false, k.exp, (u128(k.hi) << 64) | k.lo}, 64, env);
}

} // namespace vmi86::fpu
