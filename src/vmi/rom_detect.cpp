#include "vmi/rom_detect.h"
#include "common/bits.h"
#include "vmi/rom_image.h"
#include <cstring>
#include <vector>

namespace vmi86::vmi {

namespace {
// A NUL-terminated string at `off`, or nullopt if it runs off the image.
std::optional<std::string> string_at(std::span<const u8> img, u32 off) {
    std::string s;
    for (u32 i = off; i < img.size(); ++i) {
        if (img[i] == 0) return s;
        s += char(img[i]);
    }
    return std::nullopt;
}
} // namespace

const char* verdict_text(RomVerdict v) {
    switch (v) {
    case RomVerdict::Ok: return "ok";
    case RomVerdict::NoOptionRom: return "no option ROM signature";
    case RomVerdict::NoVmiSignature: return "no VMI signature";
    case RomVerdict::BadApiMajor: return "API major version is not 3";
    case RomVerdict::NoPciHeader: return "no PCI data structure";
    case RomVerdict::NoLicence: return "no licence string";
    case RomVerdict::BadLicence: return "licence is not GPL";
    }
    return "?";
}

RomVerdict check_vmi_rom(std::span<const u8> img, DetectedRom* info) {
    if (img.size() < 0x90 || img[0] != 0x55 || img[1] != 0xAA) return RomVerdict::NoOptionRom;
    if (load_le<u32>(&img[8]) != kVmiSignature) return RomVerdict::NoVmiSignature;
    DetectedRom d;
    d.api_minor = img[kHdrApiMinor];
    d.api_major = img[kHdrApiMajor];
    if (d.api_major != 3) return RomVerdict::BadApiMajor;
    const u16 pci = load_le<u16>(&img[kHdrPciOffs]);
    if (pci == 0 || u32(pci) + 8 > img.size()) return RomVerdict::NoPciHeader;
    d.pci_id_ok = std::memcmp(&img[pci], "PCIR", 4) == 0 &&
                  load_le<u16>(&img[pci + 4]) == kPciVendorVmware &&
                  load_le<u16>(&img[pci + 6]) == kPciDeviceVmi;
    if (const u16 pnp = load_le<u16>(&img[kHdrPnpOffs]); pnp && u32(pnp) + 0x12 <= img.size()) {
        if (u16 m = load_le<u16>(&img[pnp + 0x0E]))
            d.manufacturer = string_at(img, m).value_or("UNKNOWN");
        if (u16 p = load_le<u16>(&img[pnp + 0x10]))
            d.product = string_at(img, p).value_or("UNKNOWN");
    }
    const u16 lic = load_le<u16>(&img[kHdrLicenceOffs]);
    if (lic == 0) return RomVerdict::NoLicence;
    d.licence = string_at(img, lic).value_or("");
    if (d.licence != "GPL" && d.licence != "GPL v2") return RomVerdict::BadLicence;
    if (img.size() >= kDirectoryTypes + kNumCalls &&
        std::memcmp(&img[kDirectoryOffset], kDirectoryMagic, sizeof kDirectoryMagic) == 0) {
        d.ours = true;
        for (unsigned c = 0; c < kNumCalls; ++c)
            d.slot[c] = load_le<u16>(&img[kDirectoryOffsets + 2 * c]);
    }
    if (info) *info = d;
    return RomVerdict::Ok;
}

std::optional<DetectedRom> scan_for_vmi_rom(MemoryBus& mem, Log& log) {
    std::vector<u8> window(kScanEnd - kScanStart);
    mem.read_block(kScanStart, window.data(), u32(window.size()));
    for (u32 base = kScanStart; base < kScanEnd; base += kScanStep) {
        std::span<const u8> img(window.data() + (base - kScanStart), kScanEnd - base);
        DetectedRom d;
        RomVerdict v = check_vmi_rom(img, &d);
        if (v == RomVerdict::Ok) {
            d.phys_base = base;
            log.info("VMI ROM at {:#x}: {} {}, API {}.{}, licence {}{}{}", base, d.manufacturer,
                     d.product, d.api_major, d.api_minor, d.licence,
                     d.pci_id_ok ? "" : " (PCI id is not 15AD:0801)",
                     d.ours ? ", vmi86 directory" : ", entries learnt from GetRelocationInfo");
            return d;
        }
        if (v != RomVerdict::NoOptionRom && v != RomVerdict::NoVmiSignature)
            log.warn("option ROM at {:#x} is not a usable VMI ROM: {}", base, verdict_text(v));
    }
    log.info("no VMI ROM in {:#x}-{:#x}", kScanStart, kScanEnd - 1);
    return std::nullopt;
}

} // namespace vmi86::vmi
