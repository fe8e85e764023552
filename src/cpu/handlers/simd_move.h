// MMX/SSE/SSE2 data movement: MOVD/MOVQ, the 128-bit loads and stores (aligned, unaligned,
// non-temporal), the scalar and half-register moves (MOVSS/MOVSD, MOVLPS/MOVHPS/MOVLHPS/MOVHLPS
// and the PD forms), MOVQ2DQ/MOVDQ2Q, the sign masks (MOVMSKPS/PD) and MOVNTI.
#pragma once
#include "cpu/handlers/simd_common.h"
#include "cpu/simd/int_ops.h"

namespace vmi86::handlers {

// ---- MMX registers

// MOVD mm, r/m32 (zero-extended) and MOVD r/m32, mm.
inline void movd_P_E(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Mmx>(c);
    set_mm(c, d.reg, read_Ed(c, d));
}
inline void movd_E_P(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Mmx>(c);
    write_Ed(c, d, u32(mm(c, d.reg)));
    mmx_state(c);
}
// MOVQ mm, mm/m64 and MOVQ mm/m64, mm; MOVNTQ m64, mm (SSE) is the store.
inline void movq_P_Q(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Mmx>(c);
    set_mm(c, d.reg, read_Q(c, d));
}
template <SimdIsa I> void movq_Q_P(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<I>(c);
    if (d.mem()) {
        write_m64(c, d, mm(c, d.reg));
        mmx_state(c);
    } else {
        set_mm(c, d.rm, mm(c, d.reg));
    }
}

// ---- XMM registers: whole-register moves

// MOVAPS/MOVAPD/MOVDQA (aligned), MOVUPS/MOVUPD/MOVDQU: xmm, xmm/m128.
template <SimdIsa I, Align A> void mov_V_W(Cpu& c, const DecodedInsn& d) {
    sse_prologue<I>(c);
    xmm(c, d.reg) = read_W128(c, d, A);
}
// The stores xmm/m128, xmm; with a memory-only entry also MOVNTPS/MOVNTPD/MOVNTDQ.
template <SimdIsa I, Align A> void mov_W_V(Cpu& c, const DecodedInsn& d) {
    sse_prologue<I>(c);
    if (d.mem())
        write_m128(c, d, xmm(c, d.reg), A);
    else
        xmm(c, d.rm) = xmm(c, d.reg);
}

// ---- XMM registers: 32- and 64-bit parts

// MOVD xmm, r/m32 and MOVQ xmm, xmm/m64 (F3 0F 7E): the rest of the register is cleared.
inline void movd_V_E(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    xmm(c, d.reg) = Xmm{{read_Ed(c, d), 0}};
}
inline void movd_E_V(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    write_Ed(c, d, u32(xmm(c, d.reg).q[0]));
}
inline void movq_V_W(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    xmm(c, d.reg) = Xmm{{read_W64(c, d), 0}};
}
// MOVQ xmm/m64, xmm (66 0F D6): a register destination has its high quadword cleared.
inline void movq_W_V(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    const u64 v = xmm(c, d.reg).q[0];
    if (d.mem())
        write_m64(c, d, v);
    else
        xmm(c, d.rm) = Xmm{{v, 0}};
}

// MOVSS (T = u32, SSE) and MOVSD (T = u64, SSE2) loads: from memory the rest of the register is
// cleared, from a register only the low element is replaced.
template <class T> void movs_V_W(Cpu& c, const DecodedInsn& d) {
    sse_prologue<(sizeof(T) == 4 ? SimdIsa::Sse : SimdIsa::Sse2)>(c);
    Xmm& dst = xmm(c, d.reg);
    if (d.mem()) {
        dst = Xmm{{sizeof(T) == 4 ? read_m32(c, d) : read_m64(c, d), 0}};
    } else {
        V128 r = simd::vec(dst);
        r.set<T>(0, simd::vec(xmm(c, d.rm)).get<T>(0));
        dst = simd::to_xmm(r);
    }
}
template <class T> void movs_W_V(Cpu& c, const DecodedInsn& d) {
    sse_prologue<(sizeof(T) == 4 ? SimdIsa::Sse : SimdIsa::Sse2)>(c);
    const T v = simd::vec(xmm(c, d.reg)).get<T>(0);
    if (d.mem()) {
        if constexpr (sizeof(T) == 4)
            write_m32(c, d, v);
        else
            write_m64(c, d, v);
        return;
    }
    V128 r = simd::vec(xmm(c, d.rm));
    r.set<T>(0, v);
    xmm(c, d.rm) = simd::to_xmm(r);
}

// MOVLPS/MOVLPD (Half 0) and MOVHPS/MOVHPD (Half 1): a quadword between memory and one half of
// the register. MOVHLPS/MOVLHPS are the register forms of the loads (NP 0F 12/16, mod = 11):
// the destination half gets the source's other half.
template <SimdIsa I, unsigned Half> void movhl_V_M(Cpu& c, const DecodedInsn& d) {
    sse_prologue<I>(c);
    const u64 v = d.mem() ? read_m64(c, d) : xmm(c, d.rm).q[1 - Half];
    xmm(c, d.reg).q[Half] = v;
}
template <SimdIsa I, unsigned Half> void movhl_M_V(Cpu& c, const DecodedInsn& d) {
    sse_prologue<I>(c);
    write_m64(c, d, xmm(c, d.reg).q[Half]);
}

// MOVQ2DQ xmm, mm and MOVDQ2Q mm, xmm: SSE2 instructions that also make the x87 unit enter MMX
// state.
inline void movq2dq(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    fpu::x87_report_pending(c);
    xmm(c, d.reg) = Xmm{{mm(c, d.rm), 0}};
    mmx_state(c);
}
inline void movdq2q(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    fpu::x87_report_pending(c);
    set_mm(c, d.reg, xmm(c, d.rm).q[0]);
}

// MOVMSKPS (T = u32) / MOVMSKPD (T = u64) r32, xmm: the sign bits.
template <class T> void movmskp(Cpu& c, const DecodedInsn& d) {
    sse_prologue<(sizeof(T) == 4 ? SimdIsa::Sse : SimdIsa::Sse2)>(c);
    c.set_reg<4>(d.reg, simd::sign_mask<T>(simd::vec(xmm(c, d.rm))));
}

// MOVNTI m32, r32: a general-register store with a non-temporal hint; only CPUID gates it.
inline void movnti(Cpu& c, const DecodedInsn& d) {
    require_feature(c, kCpuidSse2);
    write_m32(c, d, c.reg<4>(d.reg));
}

} // namespace vmi86::handlers
