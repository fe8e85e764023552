// The Intel MultiProcessor Specification 1.4 tables a PC BIOS leaves for the OS (as SeaBIOS does
// under QEMU): the MP floating pointer structure ("_MP_") and the MP configuration table
// ("PCMP") it points to, describing one processor, the PCI and ISA buses, one I/O APIC, the ISA
// IRQ wiring to the I/O APIC and the local APIC's LINT0/LINT1. Without them (and without ACPI)
// Linux never uses the I/O APIC, since nothing tells it where the chip is.
#pragma once
#include "common/types.h"
#include <vector>

namespace vmi86 {

struct MpTableConfig {
    u32 local_apic_address = 0xFEE00000;
    u8 local_apic_id = 0;
    u8 local_apic_version = 0; // bits 7:0 of the local APIC version register
    u32 cpu_signature = 0;     // CPUID.1:EAX
    u32 cpu_features = 0;      // CPUID.1:EDX
    u32 io_apic_address = 0xFEC00000;
    u8 io_apic_id = 0;
    u8 io_apic_version = 0; // bits 7:0 of the I/O APIC version register
};

// MP spec 1.4 entry type codes and the bus IDs the table uses (PCI buses first, then ISA, as
// SeaBIOS numbers them).
enum class MpEntry : u8 { Processor = 0, Bus = 1, IoApic = 2, IoInterrupt = 3, LocalInterrupt = 4 };
inline constexpr u8 kMpPciBusId = 0, kMpIsaBusId = 1;

// The floating pointer at `base` followed by the configuration table (at base + 16), as the bytes
// to copy to guest physical address `base`; under 1 KiB, so it fits the last KiB of base memory.
std::vector<u8> build_mp_table(u32 base, const MpTableConfig& config);

} // namespace vmi86
