// RCPPS/RSQRTPS: the hardware returns implementation-specific 12-bit approximations. We return
// the exact value rounded to nearest single, which is well inside the architectural bound
// (|relative error| <= 1.5 * 2^-12) and the same on every host. Like the hardware they ignore
// MXCSR (no DAZ/FTZ, no flags), read denormal inputs as zeros and flush tiny results to zero.
#include "cpu/simd/sse_float.h"

namespace vmi86::sse {

using namespace detail;
using fpu::detail::Wide;
using L = Layout<Single>;

namespace {
constexpr Wide kOne{false, 0, u128(1) << 127};
} // namespace

u32 reciprocal_estimate(u32 a) {
    const bool sign = L::sign(a);
    switch (classify<Single>(a)) {
    case Class::QNaN:
    case Class::SNaN: return quiet<Single>(a);
    case Class::Zero:
    case Class::Denormal: return L::infinity(sign);
    case Class::Infinity: return L::zero(sign);
    case Class::Normal: break;
    }
    SseEnv nearest;
    const u32 r = round_pack<Single>(fpu::detail::div_wide(kOne, unpack<Single>(a)), nearest);
    return classify<Single>(r) == Class::Denormal ? L::zero(sign) : r;
}

u32 reciprocal_sqrt_estimate(u32 a) {
    const bool sign = L::sign(a);
    switch (classify<Single>(a)) {
    case Class::QNaN:
    case Class::SNaN: return quiet<Single>(a);
    case Class::Zero:
    case Class::Denormal: return L::infinity(sign);
    case Class::Infinity: return sign ? kDefaultNaN<Single> : 0;
    case Class::Normal: break;
    }
    if (sign) return kDefaultNaN<Single>;
    SseEnv nearest;
    const Wide root = fpu::detail::sqrt_wide(unpack<Single>(a));
    return round_pack<Single>(fpu::detail::div_wide(kOne, root), nearest);
}

} // namespace vmi86::sse
