// The packed-integer operations of MMX and SSE/SSE2 as pure functions on Vec<N>: one definition
// serves the MMX form (N = 8) and the 66-prefixed XMM form (N = 16). Each operation is a type
// with `template <unsigned N> static Vec<N> apply(a, b)`, a the destination operand.
#pragma once
#include "cpu/simd/vec.h"
#include <algorithm>

namespace vmi86::simd {

template <class T> constexpr T saturate(s32 v) {
    return T(std::clamp<s32>(v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
}

#define VMI86_LANEWISE_OP(Name, T, expr)                                                           \
    struct Name {                                                                                  \
        template <unsigned N> static Vec<N> apply(const Vec<N>& a, const Vec<N>& b) {              \
            return lanewise<T>(a, b, [](T x, T y) { return (expr); });                             \
        }                                                                                          \
    };

// Wrapping add/sub, saturating signed (s) and unsigned (us) add/sub.
VMI86_LANEWISE_OP(PAddB, u8, x + y)
VMI86_LANEWISE_OP(PAddW, u16, x + y)
VMI86_LANEWISE_OP(PAddD, u32, x + y)
VMI86_LANEWISE_OP(PAddQ, u64, x + y)
VMI86_LANEWISE_OP(PSubB, u8, x - y)
VMI86_LANEWISE_OP(PSubW, u16, x - y)
VMI86_LANEWISE_OP(PSubD, u32, x - y)
VMI86_LANEWISE_OP(PSubQ, u64, x - y)
VMI86_LANEWISE_OP(PAddSB, s8, saturate<s8>(x + y))
VMI86_LANEWISE_OP(PAddSW, s16, saturate<s16>(x + y))
VMI86_LANEWISE_OP(PAddUSB, u8, saturate<u8>(x + y))
VMI86_LANEWISE_OP(PAddUSW, u16, saturate<u16>(x + y))
VMI86_LANEWISE_OP(PSubSB, s8, saturate<s8>(x - y))
VMI86_LANEWISE_OP(PSubSW, s16, saturate<s16>(x - y))
VMI86_LANEWISE_OP(PSubUSB, u8, saturate<u8>(x - y))
VMI86_LANEWISE_OP(PSubUSW, u16, saturate<u16>(x - y))
// Multiplies: low and high halves of the 32-bit products.
VMI86_LANEWISE_OP(PMulLW, s16, s32(x) * s32(y))
VMI86_LANEWISE_OP(PMulHW, s16, (s32(x) * s32(y)) >> 16)
VMI86_LANEWISE_OP(PMulHUW, u16, (u32(x) * u32(y)) >> 16)
// Compares: all ones where true.
VMI86_LANEWISE_OP(PCmpEqB, u8, x == y ? 0xFF : 0)
VMI86_LANEWISE_OP(PCmpEqW, u16, x == y ? 0xFFFF : 0)
VMI86_LANEWISE_OP(PCmpEqD, u32, x == y ? ~0u : 0)
VMI86_LANEWISE_OP(PCmpGtB, s8, x > y ? -1 : 0)
VMI86_LANEWISE_OP(PCmpGtW, s16, x > y ? -1 : 0)
VMI86_LANEWISE_OP(PCmpGtD, s32, x > y ? -1 : 0)
// Bitwise logic (also ANDPS/ANDNPS/ORPS/XORPS and the PD forms).
VMI86_LANEWISE_OP(PAnd, u64, x& y)
VMI86_LANEWISE_OP(PAndN, u64, ~x& y)
VMI86_LANEWISE_OP(POr, u64, x | y)
VMI86_LANEWISE_OP(PXor, u64, x ^ y)
// SSE additions: rounded averages, minimum and maximum.
VMI86_LANEWISE_OP(PAvgB, u8, (u32(x) + y + 1) >> 1)
VMI86_LANEWISE_OP(PAvgW, u16, (u32(x) + y + 1) >> 1)
VMI86_LANEWISE_OP(PMaxSW, s16, std::max(x, y))
VMI86_LANEWISE_OP(PMaxUB, u8, std::max(x, y))
VMI86_LANEWISE_OP(PMinSW, s16, std::min(x, y))
VMI86_LANEWISE_OP(PMinUB, u8, std::min(x, y))
#undef VMI86_LANEWISE_OP

// Multiply and add pairs of signed words into doublewords (0x8000 * 0x8000 twice wraps to
// 0x80000000, as the SDM says).
struct PMAddWD {
    template <unsigned N> static Vec<N> apply(const Vec<N>& a, const Vec<N>& b) {
        Vec<N> r;
        for (unsigned i = 0; i < N / 4; ++i) {
            const u32 lo = u32(s32(a.template get<s16>(2 * i)) * b.template get<s16>(2 * i));
            const u32 hi =
                u32(s32(a.template get<s16>(2 * i + 1)) * b.template get<s16>(2 * i + 1));
            r.template set<u32>(i, lo + hi);
        }
        return r;
    }
};

// Unsigned doubleword multiply of the even doublewords into quadwords.
struct PMulUDQ {
    template <unsigned N> static Vec<N> apply(const Vec<N>& a, const Vec<N>& b) {
        Vec<N> r;
        for (unsigned i = 0; i < N / 8; ++i)
            r.template set<u64>(i, u64(a.template get<u32>(2 * i)) * b.template get<u32>(2 * i));
        return r;
    }
};

// Sum of absolute byte differences per quadword, in the low word of the quadword.
struct PSadBW {
    template <unsigned N> static Vec<N> apply(const Vec<N>& a, const Vec<N>& b) {
        Vec<N> r;
        for (unsigned q = 0; q < N / 8; ++q) {
            u32 sum = 0;
            for (unsigned i = 8 * q; i < 8 * q + 8; ++i) {
                const int x = a.b[i], y = b.b[i];
                sum += u32(x > y ? x - y : y - x);
            }
            r.template set<u64>(q, sum);
        }
        return r;
    }
};

// Packs: the lanes of a, then those of b, each narrowed with saturation.
template <class From, class To> struct Pack {
    template <unsigned N> static Vec<N> apply(const Vec<N>& a, const Vec<N>& b) {
        Vec<N> r;
        constexpr unsigned n = N / sizeof(From);
        for (unsigned i = 0; i < n; ++i) {
            r.template set<To>(i, saturate<To>(a.template get<From>(i)));
            r.template set<To>(n + i, saturate<To>(b.template get<From>(i)));
        }
        return r;
    }
};
using PackSSWB = Pack<s16, s8>;
using PackSSDW = Pack<s32, s16>;
using PackUSWB = Pack<s16, u8>;

// Unpacks: interleaves the lanes of the low (or high) halves of a and b, a first.
template <class T, bool High> struct Unpack {
    template <unsigned N> static Vec<N> apply(const Vec<N>& a, const Vec<N>& b) {
        Vec<N> r;
        constexpr unsigned half = N / sizeof(T) / 2, from = High ? half : 0;
        for (unsigned i = 0; i < half; ++i) {
            r.template set<T>(2 * i, a.template get<T>(from + i));
            r.template set<T>(2 * i + 1, b.template get<T>(from + i));
        }
        return r;
    }
};
using PUnpckLBW = Unpack<u8, false>;
using PUnpckLWD = Unpack<u16, false>;
using PUnpckLDQ = Unpack<u32, false>;
using PUnpckLQDQ = Unpack<u64, false>;
using PUnpckHBW = Unpack<u8, true>;
using PUnpckHWD = Unpack<u16, true>;
using PUnpckHDQ = Unpack<u32, true>;
using PUnpckHQDQ = Unpack<u64, true>;

// Shifts of each lane by one count (the low quadword of the source, or an immediate): a count
// beyond the lane width gives 0, or for arithmetic right shifts the sign in every bit.
enum class ShiftKind : u8 { Left, RightLogical, RightArithmetic };
template <class T, ShiftKind K> struct Shift {
    template <unsigned N> static Vec<N> apply(const Vec<N>& a, u64 count) {
        constexpr unsigned bits = 8 * sizeof(T);
        using S = std::make_signed_t<T>;
        if (count >= bits) {
            if constexpr (K != ShiftKind::RightArithmetic) return Vec<N>{};
            count = bits - 1;
        }
        const unsigned n = unsigned(count);
        return lanewise<T>(a, [n](T x) {
            if constexpr (K == ShiftKind::Left) return T(x << n);
            if constexpr (K == ShiftKind::RightLogical) return T(x >> n);
            return T(S(x) >> n);
        });
    }
};
using PSllW = Shift<u16, ShiftKind::Left>;
using PSllD = Shift<u32, ShiftKind::Left>;
using PSllQ = Shift<u64, ShiftKind::Left>;
using PSrlW = Shift<u16, ShiftKind::RightLogical>;
using PSrlD = Shift<u32, ShiftKind::RightLogical>;
using PSrlQ = Shift<u64, ShiftKind::RightLogical>;
using PSraW = Shift<u16, ShiftKind::RightArithmetic>;
using PSraD = Shift<u32, ShiftKind::RightArithmetic>;

// Whole-register byte shifts (PSLLDQ/PSRLDQ): counts above 15 clear the register.
template <bool Left> struct ByteShift {
    template <unsigned N> static Vec<N> apply(const Vec<N>& a, u64 count) {
        Vec<N> r;
        if (count >= N) return r;
        const unsigned n = unsigned(count);
        for (unsigned i = 0; i < N; ++i) {
            if constexpr (Left)
                r.b[i] = i >= n ? a.b[i - n] : 0;
            else
                r.b[i] = i + n < N ? a.b[i + n] : 0;
        }
        return r;
    }
};
using PSllDQ = ByteShift<true>;
using PSrlDQ = ByteShift<false>;

// The most significant bit of each lane of type T, lane 0 in bit 0 (PMOVMSKB, MOVMSKPS/PD).
template <class T, unsigned N> u32 sign_mask(const Vec<N>& a) {
    u32 m = 0;
    for (unsigned i = 0; i < Vec<N>::template lanes<T>(); ++i)
        m |= u32(a.template get<T>(i) >> (8 * sizeof(T) - 1)) << i;
    return m;
}

} // namespace vmi86::simd
