// Control registers, MSRs, CPUID and the TSS I/O permission bitmap.
#include "cpu/cpu.h"
#include <cstring>

namespace vmi86 {

void Cpu::write_cr0(u32 v) {
    // PG without PE, or NW without CD, is #GP(0).
    if ((v & CR0_PG) && !(v & CR0_PE)) fault(kGP, 0);
    if ((v & CR0_NW) && !(v & CR0_CD)) fault(kGP, 0);
    v = (v & (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD |
              CR0_PG)) |
        CR0_ET;
    u32 changed = s.cr0 ^ v;
    s.cr0 = v;
    if (changed & (CR0_PG | CR0_WP | CR0_PE)) flush_tlb(true);
    update_mode();
}

void Cpu::write_cr3(u32 v) {
    s.cr3 = v & 0xFFFFF018u;
    flush_tlb(false);
    tlbs_.retag_current(s.cr3);
}

void Cpu::write_cr4(u32 v) {
    // OSFXSR goes with FXSAVE/FXRSTOR (CPUID.FXSR), OSXMMEXCPT with SSE.
    u32 supported = CR4_DE | CR4_PSE | CR4_PGE | CR4_PCE | CR4_TSD;
    if (model.has(kCpuidFxsr)) supported |= CR4_OSFXSR;
    if (model.has(kCpuidSse)) supported |= CR4_OSXMMEXCPT;
    if (v & ~supported) fault(kGP, 0);
    u32 changed = s.cr4 ^ v;
    s.cr4 = v;
    if (changed & (CR4_PSE | CR4_PGE)) flush_tlb(true);
}

namespace {
enum : u32 {
    MSR_TSC = 0x10,
    MSR_APIC_BASE = 0x1B,
    MSR_BIOS_SIGN_ID = 0x8B, // microcode revision (high half) after a CPUID
    MSR_PLATFORM_ID = 0x17,
    MSR_PERFCTR0 = 0xC1,
    MSR_PERFEVTSEL0 = 0x186,
    MSR_MTRRCAP = 0xFE,
    MSR_SYSENTER_CS = 0x174,
    MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176,
    MSR_MCG_CAP = 0x179,
    MSR_MCG_STATUS = 0x17A,
    MSR_MISC_ENABLE = 0x1A0,
    MSR_MTRR_PHYS_BASE0 = 0x200,
    MSR_MTRR_FIX64K = 0x250,
    MSR_MTRR_FIX16K_80000 = 0x258,
    MSR_MTRR_FIX16K_A0000 = 0x259,
    MSR_MTRR_FIX4K_C0000 = 0x268,
    MSR_PAT = 0x277,
    MSR_MTRR_DEF_TYPE = 0x2FF,
};

int fixed_mtrr_index(u32 index) {
    if (index == MSR_MTRR_FIX64K) return 0;
    if (index == MSR_MTRR_FIX16K_80000) return 1;
    if (index == MSR_MTRR_FIX16K_A0000) return 2;
    if (index >= MSR_MTRR_FIX4K_C0000 && index <= MSR_MTRR_FIX4K_C0000 + 7)
        return 3 + int(index - MSR_MTRR_FIX4K_C0000);
    return -1;
}
} // namespace

bool Cpu::read_msr(u32 index, u64& v) {
    switch (index) {
    case MSR_TSC: v = read_tsc(); return true;
    case MSR_APIC_BASE: v = s.apic_base; return true;
    case MSR_BIOS_SIGN_ID: v = 0; return true; // no microcode update loaded
    case MSR_PLATFORM_ID: v = 0; return true;
    case MSR_PERFCTR0:
    case MSR_PERFCTR0 + 1: v = s.perf_ctr[index - MSR_PERFCTR0]; return true;
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL0 + 1: v = s.perf_evtsel[index - MSR_PERFEVTSEL0]; return true;
    case MSR_MTRRCAP: v = 0x508; return true; // 8 variable ranges, fixed ranges, write-combining
    case MSR_SYSENTER_CS: v = s.sysenter_cs; return true;
    case MSR_SYSENTER_ESP: v = s.sysenter_esp; return true;
    case MSR_SYSENTER_EIP: v = s.sysenter_eip; return true;
    case MSR_MCG_CAP:
    case MSR_MCG_STATUS: v = 0; return true;
    case MSR_MISC_ENABLE: v = s.misc_enable; return true;
    case MSR_PAT: v = s.pat; return true;
    case MSR_MTRR_DEF_TYPE: v = s.mtrr_def_type; return true;
    default: break;
    }
    if (index >= MSR_MTRR_PHYS_BASE0 && index < MSR_MTRR_PHYS_BASE0 + 16) {
        v = s.mtrr_var[index - MSR_MTRR_PHYS_BASE0];
        return true;
    }
    if (int f = fixed_mtrr_index(index); f >= 0) {
        v = s.mtrr_fixed[f];
        return true;
    }
    return false;
}

bool Cpu::write_msr(u32 index, u64 v) {
    switch (index) {
    case MSR_TSC: s.tsc_offset = v - s.retired; return true;
    case MSR_APIC_BASE:
        s.apic_base = (v & 0xFFFFF900ull) | (s.apic_base & 0x100);
        if (on_apic_base_write) on_apic_base_write(s.apic_base);
        return true;
    case MSR_SYSENTER_CS: s.sysenter_cs = u32(v) & 0xFFFF; return true;
    case MSR_SYSENTER_ESP: s.sysenter_esp = u32(v); return true;
    case MSR_SYSENTER_EIP: s.sysenter_eip = u32(v); return true;
    case MSR_MCG_STATUS:
    case MSR_BIOS_SIGN_ID: return true;
    // P6 performance counters are 40 bits wide; the event selects keep what is written.
    case MSR_PERFCTR0:
    case MSR_PERFCTR0 + 1: s.perf_ctr[index - MSR_PERFCTR0] = v & 0xFFFFFFFFFFull; return true;
    case MSR_PERFEVTSEL0:
    case MSR_PERFEVTSEL0 + 1:
        s.perf_evtsel[index - MSR_PERFEVTSEL0] = v & 0xFFFFFFFFull;
        return true;
    case MSR_MISC_ENABLE: s.misc_enable = v; return true;
    case MSR_PAT:
        for (unsigned i = 0; i < 8; ++i) {
            unsigned t = (v >> (8 * i)) & 0xFF;
            if (t == 2 || t == 3 || t > 7) return false;
        }
        s.pat = v;
        return true;
    case MSR_MTRR_DEF_TYPE: s.mtrr_def_type = v & 0xCFF; return true;
    default: break;
    }
    if (index >= MSR_MTRR_PHYS_BASE0 && index < MSR_MTRR_PHYS_BASE0 + 16) {
        s.mtrr_var[index - MSR_MTRR_PHYS_BASE0] = v & 0xFFFFFFFFFull;
        return true;
    }
    if (int f = fixed_mtrr_index(index); f >= 0) {
        s.mtrr_fixed[f] = v;
        return true;
    }
    return false;
}

void Cpu::cpuid(u32 leaf, u32& a, u32& b, u32& c, u32& d) const {
    a = b = c = d = 0;
    switch (leaf) {
    case 0: {
        a = 2;
        const char vendor[] = "GenuineIntel";
        std::memcpy(&b, vendor, 4);
        std::memcpy(&d, vendor + 4, 4);
        std::memcpy(&c, vendor + 8, 4);
        break;
    }
    case 1:
        a = model.signature;
        b = model.brand_clflush;
        d = model.features;
        if (has_local_apic && (s.apic_base & (1u << 11))) d |= kCpuidApic;
        break;
    case 2: // cache and TLB descriptors
        a = model.cache_descriptors[0];
        b = model.cache_descriptors[1];
        c = model.cache_descriptors[2];
        d = model.cache_descriptors[3];
        break;
    default: break;
    }
}

bool Cpu::io_permitted(u16 port, unsigned size) {
    if (!(s.tr.type() & 8) || !s.tr.valid || s.tr.limit < 0x67) return false;
    u32 base = read_sys(s.tr.base + 0x66, 2);
    u32 byte = base + port / 8;
    if (byte + 1 > s.tr.limit) return false;
    u32 bits = read_sys(s.tr.base + byte, 2);
    u32 mask = ((1u << size) - 1) << (port & 7);
    return (bits & mask) == 0;
}

} // namespace vmi86
