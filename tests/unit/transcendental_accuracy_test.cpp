// The x87 transcendentals against the correctly rounded result, computed with GNU MPFR: they must
// be within 1 ulp of it (float80_test.cpp compares with the host's x87, whose microcode is no
// reference for that). Operands lie in the SDM's defined domains; the control word is the
// default one (round to nearest, 64-bit significand). Denormal results are rounded like the x87
// does (the denormal's fixed exponent, then to nearest even), so they are checked too.
// vmi86 carries 128-bit significands, so a result within about 2^-126 of a halfway case can round
// the other way, 1 ulp off: FPATAN of ST(0) = 4193:fffffffffffffffe, ST(1) = c04f:ffffffffffffffff
// (2^-127 above one) gives bebb:8000000000000000 for bebb:8000000000000001.
// VMI86_TRANSCENDENTAL_SAMPLES sets the random operands per operation.
#include "cpu/fpu/transcendental.h"
#include "float80_test_support.h"
#include <cstdint> // before mpfr.h, for mpfr_set_uj_2exp and mpfr_get_uj
#include <cstdlib>
#include <doctest/doctest.h>
#include <mpfr.h>
#include <string>
#include <vector>

using namespace vmi86;
using namespace vmi86::fpu;
using namespace vmi86::test;

namespace {

// The reference's working precision: far beyond the 64 bits compared, so that rounding it to
// 64 bits gives the correctly rounded result (unless the exact value lay within 2^-256 of a
// halfway case without being one: exact results, halfway or not, are computed exactly).
constexpr mpfr_prec_t kRefPrec = 256;

class Mp {
public:
    explicit Mp(mpfr_prec_t prec = kRefPrec) { mpfr_init2(v_, prec); }
    ~Mp() { mpfr_clear(v_); }
    Mp(const Mp&) = delete;
    Mp& operator=(const Mp&) = delete;
    operator mpfr_ptr() { return v_; }
    operator mpfr_srcptr() const { return v_; }

private:
    mpfr_t v_;
};

// The exact value of a Float80 that is no NaN.
void set_exact(mpfr_ptr r, Float80 f) {
    if (f.exp() == 0x7FFF) return void(mpfr_set_inf(r, f.sign() ? -1 : 1));
    mpfr_set_uj_2exp(r, f.mant, std::max<int>(f.exp(), 1) - kExtBias - 63, MPFR_RNDN);
    if (f.sign()) mpfr_neg(r, r, MPFR_RNDN);
}

// v rounded to nearest even into the double extended format: 64-bit significand, denormals
// below 2^-16382 (their significand has a fixed exponent), infinity beyond the largest finite.
Float80 round_to_float80(mpfr_srcptr v) {
    const bool sign = mpfr_signbit(v);
    if (mpfr_zero_p(v)) return signed_zero(sign);
    if (mpfr_inf_p(v)) return signed_inf(sign);
    // |v| in [2^e, 2^(e+1)), clamped to the smallest normal exponent for a denormal.
    long e = std::max<long>(mpfr_get_exp(v) - 1, 1 - kExtBias);
    Mp n;
    mpfr_abs(n, v, MPFR_RNDN);
    mpfr_mul_2si(n, n, 63 - e, MPFR_RNDN);
    mpfr_rint(n, n, MPFR_RNDN); // the significand as an integer, ties to even
    u64 mant;
    if (mpfr_cmp_ui_2exp(n, 1, 64) >= 0) { // rounded up into the next binade
        mant = 1ull << 63;
        ++e;
    } else {
        mant = mpfr_get_uj(n, MPFR_RNDN);
    }
    if (e + kExtBias > 0x7FFE) return signed_inf(sign);
    return {mant, u16((sign ? 0x8000 : 0) | (mant >> 63 ? e + kExtBias : 0))};
}

enum class Domain { Trig, Atan, Log, LogP1, Exp };

struct Check {
    const char* name;
    StackOp op;
    Domain domain;
    Float80 (*result)(const StackResult&);
    // The exact value (to kRefPrec bits) from the exact ST(0) and ST(1).
    void (*reference)(mpfr_ptr out, mpfr_srcptr st0, mpfr_srcptr st1);
};

Float80 st0_of(const StackResult& r) { return r.st0; }
Float80 st1_of(const StackResult& r) { return r.st1; }

const Check kChecks[] = {
    {"fsin", StackOp::Fsin, Domain::Trig, st0_of,
     [](mpfr_ptr o, mpfr_srcptr x, mpfr_srcptr) { mpfr_sin(o, x, MPFR_RNDN); }},
    {"fcos", StackOp::Fcos, Domain::Trig, st0_of,
     [](mpfr_ptr o, mpfr_srcptr x, mpfr_srcptr) { mpfr_cos(o, x, MPFR_RNDN); }},
    // FSINCOS: the sine replaces ST(0), the cosine is pushed on top.
    {"fsincos (sine)", StackOp::Fsincos, Domain::Trig, st1_of,
     [](mpfr_ptr o, mpfr_srcptr x, mpfr_srcptr) { mpfr_sin(o, x, MPFR_RNDN); }},
    {"fsincos (cosine)", StackOp::Fsincos, Domain::Trig, st0_of,
     [](mpfr_ptr o, mpfr_srcptr x, mpfr_srcptr) { mpfr_cos(o, x, MPFR_RNDN); }},
    // FPTAN: the tangent replaces ST(0), 1 is pushed on top.
    {"fptan", StackOp::Fptan, Domain::Trig, st1_of,
     [](mpfr_ptr o, mpfr_srcptr x, mpfr_srcptr) { mpfr_tan(o, x, MPFR_RNDN); }},
    // FPATAN: atan(ST(1) / ST(0)) in the quadrant of (ST(0), ST(1)), atan2's rules.
    {"fpatan", StackOp::Fpatan, Domain::Atan, st0_of,
     [](mpfr_ptr o, mpfr_srcptr x, mpfr_srcptr y) { mpfr_atan2(o, y, x, MPFR_RNDN); }},
    {"fyl2x", StackOp::Fyl2x, Domain::Log, st0_of,
     [](mpfr_ptr o, mpfr_srcptr x, mpfr_srcptr y) {
         mpfr_log2(o, x, MPFR_RNDN);
         mpfr_mul(o, o, y, MPFR_RNDN);
     }},
    {"fyl2xp1", StackOp::Fyl2xp1, Domain::LogP1, st0_of,
     [](mpfr_ptr o, mpfr_srcptr x, mpfr_srcptr y) {
         mpfr_log2p1(o, x, MPFR_RNDN);
         mpfr_mul(o, o, y, MPFR_RNDN);
     }},
    {"f2xm1", StackOp::F2xm1, Domain::Exp, st0_of,
     [](mpfr_ptr o, mpfr_srcptr x, mpfr_srcptr) { mpfr_exp2m1(o, x, MPFR_RNDN); }},
};

// The operands closest to multiples of pi/2, where the argument reduction cancels the most
// bits: x = q * 2^s for each convergent k/q of the continued fraction of 2^(s+1)/pi (then
// x - k pi/2 = 2^s (q - k pi/2^(s+1)) is about 2^s / q), with q < 2^64 and x < 2^63. The
// smallest |sin x| or |cos x| among them is about 2^-68.
std::vector<Float80> near_multiples_of_half_pi() {
    std::vector<Float80> out;
    Mp pi(1024), v(1024), a(1024);
    mpfr_const_pi(pi, MPFR_RNDN);
    for (int s = -64; s <= 62; ++s) {
        mpfr_ui_div(v, 2, pi, MPFR_RNDN);
        mpfr_mul_2si(v, v, s, MPFR_RNDN);
        u128 q_prev = 1, q = 0; // the denominators of the last two convergents
        for (;;) {
            mpfr_floor(a, v);
            if (mpfr_cmp_ui_2exp(a, 1, 64) >= 0) break;
            const u128 q_next = u128(mpfr_get_uj(a, MPFR_RNDN)) * q + q_prev;
            if (q_next >> 64 || (s >= 0 && q_next >= (u128(1) << (63 - s)))) break;
            q_prev = q;
            q = q_next;
            const u64 m = u64(q);
            const int lz = __builtin_clzll(m);
            out.push_back({m << lz, u16(kExtBias + s + 63 - lz)});
            mpfr_sub(v, v, a, MPFR_RNDN);
            if (mpfr_zero_p(v)) break;
            mpfr_ui_div(v, 1, v, MPFR_RNDN);
        }
    }
    return out;
}

// A value just below or, if `above`, just above 1.
Float80 near_one(OperandGen& g, bool above) {
    const u64 offset = g.bits() >> g.below(64);
    if (above) return {(1ull << 63) | offset, kExtBias};
    return {~offset | (1ull << 63), kExtBias - 1};
}

// ST(1) of FYL2X and FYL2XP1: mostly moderate, sometimes +-1, sometimes any exponent (the
// product then over- or underflows) or tiny (denormal products).
Float80 multiplier(OperandGen& g) {
    const bool negative = g.below(2);
    switch (g.below(10)) {
    case 0: return negative ? negate(kPlusOne) : kPlusOne;
    case 1: return g.finite(0, 0x7FFE, negative);
    case 2: return g.finite(0, 80, negative);
    default: return g.finite(kExtBias - 20, kExtBias + 20, negative);
    }
}

// ST(0) and ST(1) for an operation, in its defined domain.
class Operands {
public:
    explicit Operands(u64 seed) : g_(seed) {
        mpfr_sqrt_ui(fyl2xp1_limit_, 2, MPFR_RNDN);
        mpfr_div_2ui(fyl2xp1_limit_, fyl2xp1_limit_, 1, MPFR_RNDN);
        mpfr_ui_sub(fyl2xp1_limit_, 1, fyl2xp1_limit_, MPFR_RNDN);
        mpfr_const_pi(half_pi_, MPFR_RNDN);
        mpfr_div_2ui(half_pi_, half_pi_, 1, MPFR_RNDN);
    }

