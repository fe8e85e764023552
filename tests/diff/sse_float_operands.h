// Random SSE floating-point operands and MXCSR values biased toward where the rules live: zeros,
// denormals, normals near the limits, near 1 and near 2^31 (integer conversions), infinities,
// QNaNs and SNaNs. Shared by the host-oracle unit test and the differential test generator;
// `next` is any callable returning a random u64.
#pragma once
#include "cpu/simd/sse_float.h"

namespace vmi86::sse::testing {

// A fraction of frac_bits: random, runs of ones at either end, or a single bit.
template <class Next> u64 random_fraction(Next& next, int frac_bits) {
    const u64 mask = (1ull << frac_bits) - 1;
    const unsigned shift = unsigned(next() % unsigned(frac_bits + 1));
    switch (next() % 6) {
    case 0: return (~0ull << shift) & mask;
    case 1: return mask >> shift;
    case 2: return 1ull << (next() % unsigned(frac_bits));
    default: return next() & mask;
    }
}

// to_int: an operand of a float-to-integer conversion (more values near the int32 range).
template <class F, class Next> Bits<F> random_float(Next& next, bool to_int) {
    using L = detail::Layout<F>;
    constexpr int max_exp = int(L::kExpMax);
    const Bits<F> sign = next() % 2 ? L::kSignMask : 0;
    const Bits<F> frac = Bits<F>(random_fraction(next, F::kFracBits));
    const int spread = int(next() % 9) - 4;
    int e;
    switch (next() % (to_int ? 16 : 20)) {
    case 0: return sign;
    case 1: return sign | (frac ? frac : 1); // denormal
    case 2: return sign | L::infinity(false);
    case 3: return sign | L::infinity(false) | L::kQuietBit | (frac >> 1); // QNaN
    case 4: return sign | L::infinity(false) | ((frac >> 1) | 1);          // SNaN
    case 5: e = 1 + int(next() % 3); break;                                // smallest normals
    case 6: e = max_exp - 1 - int(next() % 3); break;                      // largest normals
    case 7:
    case 8: e = L::kBias + spread; break;                             // near 1
    case 9: e = L::kBias + 28 + int(next() % 6); break;               // near 2^31
    case 10: e = L::kBias - 1 - int(next() % 3); break;               // below 1
    case 11: e = 1 + int(next() % unsigned(max_exp - 1)); break;      // any
    case 12: e = L::kBias + max_exp / 2 - 2 + int(next() % 4); break; // squares overflow
    case 13: e = L::kBias - max_exp / 2 - 2 + int(next() % 4); break; // squares underflow
    default: return Bits<F>(next());
    }
    return sign | (Bits<F>(e) << F::kFracBits) | frac;
}

// A second operand close to a (cancellation, ties, equal values), sometimes of the other sign.
template <class F, class Next> Bits<F> nearby_float(Next& next, Bits<F> a) {
    Bits<F> b = Bits<F>(a + Bits<F>(next() % 8) - 3);
    if (next() % 2) b ^= detail::Layout<F>::kSignMask;
    return b;
}

template <class Next> s32 random_int32(Next& next) {
    switch (next() % 4) {
    case 0: return s32(u32(next()) >> (next() % 32));
    case 1: { // a power of two, either sign (-2^31 stays -2^31)
        const u32 magnitude = 0x80000000u >> (next() % 32);
        return s32(next() % 2 ? 0u - magnitude : magnitude);
    }
    default: return s32(u32(next()));
    }
}

// Every rounding mode, DAZ (when the CPU has it) and FTZ a quarter of the time each;
// unmasked_percent of the values unmask some exceptions; sometimes flags already set.
template <class Next> u32 random_mxcsr(Next& next, unsigned unmasked_percent, bool daz) {
    u32 m = u32(next() % 4) << kMxcsrRoundingShift;
    if (next() % 4 == 0 && daz) m |= kMxcsrDaz;
    if (next() % 4 == 0) m |= kMxcsrFtz;
    if (next() % 100 < unmasked_percent) {
        for (int e = 0; e < 6; ++e)
            if (next() % 3) m |= 1u << (kMxcsrMaskShift + e);
    } else {
        m |= 0x3Fu << kMxcsrMaskShift;
    }
    if (next() % 8 == 0) m |= u32(next()) & kMxcsrFlags;
    return m;
}

} // namespace vmi86::sse::testing
