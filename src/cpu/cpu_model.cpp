#include "cpu/cpu_model.h"
#include <array>

namespace vmi86 {

namespace {

// What every model has: the P6 integer and system ISA and FXSAVE/FXRSTOR. No MCE/MCA, no PAE.
constexpr u32 kP6Features = kCpuidFpu | kCpuidDe | kCpuidPse | kCpuidTsc | kCpuidMsr | kCpuidCx8 |
                            kCpuidSep | kCpuidMtrr | kCpuidPge | kCpuidCmov | kCpuidPat |
                            kCpuidFxsr | kCpuidMmx;

constexpr std::array<CpuModel, 3> kModels = {{
    {"pentium2",
     "Pentium II (Deschutes): MMX, FXSR",
     0x0652,
     kP6Features,
     0,
     // 32 KiB L1 (split), 512 KiB L2, the TLBs
     {0x03020101, 0, 0, 0x0C040843},
     0},
    {"pentium3",
     "Pentium III (Katmai): MMX, FXSR, SSE",
     0x0672,
     kP6Features | kCpuidSse,
     0,
     {0x03020101, 0, 0, 0x0C040843},
     0},
    {"pentium4",
     "Pentium 4 (Northwood): MMX, FXSR, SSE, SSE2, CLFLUSH",
     0x0F24,
     kP6Features | kCpuidSse | kCpuidSse2 | kCpuidClfsh,
     8u << 8, // CLFLUSH line size: 64 bytes
     // trace cache, 8 KiB L1 data, 512 KiB L2, the TLBs
     {0x665B5001, 0, 0, 0x007A7040},
     0xFFFF}, // DAZ (all but some early steppings have it: SDM Vol. 1 11.6.3)
}};

} // namespace

std::span<const CpuModel> cpu_models() { return kModels; }

const CpuModel* find_cpu_model(std::string_view name) {
    for (const CpuModel& m : kModels)
        if (m.name == name) return &m;
    return nullptr;
}

const CpuModel& default_cpu_model() { return kModels.back(); }

} // namespace vmi86