    std::pair<Float80, Float80> draw(Domain d) {
        const bool negative = g_.below(2);
        switch (d) {
        case Domain::Trig: return {trig(negative), {}};
        case Domain::Atan: return atan();
        case Domain::Log: {
            Float80 x;
            switch (g_.below(10)) {
            case 0: x = g_.finite(0, 0x7FFE, false); break;
            case 1: x = {1ull << 63, u16(1 + g_.below(0x7FFE))}; break; // a power of two
            case 2:
            case 3:
            case 4:
            case 5: x = near_one(g_, g_.below(2)); break;
            default: x = g_.finite(kExtBias - 100, kExtBias + 100, false); break;
            }
            return {x, multiplier(g_)};
        }
        case Domain::LogP1: {
            // |x| < 1 - sqrt(2)/2, about 0.29: the top binade [1/4, 1/2) only in part.
            for (;;) {
                const Float80 x = g_.below(4) == 0
                                      ? g_.finite(0, kExtBias - 72, negative)
                                      : g_.finite(kExtBias - 72, kExtBias - 2, negative);
                Mp v;
                set_exact(v, x);
                if (mpfr_cmpabs(v, fyl2xp1_limit_) < 0) return {x, multiplier(g_)};
            }
        }
        case Domain::Exp:
            switch (g_.below(10)) {
            case 0: return {negative ? negate(kPlusOne) : kPlusOne, {}};
            case 1: return {g_.finite(0, 0, negative), {}}; // x ln 2 rounded as a denormal
            case 2: return {g_.finite(1, kExtBias - 72, negative), {}};
            case 3: { // just below 1 in magnitude
                const Float80 x = near_one(g_, false);
                return {negative ? negate(x) : x, {}};
            }
            default: return {g_.finite(kExtBias - 72, kExtBias - 1, negative), {}};
            }
        }
        return {};
    }

private:
    // |x| < 2^63, with many beyond pi/4 and some at a few ulps from k pi/2.
    Float80 trig(bool negative) {
        switch (g_.below(10)) {
        case 0: // tiny, half of them denormals
            return g_.below(2) ? g_.finite(0, 0, negative) : g_.finite(1, kExtBias - 72, negative);
        case 1:
        case 2: return g_.finite(kExtBias - 72, kExtBias - 3, negative);
        case 3:
        case 4: return g_.finite(kExtBias - 3, kExtBias + 3, negative);
        case 5: {
            Mp v;
            mpfr_mul_ui(v, half_pi_, 1 + g_.below(100000), MPFR_RNDN);
            Float80 x = round_to_float80(v);
            x.mant += u64(int(g_.below(9)) - 4); // k pi/2 is not near a power of two
            x.sign_exp |= negative ? 0x8000 : 0;
            return x;
        }
        default: return g_.finite(kExtBias - 3, kExtBias + 62, negative);
        }
    }
    // Both signs of both, ratios near 1 and far from it (tiny, huge, denormal results), some
    // zeros and infinities.
    std::pair<Float80, Float80> atan() {
        auto special = [&](Float80 f) {
            switch (g_.below(40)) {
            case 0: return signed_zero(f.sign());
            case 1: return signed_inf(f.sign());
            default: return f;
            }
        };
        const bool x_negative = g_.below(2), y_negative = g_.below(2);
        Float80 x, y;
        switch (g_.below(8)) {
        case 0: // any ratio
            x = g_.finite(0, 0x7FFE, x_negative);
            y = g_.finite(kExtBias - 80, kExtBias + 80, y_negative);
            break;
        case 1: // tiny ratios, many giving denormals
            x = g_.finite(kExtBias - 8, kExtBias + 8, x_negative);
            y = g_.finite(0, 16, y_negative);
            break;
        default: // ratios near 1
            y = g_.finite(kExtBias - 80, kExtBias + 80, y_negative);
            x = g_.finite(y.exp() - 4, y.exp() + 4, x_negative);
            break;
        }
        return {special(x), special(y)};
    }

