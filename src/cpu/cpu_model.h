// The CPU models vmi86 can be: what CPUID reports and which instruction-set extensions exist.
// An instruction of an extension the model lacks is #UD, so a guest sees one consistent CPU.
#pragma once
#include "common/types.h"
#include <span>
#include <string_view>

namespace vmi86 {

// CPUID.1:EDX feature bits (Intel SDM Vol. 2A, CPUID, Table 3-11).
inline constexpr u32 kCpuidFpu = 1u << 0;
inline constexpr u32 kCpuidDe = 1u << 2;
inline constexpr u32 kCpuidPse = 1u << 3;
inline constexpr u32 kCpuidTsc = 1u << 4;
inline constexpr u32 kCpuidMsr = 1u << 5;
inline constexpr u32 kCpuidCx8 = 1u << 8;
inline constexpr u32 kCpuidApic = 1u << 9;
inline constexpr u32 kCpuidSep = 1u << 11;
inline constexpr u32 kCpuidMtrr = 1u << 12;
inline constexpr u32 kCpuidPge = 1u << 13;
inline constexpr u32 kCpuidCmov = 1u << 15;
inline constexpr u32 kCpuidPat = 1u << 16;
inline constexpr u32 kCpuidClfsh = 1u << 19;
inline constexpr u32 kCpuidMmx = 1u << 23;
inline constexpr u32 kCpuidFxsr = 1u << 24;
inline constexpr u32 kCpuidSse = 1u << 25;
inline constexpr u32 kCpuidSse2 = 1u << 26;

struct CpuModel {
    std::string_view name;        // --cpu NAME
    std::string_view description; // for --help and logs
    u32 signature;                // CPUID.1:EAX (family, model, stepping); EDX after reset
    u32 features;                 // CPUID.1:EDX, without APIC (the board decides that one)
    u32 brand_clflush;            // CPUID.1:EBX: bits 15-8 the CLFLUSH line size in 8-byte units
    u32 cache_descriptors[4];     // CPUID.2: EAX, EBX, ECX, EDX
    // FXSAVE's MXCSR_MASK field: the MXCSR bits LDMXCSR and FXRSTOR accept (others are #GP),
    // or 0 on processors before the field existed, meaning 0xFFBF: all but DAZ (SDM Vol. 1
    // 11.6.3 and 11.6.6; DAZ came with the Pentium 4, bit 6 of the mask tells it).
    u32 mxcsr_mask_field;

    bool has(u32 feature) const { return (features & feature) == feature; }
    u32 mxcsr_writable() const { return mxcsr_mask_field ? mxcsr_mask_field : 0xFFBFu; }
};

std::span<const CpuModel> cpu_models();
// The model called `name`, or null.
const CpuModel* find_cpu_model(std::string_view name);
// The most capable model: what a machine is unless told otherwise.
const CpuModel& default_cpu_model();

} // namespace vmi86
