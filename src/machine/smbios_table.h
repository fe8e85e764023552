// The SMBIOS 2.8 tables a PC BIOS leaves for the OS (as SeaBIOS does under QEMU): the 32-bit
// entry point ("_SM_" with the legacy "_DMI_" anchor inside it) and the structure table after it,
// describing the BIOS, the system, its chassis, the one processor and the RAM. Linux reads them
// for its "DMI:" line and DMI quirk matching; without them it says "DMI not present or invalid".
#pragma once
#include "common/types.h"
#include <string>
#include <vector>

namespace vmi86 {

struct SmbiosConfig {
    u64 ram_bytes = 0;
    u32 cpu_signature = 0;                   // CPUID.1:EAX
    u32 cpu_features = 0;                    // CPUID.1:EDX
    std::string cpu_vendor = "GenuineIntel"; // CPUID.0
    std::string cpu_version;                 // e.g. "Pentium III (Katmai)"; empty: none
};

// Structure types (SMBIOS 2.8, chapter 7). Each structure's handle is its type << 8, as QEMU
// numbers them.
enum class SmbiosType : u8 {
    Bios = 0,
    System = 1,
    Chassis = 3,
    Processor = 4,
    MemoryArray = 16,
    MemoryDevice = 17,
    MemoryArrayMappedAddress = 19,
    SystemBoot = 32,
    EndOfTable = 127,
};
inline constexpr u16 smbios_handle(SmbiosType t) { return u16(u16(t) << 8); }

inline constexpr unsigned kSmbiosEntryPointSize = 0x1F;
// Offset of the structure table from the entry point: the next paragraph.
inline constexpr unsigned kSmbiosTableOffset = 0x20;

// The entry point at `base` followed by the structure table (at base + kSmbiosTableOffset), as
// the bytes to copy to guest physical address `base`.
std::vector<u8> build_smbios_table(u32 base, const SmbiosConfig& config);

// The SMBIOS processor family (SMBIOS 2.8 7.5.2) of an Intel CPUID.1:EAX signature.
u8 smbios_processor_family(u32 cpu_signature);

} // namespace vmi86