    OperandGen g_;
    Mp fyl2xp1_limit_, half_pi_;
};

// Per operation: how many results are the correctly rounded one, 1 ulp from it, further.
struct Tally {
    int exact = 0, one_ulp = 0, further = 0;
    std::vector<std::string> outliers; // the first few

    void add(const Check& c, Float80 st0, Float80 st1, Float80 mine, Float80 ref) {
        const u64 d = mine == ref ? 0 : ulps(mine, ref);
        if (d == 0) {
            ++exact;
        } else if (d == 1) {
            ++one_ulp;
        } else if (++further <= 8) {
            outliers.push_back(std::string(c.name) + " st0=" + hex(st0) + " st1=" + hex(st1) +
                               ": vmi86 " + hex(mine) + ", correctly rounded " + hex(ref) + " (" +
                               std::to_string(d) + " ulps)");
        }
    }
};

int samples() {
    if (const char* v = std::getenv("VMI86_TRANSCENDENTAL_SAMPLES"); v && *v) return std::atoi(v);
#if defined(__SANITIZE_ADDRESS__)
    return 20000; // vmi86's series run about twice as slow under the sanitizers
#else
    return 40000;
#endif
}

} // namespace

TEST_CASE("transcendentals: within 1 ulp of the correctly rounded result (MPFR)") {
    const std::vector<Float80> hard = near_multiples_of_half_pi();
    const int n = samples();
    u64 seed = 0x7A4C;
    for (const Check& c : kChecks) {
        Operands operands(++seed);
        Tally t;
        Mp x, y, exact;
        auto run = [&](Float80 st0, Float80 st1) {
            FpEnv env;
            const Float80 mine = c.result(stack_op(c.op, st0, st1, env));
            set_exact(x, st0);
            set_exact(y, st1);
            c.reference(exact, x, y);
            t.add(c, st0, st1, mine, round_to_float80(exact));
        };
        for (int i = 0; i < n; ++i) {
            const auto [st0, st1] = operands.draw(c.domain);
            run(st0, st1);
        }
        if (c.domain == Domain::Trig)
            for (Float80 h : hard) run(h, {});
        const int total = t.exact + t.one_ulp + t.further;
        MESSAGE(std::string(c.name)
                << ": " << total << " operands"
                << (c.domain == Domain::Trig
                        ? " (" + std::to_string(hard.size()) + " nearest to multiples of pi/2)"
                        : std::string())
                << ": " << t.exact << " correctly rounded, " << t.one_ulp << " 1 ulp off, "
                << t.further << " further");
        for (const std::string& o : t.outliers) MESSAGE(o);
        CHECK_MESSAGE(t.further == 0, c.name);
    }
}
