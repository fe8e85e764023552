// The element loops of the SSE/SSE2 floating-point instructions.
#include "cpu/simd/sse_float_vector.h"
#include <cstring>

namespace vmi86::sse {

namespace {

template <class T> T lane(const Xmm& x, int i) {
    T v;
    std::memcpy(&v, reinterpret_cast<const u8*>(x.q) + i * sizeof(T), sizeof(T));
    return v;
}
template <class T> void set_lane(Xmm& x, int i, T v) {
    std::memcpy(reinterpret_cast<u8*>(x.q) + i * sizeof(T), &v, sizeof(T));
}
template <class F> constexpr int kLanes = 16 / sizeof(Bits<F>);

template <class F> Bits<F> apply(Arith op, Bits<F> a, Bits<F> b, SseEnv& env) {
    switch (op) {
    case Arith::Add: return add<F>(a, b, env);
    case Arith::Sub: return sub<F>(a, b, env);
    case Arith::Mul: return mul<F>(a, b, env);
    case Arith::Div: return div<F>(a, b, env);
    case Arith::Min: return min<F>(a, b, env);
    case Arith::Max: return max<F>(a, b, env);
    case Arith::Sqrt: return sqrt<F>(b, env);
    }
    return a;
}

} // namespace

template <class F> Xmm arith(Arith op, const Xmm& dst, const Xmm& src, bool scalar, SseEnv& env) {
    Xmm r = dst;
    for (int i = 0; i < (scalar ? 1 : kLanes<F>); ++i)
        set_lane(r, i, apply<F>(op, lane<Bits<F>>(dst, i), lane<Bits<F>>(src, i), env));
    return r;
}

template <class F>
Xmm compare_mask(const Xmm& dst, const Xmm& src, u8 imm, bool scalar, SseEnv& env) {
    Xmm r = dst;
    const Predicate p = Predicate(imm & 7); // legacy SSE encodings ignore imm8[7:3]
    for (int i = 0; i < (scalar ? 1 : kLanes<F>); ++i) {
        const bool t = compare<F>(lane<Bits<F>>(dst, i), lane<Bits<F>>(src, i), p, env);
        set_lane(r, i, t ? ~Bits<F>(0) : Bits<F>(0));
    }
    return r;
}

Xmm singles_to_doubles(const Xmm& src, SseEnv& env) {
    Xmm r;
    for (int i = 0; i < 2; ++i) set_lane(r, i, single_to_double(lane<u32>(src, i), env));
    return r;
}

Xmm doubles_to_singles(const Xmm& src, SseEnv& env) {
    Xmm r;
    for (int i = 0; i < 2; ++i) set_lane(r, i, double_to_single(lane<u64>(src, i), env));
    return r;
}

Xmm scalar_single_to_double(const Xmm& dst, const Xmm& src, SseEnv& env) {
    Xmm r = dst;
    set_lane(r, 0, single_to_double(lane<u32>(src, 0), env));
    return r;
}

Xmm scalar_double_to_single(const Xmm& dst, const Xmm& src, SseEnv& env) {
    Xmm r = dst;
    set_lane(r, 0, double_to_single(lane<u64>(src, 0), env));
    return r;
}

template <class F> Xmm ints_to_floats(const Xmm& src, SseEnv& env) {
    Xmm r;
    for (int i = 0; i < kLanes<F>; ++i) set_lane(r, i, from_int32<F>(lane<s32>(src, i), env));
    return r;
}

template <class F> Xmm floats_to_ints(const Xmm& src, bool truncate, SseEnv& env) {
    Xmm r;
    for (int i = 0; i < kLanes<F>; ++i)
        set_lane(r, i, to_int32<F>(lane<Bits<F>>(src, i), truncate, env));
    return r;
}

Xmm mmx_ints_to_singles(const Xmm& dst, u64 mm, SseEnv& env) {
    Xmm r = dst;
    for (int i = 0; i < 2; ++i) set_lane(r, i, from_int32<Single>(s32(u32(mm >> (32 * i))), env));
    return r;
}

template <class F> u64 floats_to_mmx_ints(const Xmm& src, bool truncate, SseEnv& env) {
    const u64 lo = to_int32<F>(lane<Bits<F>>(src, 0), truncate, env);
    const u64 hi = to_int32<F>(lane<Bits<F>>(src, 1), truncate, env);
    return lo | hi << 32;
}

template <class F> Xmm scalar_from_int(const Xmm& dst, s32 v, SseEnv& env) {
    Xmm r = dst;
    set_lane(r, 0, from_int32<F>(v, env));
    return r;
}

Xmm estimate(bool reciprocal_sqrt, const Xmm& dst, const Xmm& src, bool scalar) {
    Xmm r = dst;
    for (int i = 0; i < (scalar ? 1 : 4); ++i) {
        const u32 a = lane<u32>(src, i);
        set_lane(r, i, reciprocal_sqrt ? reciprocal_sqrt_estimate(a) : reciprocal_estimate(a));
    }
    return r;
}

#define VMI86_SSE_VECTOR_INSTANTIATE(F)                                                            \
    template Xmm arith<F>(Arith, const Xmm&, const Xmm&, bool, SseEnv&);                           \
    template Xmm compare_mask<F>(const Xmm&, const Xmm&, u8, bool, SseEnv&);                       \
    template Xmm ints_to_floats<F>(const Xmm&, SseEnv&);                                           \
    template Xmm floats_to_ints<F>(const Xmm&, bool, SseEnv&);                                     \
    template u64 floats_to_mmx_ints<F>(const Xmm&, bool, SseEnv&);                                 \
    template Xmm scalar_from_int<F>(const Xmm&, s32, SseEnv&);
VMI86_SSE_VECTOR_INSTANTIATE(Single)
VMI86_SSE_VECTOR_INSTANTIATE(Double)
#undef VMI86_SSE_VECTOR_INSTANTIATE

} // namespace vmi86::sse
