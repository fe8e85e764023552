// System instructions: descriptor tables, control and debug registers, MSRs, CPUID, TSC, flag
// control (CLI/STI with the IOPL rules), HLT, I/O ports, SYSENTER/SYSEXIT, and #UD forms.
#pragma once
#include "cpu/fpu/x87.h"
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

// ---- flag control
inline void clc(Cpu& c, const DecodedInsn&) { set_cf(c, false); }
inline void stc(Cpu& c, const DecodedInsn&) { set_cf(c, true); }
inline void cmc(Cpu& c, const DecodedInsn&) { set_cf(c, !c.cf()); }
inline void cld(Cpu& c, const DecodedInsn&) { c.s.eflags &= ~FLAG_DF; }
inline void std_(Cpu& c, const DecodedInsn&) { c.s.eflags |= FLAG_DF; }

inline void check_if_change(Cpu& c) {
    if (c.protected_mode() && (c.v86() ? c.iopl() < 3 : c.s.cpl > c.iopl())) c.fault(kGP, 0);
}
inline void cli(Cpu& c, const DecodedInsn&) {
    check_if_change(c);
    c.s.eflags &= ~FLAG_IF;
}
inline void sti(Cpu& c, const DecodedInsn&) {
    check_if_change(c);
    if (!(c.s.eflags & FLAG_IF)) c.s.inhibit_irq_eip = c.s.eip; // one-instruction shadow
    c.s.eflags |= FLAG_IF;
}

inline void hlt(Cpu& c, const DecodedInsn&) {
    require_cpl0(c);
    c.s.halted = true;
}

inline void ud(Cpu& c, const DecodedInsn&) { c.fault(kUD); }

