// Float80: the x87 double extended-precision format computed in software, bit-exact with an
// x87 FPU and independent of the host's floating point (integer arithmetic only). Every
// operation takes an FpEnv that supplies the control word (precision, rounding, exception masks)
// and collects the exception flags and the C1 "rounded up" bit.
#pragma once
#include "common/types.h"

namespace vmi86::fpu {

using u128 = unsigned __int128;

struct Float80 {
    u64 mant = 0;     // explicit integer bit at 63
    u16 sign_exp = 0; // sign at 15, biased exponent below
    bool sign() const { return sign_exp >> 15; }
    u16 exp() const { return sign_exp & 0x7FFF; }
    bool operator==(const Float80&) const = default;
};

constexpr int kExtBias = 16383;
constexpr Float80 kDefaultNaN{0xC000000000000000ull, 0xFFFF}; // the "real indefinite"
constexpr Float80 kPlusZero{0, 0};
constexpr Float80 kPlusOne{0x8000000000000000ull, 0x3FFF};
constexpr Float80 signed_zero(bool sign) { return {0, u16(sign ? 0x8000 : 0)}; }
constexpr Float80 signed_inf(bool sign) {
    return {0x8000000000000000ull, u16(sign ? 0xFFFF : 0x7FFF)};
}

// Exception flags in status-word bit order.
enum : u8 { kIE = 1, kDE = 2, kZE = 4, kOE = 8, kUE = 16, kPE = 32, kAllExceptions = 63 };

enum class Rounding : u8 { Nearest = 0, Down = 1, Up = 2, Zero = 3 };

struct FpEnv {
    u16 cw = 0x037F; // control word: masks, precision control, rounding control
    u8 flags = 0;    // exceptions raised
    bool c1 = false; // the result was rounded up in magnitude
    Rounding rounding() const { return Rounding((cw >> 10) & 3); }
    // Significand bits of precision control: 24, (reserved), 53, 64.
    int precision() const {
        static constexpr int bits[4] = {24, 64, 53, 64};
        return bits[(cw >> 8) & 3];
    }
    bool masked(u8 e) const { return cw & e; }
    u8 unmasked() const { return flags & ~cw & kAllExceptions; }
    // An invalid, denormal or zero-divide exception that is unmasked suppresses the result.
    bool result_suppressed() const { return unmasked() & (kIE | kDE | kZE); }
};

enum class Kind : u8 { Zero, Normal, Denormal, Infinity, QNaN, SNaN, Unsupported };
Kind classify(Float80 a);
inline bool is_nan(Kind k) { return k == Kind::QNaN || k == Kind::SNaN; }
inline Float80 negate(Float80 a) { return {a.mant, u16(a.sign_exp ^ 0x8000)}; }
inline Float80 abs(Float80 a) { return {a.mant, u16(a.sign_exp & 0x7FFF)}; }

// ---- arithmetic (precision control applies)
Float80 add(Float80 a, Float80 b, FpEnv& env);
Float80 sub(Float80 a, Float80 b, FpEnv& env);
Float80 mul(Float80 a, Float80 b, FpEnv& env);
Float80 div(Float80 a, Float80 b, FpEnv& env);
Float80 sqrt(Float80 a, FpEnv& env);
// FRNDINT: to an integral value in the current rounding mode.
Float80 round_to_int(Float80 a, FpEnv& env);

// ---- compare
enum class Order : u8 { Less, Equal, Greater, Unordered };
// quiet: FUCOM semantics (only SNaN operands are invalid).
Order compare(Float80 a, Float80 b, bool quiet, FpEnv& env);

// ---- conversions
Float80 from_int(s64 v);
Float80 from_f32(u32 bits, FpEnv& env);
Float80 from_f64(u64 bits, FpEnv& env);
// The exact value of a single/double operand of an arithmetic instruction, an SNaN kept
// signaling and no exceptions raised: the instruction's own operand checks decide what is
// reported (a NaN in ST(0) hides a denormal operand). denormal: the operand was a denormal.
Float80 extend_f32(u32 bits, bool& denormal);
Float80 extend_f64(u64 bits, bool& denormal);
// Stores to memory: false when an unmasked exception suppresses the store.
bool to_f32(Float80 a, FpEnv& env, u32& out);
bool to_f64(Float80 a, FpEnv& env, u64& out);
// bits: 16, 32 or 64. truncate: round toward zero whatever the control word says.
bool to_int(Float80 a, int bits, bool truncate, FpEnv& env, s64& out);
// Packed BCD: 9 bytes of digits (18 digits, least significant first) and a sign byte.
Float80 from_bcd(const u8 bcd[10]);
bool to_bcd(Float80 a, FpEnv& env, u8 out[10]);

// ---- the internal representation shared by the operation files
namespace detail {
// A finite nonzero value: sig * 2^(exp - 127), sig normalized (bit 127 set).
struct Wide {
    bool sign;
    s32 exp;
    u128 sig;
};
enum class Dest : u8 { Register, Memory };
struct Format {
    int emin, emax;
};
constexpr Format kExtFormat{-16382, 16383};
constexpr Format kF64Format{-1022, 1023};
constexpr Format kF32Format{-126, 127};
// The rounded value: sig * 2^(exp - (p-1)) with sig < 2^p; sig >> (p-1) == 0 means a denormal
// (exp == emin) or zero. inf: overflowed to infinity. stored == false: an unmasked overflow or
// underflow suppressed a store to memory.
struct Rounded {
    bool sign;
    s32 exp;
    u64 sig;
    bool inf;
    bool stored;
};
// Rounds a significand (bits below `shift` are dropped) in a rounding mode: the kept part, the
// increment, and whether the drop was inexact.
struct RoundStep {
    u64 kept;
    bool inexact;
    bool up;
};
RoundStep round_bits(u128 sig, int shift, bool sign, Rounding rc);
// Whether w rounded to p bits with an unbounded exponent is below the format's smallest normal.
bool tiny_after_rounding(const Wide& w, int p, const Format& f, Rounding rc);
Rounded round(const Wide& w, int p, const Format& f, Dest dest, FpEnv& env);
Float80 pack_ext(const Rounded& r, int p);
Float80 round_pack_ext(const Wide& w, int p, FpEnv& env);
// Unpacks a finite nonzero Float80 (normal or denormal, pseudo-denormal included).
Wide unpack(Float80 a);
u128 shift_right_jam(u128 x, int n);
int leading_zeros(u128 x);
// Exact arithmetic on finite nonzero values with significands of at most 64 bits (the low bits
// of the result's sig are sticky). add_wide returns false for an exact zero sum.
bool add_wide(Wide x, Wide y, Wide& r);
Wide mul_wide(const Wide& x, const Wide& y);
Wide div_wide(const Wide& x, const Wide& y);
Wide sqrt_wide(const Wide& x);
// NaN propagation for two operands (either may be a NaN); raises IE for an SNaN.
Float80 propagate_nan(Float80 a, Kind ka, Float80 b, Kind kb, FpEnv& env);
Float80 quiet(Float80 a);
// The checks every two-operand arithmetic instruction starts with: unsupported encodings and the
// operation's own invalid combinations (`invalid`, checked unless an operand is a NaN) give the
// default NaN, NaNs propagate, and a denormal operand sets DE (an unmasked DE suppresses the
// operation). zero_divide: x / 0 raises only ZE, even for a denormal x. Returns true when `out`
// is the final result.
bool two_operand_specials(Float80 a, Kind ka, Float80 b, Kind kb, FpEnv& env, Float80& out,
                          bool invalid = false, bool zero_divide = false);
} // namespace detail

} // namespace vmi86::fpu
