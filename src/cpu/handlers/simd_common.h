// What every MMX/SSE/SSE2 handler shares: the availability checks (CPU model, CR0.EM/TS,
// CR4.OSFXSR, pending x87 exceptions), the MMX registers (aliased on the x87 registers) and XMM
// registers, and the 32/64/128-bit memory operands with the SSE alignment rule.
#pragma once
#include "cpu/fpu/x87.h"
#include "cpu/handlers/common.h"
#include "cpu/simd/vec.h"

namespace vmi86::handlers {

using simd::V128;
using simd::V64;

// The extension an instruction comes from: the CPU model must have it, or it is #UD.
enum class SimdIsa : u8 { Mmx, Sse, Sse2 };

constexpr u32 cpuid_feature(SimdIsa isa) {
    return isa == SimdIsa::Mmx ? kCpuidMmx : isa == SimdIsa::Sse ? kCpuidSse : kCpuidSse2;
}

// ---- availability

// The x87 unit in MMX state, as every MMX instruction but EMMS leaves it: TOP = 0 and every
// register tagged valid (SDM Vol. 1 Table 9-3). Done when the instruction completes (set_mm does
// it), so an MMX instruction that faults on its memory operand changes nothing.
inline void mmx_state(Cpu& c) {
    c.s.fpu.sw &= u16(~fpu::kSwTop);
    c.s.fpu.tags = 0xFF;
}
// An instruction on MMX registers (MMX, and the SSE/SSE2 additions on MMX registers): #UD without
// the extension or with CR0.EM, #NM with CR0.TS, then a pending unmasked x87 exception is
// reported (#MF, or FERR# with CR0.NE clear) as by a waiting x87 instruction.
template <SimdIsa I> inline void mmx_prologue(Cpu& c) {
    if (!c.model.has(cpuid_feature(I)) || (c.s.cr0 & CR0_EM)) c.fault(kUD);
    if (c.s.cr0 & CR0_TS) c.fault(kNM);
    fpu::x87_report_pending(c);
}
// For an SSE instruction with an MMX register operand (after sse_prologue): the pending x87
// exception check and MMX state at once.
inline void enter_mmx_state(Cpu& c) {
    fpu::x87_report_pending(c);
    mmx_state(c);
}

// An instruction on XMM registers or MXCSR: #UD without the extension, with CR0.EM or without
// CR4.OSFXSR (the OS saves no XMM state), #NM with CR0.TS (SDM Vol. 3 Table 13-1, Vol. 2 "SIMD
// Floating-Point Exceptions" class tables).
template <SimdIsa I> inline void sse_prologue(Cpu& c) {
    if (!c.model.has(cpuid_feature(I)) || (c.s.cr0 & CR0_EM) || !(c.s.cr4 & CR4_OSFXSR))
        c.fault(kUD);
    if (c.s.cr0 & CR0_TS) c.fault(kNM);
}

// Instructions that touch no SIMD register (MOVNTI, the fences, CLFLUSH): only the CPUID check.
inline void require_feature(Cpu& c, u32 cpuid_bit) {
    if (!c.model.has(cpuid_bit)) c.fault(kUD);
}

// ---- registers

// MMn is the mantissa of the physical x87 register Rn (not ST(n)); a write sets its exponent
// and sign bits to all ones, as the SDM specifies, and completes the MMX state change.
inline u64 mm(const Cpu& c, unsigned n) { return c.s.fpu.r[n].mant; }
inline void set_mm(Cpu& c, unsigned n, u64 v) {
    c.s.fpu.r[n] = X87Register{v, 0xFFFF};
    mmx_state(c);
}
inline Xmm& xmm(Cpu& c, unsigned n) { return c.s.xmm[n]; }

// ---- memory

// Whether a 128-bit memory operand must be 16-byte aligned (#GP(0) otherwise). The SDM requires it
// of every legacy-SSE 128-bit memory operand except MOVUPS, MOVUPD, MOVDQU and MASKMOVDQU.
enum class Align : u8 { Any, Sixteen };

// Linear address of an N-byte operand at offset `off` of the instruction's segment, after the
// segment checks of the whole operand.
template <unsigned N>
inline u32 mem_lin(Cpu& c, const DecodedInsn& d, u32 off, bool write, Align align = Align::Any) {
    if (align == Align::Sixteen && ((c.s.seg[d.seg].base + off) & 15)) c.fault(kGP, 0);
    return c.seg_check<N>(d.seg, off, write);
}

// Before a multi-part store: a store crossing into a page it may not write faults before any
// part is written (both pages are checked, in address order).
template <unsigned N> inline void probe_store(Cpu& c, u32 lin) {
    if ((lin & 0xFFF) + N <= 0x1000) return;
    c.translate(lin, Access::Write, c.s.cpl == 3);
    c.translate((lin + N - 1) & ~0xFFFu, Access::Write, c.s.cpl == 3); // CR2: the page start
}

inline u64 read_lin64(Cpu& c, u32 lin) {
    return c.read_lin<4>(lin) | (u64(c.read_lin<4>(lin + 4)) << 32);
}
inline void write_lin64(Cpu& c, u32 lin, u64 v) {
    c.write_lin<4>(lin, u32(v));
    c.write_lin<4>(lin + 4, u32(v >> 32));
}

inline u32 read_m32(Cpu& c, const DecodedInsn& d) { return c.read<4>(d.seg, c.ea(d)); }
inline void write_m32(Cpu& c, const DecodedInsn& d, u32 v) { c.write<4>(d.seg, c.ea(d), v); }
inline u64 read_m64(Cpu& c, const DecodedInsn& d) {
    return read_lin64(c, mem_lin<8>(c, d, c.ea(d), false));
}
inline void write_m64(Cpu& c, const DecodedInsn& d, u64 v) {
    const u32 lin = mem_lin<8>(c, d, c.ea(d), true);
    probe_store<8>(c, lin);
    write_lin64(c, lin, v);
}
inline Xmm read_m128(Cpu& c, const DecodedInsn& d, Align align) {
    const u32 lin = mem_lin<16>(c, d, c.ea(d), false, align);
    return Xmm{{read_lin64(c, lin), read_lin64(c, lin + 8)}};
}
inline void write_m128(Cpu& c, const DecodedInsn& d, const Xmm& v, Align align) {
    const u32 lin = mem_lin<16>(c, d, c.ea(d), true, align);
    probe_store<16>(c, lin);
    write_lin64(c, lin, v.q[0]);
    write_lin64(c, lin + 8, v.q[1]);
}

// ---- ModRM operands in the SDM's notation: Q (MMX register or m64), W (XMM register or memory
// of the given width), E (general register or m32).

inline u64 read_Q(Cpu& c, const DecodedInsn& d) { return d.mem() ? read_m64(c, d) : mm(c, d.rm); }
inline Xmm read_W128(Cpu& c, const DecodedInsn& d, Align align) {
    return d.mem() ? read_m128(c, d, align) : xmm(c, d.rm);
}
inline u64 read_W64(Cpu& c, const DecodedInsn& d) {
    return d.mem() ? read_m64(c, d) : xmm(c, d.rm).q[0];
}
inline u32 read_W32(Cpu& c, const DecodedInsn& d) {
    return d.mem() ? read_m32(c, d) : u32(xmm(c, d.rm).q[0]);
}
inline u32 read_Ed(Cpu& c, const DecodedInsn& d) { return c.read_E<4>(d); }
inline void write_Ed(Cpu& c, const DecodedInsn& d, u32 v) { c.write_E<4>(d, v); }

} // namespace vmi86::handlers
