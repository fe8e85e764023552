// Vec<N>: an N-byte SIMD value (8: an MMX register, 16: an XMM register) with typed lane access,
// lane 0 at the lowest address as in memory; and conversions from and to the register state.
#pragma once
#include "common/types.h"
#include "cpu/state.h"
#include <bit>
#include <cstring>

namespace vmi86::simd {

static_assert(std::endian::native == std::endian::little, "lanes are the host's bytes in order");

template <unsigned N> struct Vec {
    static_assert(N == 8 || N == 16);
    u8 b[N] = {};

    template <class T> static constexpr unsigned lanes() { return N / sizeof(T); }
    template <class T> T get(unsigned i) const {
        T v;
        std::memcpy(&v, b + i * sizeof(T), sizeof(T));
        return v;
    }
    template <class T> void set(unsigned i, T v) { std::memcpy(b + i * sizeof(T), &v, sizeof(T)); }
};
using V64 = Vec<8>;
using V128 = Vec<16>;

inline V64 vec(u64 v) {
    V64 r;
    r.set<u64>(0, v);
    return r;
}
inline V128 vec(const Xmm& x) {
    V128 r;
    r.set<u64>(0, x.q[0]);
    r.set<u64>(1, x.q[1]);
    return r;
}
inline u64 to_u64(const V64& v) { return v.get<u64>(0); }
inline Xmm to_xmm(const V128& v) { return Xmm{{v.get<u64>(0), v.get<u64>(1)}}; }

// r[i] = f(a[i], b[i]) over lanes of type T.
template <class T, unsigned N, class F> Vec<N> lanewise(const Vec<N>& a, const Vec<N>& b, F f) {
    Vec<N> r;
    for (unsigned i = 0; i < Vec<N>::template lanes<T>(); ++i)
        r.template set<T>(i, T(f(a.template get<T>(i), b.template get<T>(i))));
    return r;
}
// r[i] = f(a[i]) over lanes of type T.
template <class T, unsigned N, class F> Vec<N> lanewise(const Vec<N>& a, F f) {
    Vec<N> r;
    for (unsigned i = 0; i < Vec<N>::template lanes<T>(); ++i)
        r.template set<T>(i, T(f(a.template get<T>(i))));
    return r;
}

} // namespace vmi86::simd
