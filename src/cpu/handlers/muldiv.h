// MUL, IMUL (one-, two- and three-operand forms), DIV and IDIV with #DE.
#pragma once
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

// CF and OF from the product; SF, ZF and PF (undefined) from the low half, AF clear.
template <unsigned S> inline void mul_flags(Cpu& c, u32 low, bool overflow) {
    set_flags_szp<S>(c, low, overflow, overflow, false);
}

template <unsigned S> void mul(Cpu& c, const DecodedInsn& d) {
    u32 src = c.read_E<S>(d);
    if constexpr (S == 1) {
        u32 p = c.reg<1>(EAX) * src;
        c.set_reg<2>(EAX, p);
        mul_flags<1>(c, p, (p >> 8) != 0);
    } else if constexpr (S == 2) {
        u32 p = c.reg<2>(EAX) * src;
        c.set_reg<2>(EAX, p);
        c.set_reg<2>(EDX, p >> 16);
        mul_flags<2>(c, p, (p >> 16) != 0);
    } else {
        u64 p = u64(c.reg<4>(EAX)) * src;
        c.set_reg<4>(EAX, u32(p));
        c.set_reg<4>(EDX, u32(p >> 32));
        mul_flags<4>(c, u32(p), (p >> 32) != 0);
    }
}

template <unsigned S> void imul1(Cpu& c, const DecodedInsn& d) {
    s64 src = s32(sign_extend(c.read_E<S>(d), 8 * S));
    s64 acc = s32(sign_extend(c.reg<S>(EAX), 8 * S));
    s64 p = src * acc;
    if constexpr (S == 1) {
        c.set_reg<2>(EAX, u32(p));
        mul_flags<1>(c, u32(p), p != s8(p));
    } else if constexpr (S == 2) {
        c.set_reg<2>(EAX, u32(p));
        c.set_reg<2>(EDX, u32(p >> 16));
        mul_flags<2>(c, u32(p), p != s16(p));
    } else {
        c.set_reg<4>(EAX, u32(p));
        c.set_reg<4>(EDX, u32(u64(p) >> 32));
        mul_flags<4>(c, u32(p), p != s32(p));
    }
}

template <unsigned S> inline void imul_store(Cpu& c, const DecodedInsn& d, s64 a, s64 b) {
    s64 p = a * b;
    u32 low = u32(p) & size_mask<S>();
    bool ovf = S == 2 ? p != s16(p) : p != s32(p);
    c.set_reg<S>(d.reg, low);
    mul_flags<S>(c, low, ovf);
}

template <unsigned S> void imul_G_E(Cpu& c, const DecodedInsn& d) {
    s64 a = s32(sign_extend(c.read_E<S>(d), 8 * S));
    s64 b = s32(sign_extend(c.reg<S>(d.reg), 8 * S));
    imul_store<S>(c, d, a, b);
}

template <unsigned S> void imul_G_E_I(Cpu& c, const DecodedInsn& d) {
    s64 a = s32(sign_extend(c.read_E<S>(d), 8 * S));
    s64 b = s32(sign_extend(d.imm, 8 * S));
    imul_store<S>(c, d, a, b);
}

template <unsigned S> void div(Cpu& c, const DecodedInsn& d) {
    u64 divisor = c.read_E<S>(d);
    if (divisor == 0) c.fault(kDE);
    if constexpr (S == 1) {
        u32 n = c.reg<2>(EAX);
        u32 q = n / u32(divisor), r = n % u32(divisor);
        if (q > 0xFF) c.fault(kDE);
        c.set_reg<2>(EAX, (r << 8) | q);
    } else if constexpr (S == 2) {
        u32 n = (c.reg<2>(EDX) << 16) | c.reg<2>(EAX);
        u32 q = n / u32(divisor), r = n % u32(divisor);
        if (q > 0xFFFF) c.fault(kDE);
        c.set_reg<2>(EAX, q);
        c.set_reg<2>(EDX, r);
    } else {
        u64 n = (u64(c.reg<4>(EDX)) << 32) | c.reg<4>(EAX);
        u64 q = n / divisor, r = n % divisor;
        if (q > 0xFFFFFFFFull) c.fault(kDE);
        c.set_reg<4>(EAX, u32(q));
        c.set_reg<4>(EDX, u32(r));
    }
}

template <unsigned S> void idiv(Cpu& c, const DecodedInsn& d) {
    s64 divisor = s32(sign_extend(c.read_E<S>(d), 8 * S));
    if (divisor == 0) c.fault(kDE);
    s64 n;
    if constexpr (S == 1)
        n = s16(c.reg<2>(EAX));
    else if constexpr (S == 2)
        n = s32((c.reg<2>(EDX) << 16) | c.reg<2>(EAX));
    else
        n = s64((u64(c.reg<4>(EDX)) << 32) | c.reg<4>(EAX));
    if (S == 4 && n == INT64_MIN && divisor == -1) c.fault(kDE);
    s64 q = n / divisor, r = n % divisor;
    constexpr s64 lo = -(s64(1) << (8 * S - 1)), hi = (s64(1) << (8 * S - 1)) - 1;
    if (q < lo || q > hi) c.fault(kDE);
    if constexpr (S == 1)
        c.set_reg<2>(EAX, ((u32(r) & 0xFF) << 8) | (u32(q) & 0xFF));
    else {
        c.set_reg<S>(EAX, u32(q));
        c.set_reg<S>(EDX, u32(r));
    }
}

} // namespace vmi86::handlers
