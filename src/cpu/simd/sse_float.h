// SSE/SSE2 floating point: IEEE single and double precision computed in software, bit-exact with
// an x86 SSE unit and independent of the host's floating point (integer arithmetic only, built on
// the Float80 helpers). Every operation takes an SseEnv that supplies MXCSR (rounding, DAZ, FTZ,
// exception masks) and collects the exception flags of that one element. The rules were checked
// against a host SSE unit (tests/unit/sse_float_test.cpp): tininess is detected after rounding;
// an unmasked invalid, denormal or divide-by-zero exception stops the computation (no overflow,
// underflow or precision flag); an unmasked overflow or underflow reports PE only when the
// result rounded with an unbounded exponent is inexact. After any unmasked exception the
// element's result is meaningless: the instruction faults and writes nothing.
#pragma once
#include "common/types.h"
#include "cpu/fpu/float80.h"

namespace vmi86::sse {

using fpu::kDE;
using fpu::kIE;
using fpu::kOE;
using fpu::kPE;
using fpu::kUE;
using fpu::kZE;
using fpu::Rounding;
using fpu::u128;

// MXCSR fields.
constexpr u32 kMxcsrFlags = 0x3F;
constexpr u32 kMxcsrDaz = 1u << 6;
constexpr int kMxcsrMaskShift = 7;
constexpr int kMxcsrRoundingShift = 13;
constexpr u32 kMxcsrFtz = 1u << 15;
constexpr u32 kMxcsrDefault = 0x1F80;

struct SseEnv {
    u32 mxcsr = kMxcsrDefault;
    u8 flags = 0; // exceptions raised, in MXCSR bit order (IE DE ZE OE UE PE)
    Rounding rounding() const { return Rounding((mxcsr >> kMxcsrRoundingShift) & 3); }
    bool daz() const { return mxcsr & kMxcsrDaz; }
    bool ftz() const { return mxcsr & kMxcsrFtz; }
    bool masked(u8 e) const { return (mxcsr >> kMxcsrMaskShift) & e; }
    u8 unmasked() const { return u8(flags & ~(mxcsr >> kMxcsrMaskShift) & kMxcsrFlags); }
    // An unmasked pre-computation exception: no result, no post-computation flags.
    bool suppressed() const { return unmasked() & (kIE | kDE | kZE); }
    // After the last element of an instruction: an unmasked pre-computation exception in any
    // element drops every element's post-computation flags (OE UE PE). Returns whether the
    // instruction faults (#XM), leaving its destination unchanged.
    bool finish() {
        if (suppressed()) flags &= kIE | kDE | kZE;
        return unmasked();
    }
};

// The two formats, as template arguments of the operations.
struct Single {
    using Bits = u32;
    static constexpr int kFracBits = 23;
    static constexpr int kExpBits = 8;
    static constexpr fpu::detail::Format kFormat = fpu::detail::kF32Format;
};
struct Double {
    using Bits = u64;
    static constexpr int kFracBits = 52;
    static constexpr int kExpBits = 11;
    static constexpr fpu::detail::Format kFormat = fpu::detail::kF64Format;
};
template <class F> using Bits = typename F::Bits;

// The default NaN of an invalid operation with no NaN operand (the "QNaN floating-point
// indefinite", sign set).
template <class F> constexpr Bits<F> kDefaultNaN = Bits<F>(~Bits<F>(0) << (F::kFracBits - 1));
constexpr u32 kIntegerIndefinite = 0x80000000u;

// ---- arithmetic (ADD/SUB/MUL/DIV/SQRT/MIN/MAX). a is the first source (the destination).
template <class F> Bits<F> add(Bits<F> a, Bits<F> b, SseEnv& env);
template <class F> Bits<F> sub(Bits<F> a, Bits<F> b, SseEnv& env);
template <class F> Bits<F> mul(Bits<F> a, Bits<F> b, SseEnv& env);
template <class F> Bits<F> div(Bits<F> a, Bits<F> b, SseEnv& env);
template <class F> Bits<F> sqrt(Bits<F> a, SseEnv& env);
// x86 MIN/MAX: the second operand when either is a NaN or both are zeros.
template <class F> Bits<F> min(Bits<F> a, Bits<F> b, SseEnv& env);
template <class F> Bits<F> max(Bits<F> a, Bits<F> b, SseEnv& env);

// ---- compare
// CMPPS/CMPSS/CMPPD/CMPSD predicates (imm8 bits 2:0).
enum class Predicate : u8 { Eq, Lt, Le, Unord, Neq, Nlt, Nle, Ord };
template <class F> bool compare(Bits<F> a, Bits<F> b, Predicate p, SseEnv& env);
// COMISS/UCOMISS/COMISD/UCOMISD: the EFLAGS ZF/PF/CF bits of the comparison. signal_qnan: COMI
// (a QNaN operand is invalid too); UCOMI signals only on an SNaN.
template <class F> u32 compare_eflags(Bits<F> a, Bits<F> b, bool signal_qnan, SseEnv& env);

// ---- conversions
u64 single_to_double(u32 a, SseEnv& env);
u32 double_to_single(u64 a, SseEnv& env);
template <class F> Bits<F> from_int32(s32 v, SseEnv& env);
// To a signed 32-bit integer in the MXCSR rounding mode, or toward zero when truncate; the
// integer indefinite (with IE) for a NaN or an out-of-range value.
template <class F> u32 to_int32(Bits<F> a, bool truncate, SseEnv& env);

// ---- RCPPS/RSQRTPS approximations (relative error below 1.5 * 2^-12; no flags, MXCSR unused)
u32 reciprocal_estimate(u32 a);
u32 reciprocal_sqrt_estimate(u32 a);

// ---- the representation shared by the operation files
namespace detail {
enum class Class : u8 { Zero, Denormal, Normal, Infinity, QNaN, SNaN };
template <class F> struct Layout {
    using T = Bits<F>;
    static constexpr int kSignBit = F::kFracBits + F::kExpBits;
    static constexpr int kBias = (1 << (F::kExpBits - 1)) - 1;
    static constexpr T kExpMax = (T(1) << F::kExpBits) - 1;
    static constexpr T kFracMask = (T(1) << F::kFracBits) - 1;
    static constexpr T kQuietBit = T(1) << (F::kFracBits - 1);
    static constexpr T kSignMask = T(1) << kSignBit;
    static bool sign(T a) { return a >> kSignBit; }
    static T exp(T a) { return (a >> F::kFracBits) & kExpMax; }
    static T zero(bool s) { return s ? kSignMask : 0; }
    static T infinity(bool s) { return zero(s) | (kExpMax << F::kFracBits); }
};
template <class F> Class classify(Bits<F> a);
inline bool is_nan(Class c) { return c == Class::QNaN || c == Class::SNaN; }
// A source operand as the instruction sees it: a denormal is read as zero under DAZ.
template <class F> struct Operand {
    Bits<F> bits;
    Class cls;
};
template <class F> Operand<F> load(Bits<F> a, const SseEnv& env);
// Finite nonzero operand to the exact wide form.
template <class F> fpu::detail::Wide unpack(Bits<F> a);
// Rounds a finite nonzero value to the format (MXCSR rounding, FTZ, overflow and underflow).
template <class F> Bits<F> round_pack(const fpu::detail::Wide& w, SseEnv& env);
template <class F> Bits<F> quiet(Bits<F> a) { return a | Layout<F>::kQuietBit; }
} // namespace detail

} // namespace vmi86::sse
