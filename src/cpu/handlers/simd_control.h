// SIMD state and memory-ordering instructions: EMMS, LDMXCSR/STMXCSR, the fences, CLFLUSH. The
// caches and write-combining buffers they manage do not exist here, so the fences and CLFLUSH
// only check their operands.
#pragma once
#include "cpu/handlers/simd_common.h"

namespace vmi86::handlers {

// EMMS: every x87 register tagged empty and TOP = 0 (SDM Vol. 1 Table 9-3; a Core i7 agrees).
inline void emms(Cpu& c, const DecodedInsn&) {
    if (!c.model.has(kCpuidMmx) || (c.s.cr0 & CR0_EM)) c.fault(kUD);
    if (c.s.cr0 & CR0_TS) c.fault(kNM);
    fpu::x87_report_pending(c);
    c.s.fpu.sw &= u16(~fpu::kSwTop);
    c.s.fpu.tags = 0;
}

// LDMXCSR m32: #GP(0) when a reserved bit is set (DAZ too on models without it). STMXCSR m32.
inline void ldmxcsr(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse>(c);
    const u32 v = read_m32(c, d);
    if (v & ~c.model.mxcsr_writable()) c.fault(kGP, 0);
    c.s.fpu.mxcsr = v;
}
inline void stmxcsr(Cpu& c, const DecodedInsn& d) {
    sse_prologue<SimdIsa::Sse>(c);
    write_m32(c, d, c.s.fpu.mxcsr);
}

// SFENCE (SSE), LFENCE and MFENCE (SSE2): memory is always in order here.
template <u32 CpuidBit> void fence(Cpu& c, const DecodedInsn&) { require_feature(c, CpuidBit); }

// CLFLUSH m8: the byte is checked as a load would be (segment, page), nothing is read.
inline void clflush(Cpu& c, const DecodedInsn& d) {
    require_feature(c, kCpuidClfsh);
    const u32 lin = c.seg_check<1>(d.seg, c.ea(d), false);
    c.translate(lin, Access::Read, c.s.cpl == 3);
}

} // namespace vmi86::handlers