// WAIT/FWAIT: #NM when MP and TS are set (lazy FPU switching), else reports a pending unmasked
// x87 exception (#MF, or FERR# without CR0.NE).
inline void fwait(Cpu& c, const DecodedInsn&) {
    if ((c.s.cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) c.fault(kNM);
    fpu::x87_report_pending(c);
}

// ---- I/O
template <unsigned S> void in_imm(Cpu& c, const DecodedInsn& d) {
    u16 port = u16(d.imm & 0xFF);
    c.check_io(port, S);
    c.set_reg<S>(EAX, c.io.read(port, S));
}
template <unsigned S> void out_imm(Cpu& c, const DecodedInsn& d) {
    u16 port = u16(d.imm & 0xFF);
    c.check_io(port, S);
    c.io.write(port, S, c.reg<S>(EAX));
}
template <unsigned S> void in_dx(Cpu& c, const DecodedInsn&) {
    u16 port = c.s.gpr[EDX].r16;
    c.check_io(port, S);
    c.set_reg<S>(EAX, c.io.read(port, S));
}
template <unsigned S> void out_dx(Cpu& c, const DecodedInsn&) {
    u16 port = c.s.gpr[EDX].r16;
    c.check_io(port, S);
    c.io.write(port, S, c.reg<S>(EAX));
}

// ---- descriptor tables
template <unsigned S> inline void load_table_reg(Cpu& c, const DecodedInsn& d, TableReg& t) {
    require_cpl0(c);
    if (c.v86()) c.fault(kGP, 0);
    u32 a = c.ea(d);
    u32 a2 = d.addrsize == 2 ? (a + 2) & 0xFFFF : a + 2;
    u32 limit = c.read<2>(d.seg, a);
    u32 base = c.read<4>(d.seg, a2);
    if (S == 2) base &= 0xFFFFFF;
    t.limit = limit;
    t.base = base;
}
template <unsigned S> inline void store_table_reg(Cpu& c, const DecodedInsn& d, const TableReg& t) {
    u32 a = c.ea(d);
    u32 a2 = d.addrsize == 2 ? (a + 2) & 0xFFFF : a + 2;
    c.write<2>(d.seg, a, t.limit);
    c.write<4>(d.seg, a2, S == 2 ? (t.base & 0xFFFFFF) : t.base);
}
template <unsigned S> void lgdt(Cpu& c, const DecodedInsn& d) { load_table_reg<S>(c, d, c.s.gdtr); }
template <unsigned S> void lidt(Cpu& c, const DecodedInsn& d) { load_table_reg<S>(c, d, c.s.idtr); }
template <unsigned S> void sgdt(Cpu& c, const DecodedInsn& d) {
    store_table_reg<S>(c, d, c.s.gdtr);
}
template <unsigned S> void sidt(Cpu& c, const DecodedInsn& d) {
    store_table_reg<S>(c, d, c.s.idtr);
}

template <unsigned S> inline void store_selector(Cpu& c, const DecodedInsn& d, u16 sel) {
    if (d.mod == 3)
        c.set_reg<S>(d.rm, sel);
    else
        c.write<2>(d.seg, c.ea(d), sel);
}
template <unsigned S> void sldt(Cpu& c, const DecodedInsn& d) {
    require_protected(c);
    store_selector<S>(c, d, c.s.ldtr.selector);
}
template <unsigned S> void str_(Cpu& c, const DecodedInsn& d) {
    require_protected(c);
    store_selector<S>(c, d, c.s.tr.selector);
}

inline void lldt(Cpu& c, const DecodedInsn& d) {
    require_protected(c);
    require_cpl0(c);
    u16 sel = u16(c.read_E<2>(d));
    if ((sel & 0xFFFC) == 0) {
        c.s.ldtr = SegmentCache{};
        c.s.ldtr.selector = sel;
        c.s.ldtr.valid = false;
        return;
    }
    if (sel & 4) c.fault(kGP, sel & 0xFFFC);
    u64 desc = c.read_descriptor(sel, sel & 0xFFFC);
    if (((desc >> 40) & 0x1F) != 2) c.fault(kGP, sel & 0xFFFC);
    if (!((desc >> 47) & 1)) c.fault(kNP, sel & 0xFFFC);
    Cpu::set_cache_from_descriptor(c.s.ldtr, sel, desc);
}

inline void ltr(Cpu& c, const DecodedInsn& d) {
    require_protected(c);
    require_cpl0(c);
    u16 sel = u16(c.read_E<2>(d));
    if ((sel & 0xFFFC) == 0) c.fault(kGP, 0);
    if (sel & 4) c.fault(kGP, sel & 0xFFFC);
    u64 desc = c.read_descriptor(sel, sel & 0xFFFC);
    unsigned type = (desc >> 40) & 0x1F;
    if (type != 1 && type != 9) c.fault(kGP, sel & 0xFFFC);
    if (!((desc >> 47) & 1)) c.fault(kNP, sel & 0xFFFC);
    desc |= 2ull << 40; // busy
    c.write_sys(c.descriptor_address(sel) + 5, 1, u32(desc >> 40) & 0xFF);
    Cpu::set_cache_from_descriptor(c.s.tr, sel, desc);
}

// LAR/LSL/VERR/VERW: ZF reports whether the selector passes the checks; nothing faults on a bad
// selector.
inline bool accessible_descriptor(Cpu& c, u16 sel, u64& desc) {
    if ((sel & 0xFFFC) == 0 || !c.fetch_descriptor(sel, desc)) return false;
    bool seg = (desc >> 44) & 1;
    bool conforming_code = seg && ((desc >> 42) & 3) == 3;
    unsigned dpl = (desc >> 45) & 3;
    if (!conforming_code && (dpl < c.s.cpl || dpl < (sel & 3u))) return false;
    return true;
}

template <unsigned S> void lar(Cpu& c, const DecodedInsn& d) {
    require_protected(c);
    u16 sel = u16(c.read_E<2>(d));
    u64 desc;
    bool ok = accessible_descriptor(c, sel, desc);
    if (ok && !((desc >> 44) & 1)) {
        static constexpr bool valid[16] = {0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0};
        ok = valid[(desc >> 40) & 0xF];
    }
    if (ok) c.set_reg<S>(d.reg, u32(desc >> 32) & 0x00F0FF00u);
    set_zf(c, ok);
}

template <unsigned S> void lsl(Cpu& c, const DecodedInsn& d) {
    require_protected(c);
    u16 sel = u16(c.read_E<2>(d));
    u64 desc;
    bool ok = accessible_descriptor(c, sel, desc);
    if (ok && !((desc >> 44) & 1)) {
        static constexpr bool valid[16] = {0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0};
        ok = valid[(desc >> 40) & 0xF];
    }
    if (ok) {
        SegmentCache sc;
        Cpu::set_cache_from_descriptor(sc, sel, desc);
        c.set_reg<S>(d.reg, sc.limit);
    }
    set_zf(c, ok);
}

inline void verify(Cpu& c, const DecodedInsn& d, bool write) {
    require_protected(c);
    u16 sel = u16(c.read_E<2>(d));
    u64 desc;
    bool ok = accessible_descriptor(c, sel, desc) && ((desc >> 44) & 1);
    if (ok) {
        bool code = (desc >> 43) & 1, rw = (desc >> 41) & 1;
        ok = write ? (!code && rw) : (!code || rw);
    }
    set_zf(c, ok);
}
inline void verr(Cpu& c, const DecodedInsn& d) { verify(c, d, false); }
inline void verw(Cpu& c, const DecodedInsn& d) { verify(c, d, true); }

template <unsigned S> void smsw(Cpu& c, const DecodedInsn& d) {
    if (d.mod == 3)
        c.set_reg<S>(d.rm, c.s.cr0);
    else
        c.write<2>(d.seg, c.ea(d), c.s.cr0);
}

inline void lmsw(Cpu& c, const DecodedInsn& d) {
    require_cpl0(c);
    u32 v = c.read_E<2>(d) & 0xF;
    // LMSW can set PE but never clear it.
    u32 cr0 = (c.s.cr0 & ~0xEu) | v | (c.s.cr0 & CR0_PE);
    c.write_cr0(cr0);
}

inline void clts(Cpu& c, const DecodedInsn&) {
    require_cpl0(c);
    c.s.cr0 &= ~CR0_TS;
}

inline void invd(Cpu& c, const DecodedInsn&) { require_cpl0(c); }

inline void invlpg(Cpu& c, const DecodedInsn& d) {
    require_cpl0(c);
    c.invlpg(c.s.seg[d.seg].base + c.ea(d));
}

// ---- control and debug registers
inline void mov_R_C(Cpu& c, const DecodedInsn& d) {
    require_cpl0(c);
    u32 v;
    switch (d.reg) {
    case 0: v = c.s.cr0; break;
    case 2: v = c.s.cr2; break;
    case 3: v = c.s.cr3; break;
    case 4: v = c.s.cr4; break;
    default: c.fault(kUD);
    }
    c.set_reg<4>(d.rm, v);
}

inline void mov_C_R(Cpu& c, const DecodedInsn& d) {
    require_cpl0(c);
    u32 v = c.reg<4>(d.rm);
    switch (d.reg) {
    case 0: c.write_cr0(v); break;
    case 2: c.s.cr2 = v; break;
    case 3: c.write_cr3(v); break;
    case 4: c.write_cr4(v); break;
    default: c.fault(kUD);
    }
}

inline unsigned debug_reg_index(Cpu& c, unsigned r) {
    if (r == 4 || r == 5) {
        if (c.s.cr4 & CR4_DE) c.fault(kUD);
        return r + 2;
    }
    return r;
}

inline void mov_R_D(Cpu& c, const DecodedInsn& d) {
    require_cpl0(c);
    c.set_reg<4>(d.rm, c.s.dr[debug_reg_index(c, d.reg)]);
}

inline void mov_D_R(Cpu& c, const DecodedInsn& d) {
    require_cpl0(c);
    unsigned r = debug_reg_index(c, d.reg);
    u32 v = c.reg<4>(d.rm);
    if (r == 6) v = (v & 0xE00F) | 0xFFFF0FF0u;
    if (r == 7) v = (v & 0xFFFF23FFu) | 0x400;
    c.s.dr[r] = v;
}

// ---- model-specific
inline void rdmsr(Cpu& c, const DecodedInsn&) {
    require_cpl0(c);
    u64 v;
    if (!c.read_msr(c.s.gpr[ECX].r32, v)) c.fault(kGP, 0);
    c.s.gpr[EAX].r64 = u32(v);
    c.s.gpr[EDX].r64 = u32(v >> 32);
}

inline void wrmsr(Cpu& c, const DecodedInsn&) {
    require_cpl0(c);
    u64 v = (u64(c.s.gpr[EDX].r32) << 32) | c.s.gpr[EAX].r32;
    if (!c.write_msr(c.s.gpr[ECX].r32, v)) c.fault(kGP, 0);
}

inline void rdtsc(Cpu& c, const DecodedInsn&) {
    if ((c.s.cr4 & CR4_TSD) && c.s.cpl != 0 && c.protected_mode()) c.fault(kGP, 0);
    u64 t = c.read_tsc();
    c.s.gpr[EAX].r64 = u32(t);
    c.s.gpr[EDX].r64 = u32(t >> 32);
}

inline void rdpmc(Cpu& c, const DecodedInsn&) {
    if (c.s.gpr[ECX].r32 > 1) c.fault(kGP, 0);
    if (!(c.s.cr4 & CR4_PCE) && c.s.cpl != 0 && c.protected_mode()) c.fault(kGP, 0);
    c.s.gpr[EAX].r64 = 0;
    c.s.gpr[EDX].r64 = 0;
}

inline void cpuid(Cpu& c, const DecodedInsn&) {
    u32 a, b, cx, dx;
    c.cpuid(c.s.gpr[EAX].r32, a, b, cx, dx);
    c.s.gpr[EAX].r64 = a;
    c.s.gpr[EBX].r64 = b;
    c.s.gpr[ECX].r64 = cx;
    c.s.gpr[EDX].r64 = dx;
}

// ---- fast system calls
inline void flat_segment(SegmentCache& sc, u16 sel, bool code, unsigned dpl) {
    sc.selector = sel;
    sc.base = 0;
    sc.limit = 0xFFFFFFFFu;
    sc.lim_lo = 0;
    sc.lim_hi = 0xFFFFFFFFu;
    sc.attr = u16((code ? 0xB : 0x3) | 0x10 | (dpl << 5) | 0x80 | 0xC000);
    sc.access = code ? 1 : 3;
    sc.valid = true;
}

inline void sysenter(Cpu& c, const DecodedInsn&) {
    if (!c.protected_mode() || (c.s.sysenter_cs & 0xFFFC) == 0) c.fault(kGP, 0);
    c.s.eflags &= ~(FLAG_VM | FLAG_IF | FLAG_RF);
    u16 cs = u16(c.s.sysenter_cs & 0xFFFC);
    flat_segment(c.s.seg[CS], cs, true, 0);
    flat_segment(c.s.seg[SS], u16(cs + 8), false, 0);
    c.s.gpr[ESP].r64 = c.s.sysenter_esp;
    c.s.eip = c.s.sysenter_eip;
    c.set_cpl(0);
}

inline void sysexit(Cpu& c, const DecodedInsn&) {
    if (!c.protected_mode() || c.v86() || c.s.cpl != 0 || (c.s.sysenter_cs & 0xFFFC) == 0)
        c.fault(kGP, 0);
    u16 cs = u16(c.s.sysenter_cs);
    flat_segment(c.s.seg[CS], u16((cs + 16) | 3), true, 3);
    flat_segment(c.s.seg[SS], u16((cs + 24) | 3), false, 3);
    c.s.gpr[ESP].r64 = c.s.gpr[ECX].r32;
    c.s.eip = c.s.gpr[EDX].r32;
    c.set_cpl(3);
}

} // namespace vmi86::handlers
