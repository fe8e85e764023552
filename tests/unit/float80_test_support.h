// What the Float80 tests share: random operands biased toward the interesting classes and
// exponents, printing, and the distance in ulps.
#pragma once
#include "cpu/fpu/float80.h"
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <utility>

namespace vmi86::test {

using fpu::Float80;
using fpu::u128;

inline std::string hex(Float80 f) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04x:%016llx", f.sign_exp, (unsigned long long)f.mant);
    return buf;
}

// Distance in units in the last place between two finite values of one sign.
inline u64 ulps(Float80 a, Float80 b) {
    if (a.sign() != b.sign()) return (a.mant | b.mant) == 0 ? 0 : ~0ull;
    auto linear = [](Float80 f) {
        return f.exp() == 0 ? u128(f.mant) : (u128(f.exp() - 1) << 63) + f.mant;
    };
    const u128 x = linear(a), y = linear(b);
    const u128 d = x > y ? x - y : y - x;
    return d > ~0ull ? ~0ull : u64(d);
}

// Random operands biased toward the interesting classes and exponents.
class OperandGen {
public:
    explicit OperandGen(u64 seed) : rng_(seed) {}
    u64 bits() { return rng_(); }
    unsigned below(unsigned n) { return unsigned(rng_() % n); }

    u64 mantissa() {
        switch (below(8)) {
        case 0: return ~0ull << below(64);                        // ones then zeros
        case 1: return (1ull << 63) | (1ull << below(63));        // two bits
        case 2: return (1ull << 63) | (~0ull >> (1 + below(63))); // ones below the top
        default: return bits();
        }
    }
    u16 exponent() {
        static constexpr int kCenters[] = {0x3FFF,        1,
                                           0x7FFE,        0x3FFF - 126,
                                           0x3FFF + 127,  0x3FFF - 1022,
                                           0x3FFF + 1023, 0x3FFF - 149,
                                           0x3FFF - 1074, 0x3FFF + 63,
                                           0x3FFF + 15,   0x3FFF + 31};
        if (below(4) == 0) return u16(1 + below(0x7FFE));
        int e = kCenters[below(std::size(kCenters))] + int(below(9)) - 4;
        return u16(std::clamp(e, 1, 0x7FFE));
    }
    Float80 any() {
        const u16 sign = below(2) ? 0x8000 : 0;
        switch (below(24)) {
        case 0: return {0, sign};
        case 1: return {mantissa() >> (1 + below(63)), sign};                       // denormal
        case 2: return {0x8000000000000000ull, u16(sign | 0x7FFF)};                 // infinity
        case 3: return {0xC000000000000000ull | (bits() >> 2), u16(sign | 0x7FFF)}; // QNaN
        case 4: return {0x8000000000000000ull | ((bits() >> 2) | 1), u16(sign | 0x7FFF)}; // SNaN
        case 5:
            if (below(4) == 0) return {mantissa() | (1ull << 63), sign}; // pseudo-denormal
            return {mantissa() >> 1, u16(sign | exponent())};            // unnormal
        default: return {mantissa() | (1ull << 63), u16(sign | exponent())};
        }
    }
    // A finite value of OperandGen's significand patterns with a biased exponent drawn from
    // [lo, hi]; exponent 0 gives a (nonzero) denormal.
    Float80 finite(int lo, int hi, bool negative) {
        const u16 e = u16(lo + int(below(unsigned(hi - lo + 1))));
        const u64 m = mantissa();
        return {e == 0 ? (m >> (1 + below(63))) | 1 : m | (1ull << 63),
                u16((negative ? 0x8000 : 0) | e)};
    }
    // Two operands, often close in exponent (cancellation, equal values).
    std::pair<Float80, Float80> pair() {
        Float80 a = any(), b = any();
        if (below(4) == 0 && classify(a) == fpu::Kind::Normal) {
            b = a;
            b.mant = (a.mant & ~((1ull << below(64)) - 1)) | (bits() & ((1ull << below(8)) - 1));
            b.mant |= 1ull << 63;
            b.sign_exp = u16((b.sign_exp & 0x8000) |
                             std::clamp(int(a.exp()) + int(below(3)) - 1, 1, 0x7FFE));
            if (below(2)) b.sign_exp ^= 0x8000;
        }
        return {a, b};
    }
    u16 control_word() {
        static constexpr u16 kPc[] = {0, 2, 3, 3, 1};
        return u16(0x3F | (kPc[below(5)] << 8) | (below(4) << 10) | 0x40);
    }

private:
    std::mt19937_64 rng_;
};

} // namespace vmi86::test
