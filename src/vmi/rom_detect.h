// Finds a VMI ROM the way Linux does (VMI.md §1): physical 0xC0000-0xDFFFF in 2 KiB steps, the
// first image with the option ROM and VMI signatures, API major 3, a PCI data structure, and the
// licence "GPL" or "GPL v2". Works for vmi86's generated ROM and for a ROM file the user gives.
#pragma once
#include "common/log.h"
#include "common/types.h"
#include "devices/bus/memory_bus.h"
#include "vmi/calls.h"
#include <array>
#include <optional>
#include <span>
#include <string>

namespace vmi86::vmi {

constexpr u32 kScanStart = 0xC0000, kScanEnd = 0xE0000, kScanStep = 2048;

enum class RomVerdict : u8 {
    Ok,
    NoOptionRom,    // no 55 AA
    NoVmiSignature, // not "cVmi"
    BadApiMajor,    // Linux speaks API 3 only
    NoPciHeader,    // offset 0 (or outside the image)
    NoLicence,      // offset 0: Linux treats it as "unspecified"
    BadLicence,     // neither "GPL" nor "GPL v2"
};
const char* verdict_text(RomVerdict v);

struct DetectedRom {
    u32 phys_base = 0;
    u8 api_major = 0, api_minor = 0;
    std::string manufacturer = "UNKNOWN", product = "UNKNOWN", licence;
    bool pci_id_ok = false; // 15AD:0801 (Linux only warns otherwise)
    // vmi86's directory found: every slot is known up front. Otherwise the entry map is learnt
    // from the ROM's own GetRelocationInfo answers.
    bool ours = false;
    std::array<u16, kNumCalls> slot{};
};

// Checks one candidate: `image` holds the bytes from its start to the end of the scan window.
RomVerdict check_vmi_rom(std::span<const u8> image, DetectedRom* info = nullptr);

// Scans the option ROM area of `mem`; logs what it found (verbose) and why candidates with the
// option ROM signature were rejected.
std::optional<DetectedRom> scan_for_vmi_rom(MemoryBus& mem, Log& log);

} // namespace vmi86::vmi
