// Packed-integer instructions of MMX, SSE and SSE2 (and the SSE bitwise logic and unpacks, which
// are the same operations on XMM registers): the MMX form on mm, mm/m64 and the XMM form on xmm,
// xmm/m128 share the operation from cpu/simd/int_ops.h.
#pragma once
#include "cpu/handlers/simd_common.h"
#include "cpu/simd/int_ops.h"

namespace vmi86::handlers {

// op mm, mm/mN: N is 4 for the low unpacks (PUNPCKLBW mm, mm/m32 reads 32 bits).
template <SimdIsa I, class Op, unsigned MemBytes = 8> void mmx_op(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<I>(c);
    u64 src;
    if (MemBytes == 4 && d.mem())
        src = read_m32(c, d);
    else
        src = read_Q(c, d);
    set_mm(c, d.reg, simd::to_u64(Op::apply(simd::vec(mm(c, d.reg)), simd::vec(src))));
}

// op xmm, xmm/m128 (16-byte aligned memory).
template <SimdIsa I, class Op> void xmm_op(Cpu& c, const DecodedInsn& d) {
    sse_prologue<I>(c);
    const Xmm src = read_W128(c, d, Align::Sixteen);
    Xmm& dst = xmm(c, d.reg);
    dst = simd::to_xmm(Op::apply(simd::vec(dst), simd::vec(src)));
}

// Shifts by a count in a register or memory: PSLLW mm, mm/m64 and PSLLW xmm, xmm/m128 (the count
// is the low quadword).
template <class Op> void mmx_shift(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Mmx>(c);
    const u64 count = read_Q(c, d);
    set_mm(c, d.reg, simd::to_u64(Op::apply(simd::vec(mm(c, d.reg)), count)));
}
template <class Op> void xmm_shift(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    const u64 count = read_W128(c, d, Align::Sixteen).q[0];
    Xmm& dst = xmm(c, d.reg);
    dst = simd::to_xmm(Op::apply(simd::vec(dst), count));
}
// Shifts by an immediate (groups 0F 71/72/73, register operand in ModRM rm).
template <class Op> void mmx_shift_imm(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Mmx>(c);
    set_mm(c, d.rm, simd::to_u64(Op::apply(simd::vec(mm(c, d.rm)), u8(d.imm))));
}
template <class Op> void xmm_shift_imm(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    Xmm& dst = xmm(c, d.rm);
    dst = simd::to_xmm(Op::apply(simd::vec(dst), u8(d.imm)));
}

// ---- shuffles

// PSHUFW mm, mm/m64, imm8: word i of the result is source word imm[2i+1:2i].
inline void pshufw(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Sse>(c);
    const V64 src = simd::vec(read_Q(c, d));
    V64 r;
    for (unsigned i = 0; i < 4; ++i) r.set<u16>(i, src.get<u16>((d.imm >> (2 * i)) & 3));
    set_mm(c, d.reg, simd::to_u64(r));
}

// PSHUFD (T = u32, the whole register), PSHUFLW/PSHUFHW (T = u16 in the low/high quadword, the
// other quadword copied).
enum class ShuffleHalf : u8 { All, Low, High };
template <ShuffleHalf H> void pshuf_xmm(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    const V128 src = simd::vec(read_W128(c, d, Align::Sixteen));
    V128 r = src;
    for (unsigned i = 0; i < 4; ++i) {
        const unsigned sel = (d.imm >> (2 * i)) & 3;
        if constexpr (H == ShuffleHalf::All)
            r.set<u32>(i, src.get<u32>(sel));
        else if constexpr (H == ShuffleHalf::Low)
            r.set<u16>(i, src.get<u16>(sel));
        else
            r.set<u16>(4 + i, src.get<u16>(4 + sel));
    }
    xmm(c, d.reg) = simd::to_xmm(r);
}

// SHUFPS: the low two dwords from the destination, the high two from the source; SHUFPD: the
// low quadword from the destination, the high from the source.
template <class T> void shufp(Cpu& c, const DecodedInsn& d) {
    sse_prologue<(sizeof(T) == 4 ? SimdIsa::Sse : SimdIsa::Sse2)>(c);
    const V128 src = simd::vec(read_W128(c, d, Align::Sixteen));
    Xmm& dst = xmm(c, d.reg);
    const V128 a = simd::vec(dst);
    V128 r;
    constexpr unsigned lanes = 16 / sizeof(T), bits = lanes / 2 == 2 ? 2 : 1;
    for (unsigned i = 0; i < lanes; ++i) {
        const unsigned sel = (d.imm >> (bits * i)) & (lanes - 1);
        r.set<T>(i, i < lanes / 2 ? a.get<T>(sel) : src.get<T>(sel));
    }
    dst = simd::to_xmm(r);
}

// ---- word insert/extract, byte masks

// PINSRW mm, r32/m16, imm8 and PINSRW xmm, r32/m16, imm8.
inline u16 pinsrw_source(Cpu& c, const DecodedInsn& d) {
    return u16(d.mem() ? c.read<2>(d.seg, c.ea(d)) : c.reg<4>(d.rm));
}
inline void pinsrw_mm(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Sse>(c);
    V64 r = simd::vec(mm(c, d.reg));
    r.set<u16>(d.imm & 3, pinsrw_source(c, d));
    set_mm(c, d.reg, simd::to_u64(r));
}
inline void pinsrw_xmm(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    V128 r = simd::vec(xmm(c, d.reg));
    r.set<u16>(d.imm & 7, pinsrw_source(c, d));
    xmm(c, d.reg) = simd::to_xmm(r);
}
// PEXTRW r32, mm, imm8 and PEXTRW r32, xmm, imm8 (register operands only).
inline void pextrw_mm(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Sse>(c);
    c.set_reg<4>(d.reg, simd::vec(mm(c, d.rm)).get<u16>(d.imm & 3));
    mmx_state(c);
}
inline void pextrw_xmm(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    c.set_reg<4>(d.reg, simd::vec(xmm(c, d.rm)).get<u16>(d.imm & 7));
}

// PMOVMSKB r32, mm / xmm.
inline void pmovmskb_mm(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Sse>(c);
    c.set_reg<4>(d.reg, simd::sign_mask<u8>(simd::vec(mm(c, d.rm))));
    mmx_state(c);
}
inline void pmovmskb_xmm(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    c.set_reg<4>(d.reg, simd::sign_mask<u8>(simd::vec(xmm(c, d.rm))));
}

// MASKMOVQ mm1, mm2 / MASKMOVDQU xmm1, xmm2: stores the bytes of the first operand whose mask
// byte (second operand) has its top bit set to DS:(E)DI (the segment may be overridden). Every
// byte is checked before any is written, so a fault leaves memory unchanged.
template <unsigned N>
void maskmov_store(Cpu& c, const DecodedInsn& d, const simd::Vec<N>& data,
                   const simd::Vec<N>& mask) {
    const u32 off = d.addrsize == 4 ? c.s.gpr[EDI].r32 : c.s.gpr[EDI].r16;
    if (!simd::sign_mask<u8>(mask)) return; // no byte selected: no access at all
    const u32 lin = c.seg_check<N>(d.seg, off, true);
    probe_store<N>(c, lin);
    for (unsigned i = 0; i < N; ++i)
        if (mask.b[i] & 0x80) c.write_lin<1>(lin + i, data.b[i]);
}
inline void maskmovq(Cpu& c, const DecodedInsn& d) {
    mmx_prologue<SimdIsa::Sse>(c);
    maskmov_store(c, d, simd::vec(mm(c, d.reg)), simd::vec(mm(c, d.rm)));
    mmx_state(c);
}
inline void maskmovdqu(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse2>(c);
    maskmov_store(c, d, simd::vec(xmm(c, d.reg)), simd::vec(xmm(c, d.rm)));
}

} // namespace vmi86::handlers
