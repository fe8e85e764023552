// SSE/SSE2 floating-point instructions on whole XMM values: the element loops of the packed and
// scalar forms and the lane layouts of the conversions. Every function computes the new
// destination value and collects the flags of all its elements in env; the caller then calls
// env.finish() and writes the value only when the instruction does not fault.
#pragma once
#include "cpu/simd/sse_float.h"
#include "cpu/state.h"

namespace vmi86::sse {

enum class Arith : u8 { Add, Sub, Mul, Div, Min, Max, Sqrt };

// Packed: every lane; scalar: lane 0 from dst op src, the other lanes of dst kept. SQRT reads
// only src.
template <class F> Xmm arith(Arith op, const Xmm& dst, const Xmm& src, bool scalar, SseEnv& env);
// CMPPS/CMPSS/CMPPD/CMPSD: all-ones lanes where the predicate imm8[2:0] holds.
template <class F>
Xmm compare_mask(const Xmm& dst, const Xmm& src, u8 imm, bool scalar, SseEnv& env);

// CVTPS2PD (low two singles of src), CVTPD2PS (upper half of the result zeroed).
Xmm singles_to_doubles(const Xmm& src, SseEnv& env);
Xmm doubles_to_singles(const Xmm& src, SseEnv& env);
// CVTSS2SD / CVTSD2SS: lane 0 converted into dst, its other lanes kept.
Xmm scalar_single_to_double(const Xmm& dst, const Xmm& src, SseEnv& env);
Xmm scalar_double_to_single(const Xmm& dst, const Xmm& src, SseEnv& env);
// CVTDQ2PS / CVTDQ2PD (the low two integers) / CVTPI2PD: int32 lanes to floats.
template <class F> Xmm ints_to_floats(const Xmm& src, SseEnv& env);
// CVTPS2DQ, CVTTPS2DQ, CVTPD2DQ, CVTTPD2DQ (upper half zeroed): float lanes to int32 lanes.
template <class F> Xmm floats_to_ints(const Xmm& src, bool truncate, SseEnv& env);
// CVTPI2PS: two integers into lanes 0 and 1 of dst, lanes 2 and 3 kept.
Xmm mmx_ints_to_singles(const Xmm& dst, u64 mm, SseEnv& env);
// CVTPS2PI/CVTTPS2PI (low two singles), CVTPD2PI/CVTTPD2PI: two int32 in an MMX value.
template <class F> u64 floats_to_mmx_ints(const Xmm& src, bool truncate, SseEnv& env);
// CVTSI2SS / CVTSI2SD: lane 0 of dst from a 32-bit integer, the other lanes kept.
template <class F> Xmm scalar_from_int(const Xmm& dst, s32 v, SseEnv& env);
// RCPPS/RCPSS/RSQRTPS/RSQRTSS.
Xmm estimate(bool reciprocal_sqrt, const Xmm& dst, const Xmm& src, bool scalar);

} // namespace vmi86::sse
