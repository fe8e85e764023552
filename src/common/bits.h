// Bit helpers shared by the CPU, devices and tests.
#pragma once
#include "common/types.h"
#include <bit>
#include <cstring>
#include <type_traits>

namespace vmi86 {

template <typename T> constexpr unsigned bit_width_of() { return sizeof(T) * 8; }

template <typename T> constexpr T sign_bit() { return T(T(1) << (sizeof(T) * 8 - 1)); }

// Even parity of the low byte, as EFLAGS.PF defines it.
constexpr bool parity_even(u8 v) { return (std::popcount(unsigned(v)) & 1) == 0; }

template <typename T> inline T load_le(const void* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}
template <typename T> inline void store_le(void* p, T v) { std::memcpy(p, &v, sizeof(T)); }

constexpr u32 sign_extend(u32 v, unsigned bits) {
    u32 m = 1u << (bits - 1);
    v &= (bits == 32) ? 0xFFFFFFFFu : ((1u << bits) - 1);
    return (v ^ m) - m;
}

// The checksum byte of firmware structures (option ROMs, PnP headers, MP and SMBIOS tables): the
// byte that makes the structure sum to zero mod 256, given its other bytes (`p`, `n`: the
// structure with the checksum byte still 0, or without it).
inline u8 zero_sum_byte(const u8* p, size_t n) {
    u8 sum = 0;
    for (size_t i = 0; i < n; ++i) sum = u8(sum + p[i]);
    return u8(-sum);
}

} // namespace vmi86
