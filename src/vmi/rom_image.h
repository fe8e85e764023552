// The VMI option ROM vmi86 generates (VMI.md §1): the header Linux checks, the PCI data structure
// 15AD:0801, a PnP header, Init and GetRelocationInfo at 0x80/0x88, and one slot per call holding
// real x86 code that performs the call natively, so the ROM is correct even when nothing
// intercepts it. The image also carries a directory (call -> slot offset and the relocation type
// the ROM's own GetRelocationInfo code answers), which that code and the detector read.
#pragma once
#include "common/types.h"
#include "vmi/calls.h"
#include <array>
#include <vector>

namespace vmi86::vmi {

constexpr u32 kRomSize = 4096; // map_rom works in whole pages
constexpr u32 kVmiSignature = 0x696d5663;
constexpr u32 kInitOffset = 0x80;
constexpr u32 kGetRelocationInfoOffset = 0x88;
// Header fields (offsets into the image).
constexpr u32 kHdrApiMinor = 0x0C, kHdrApiMajor = 0x0D, kHdrVirtualTop = 0x10,
              kHdrLicenceOffs = 0x16, kHdrPciOffs = 0x18, kHdrPnpOffs = 0x1A;
constexpr u16 kPciVendorVmware = 0x15AD, kPciDeviceVmi = 0x0801;
// vmi86's directory: the magic, then u16 slot offsets[kNumCalls], then u8 types[kNumCalls].
constexpr u32 kDirectoryOffset = 0x100;
constexpr char kDirectoryMagic[8] = {'v', 'm', 'i', '8', '6', 'd', 'i', 'r'};
constexpr u32 kDirectoryOffsets = kDirectoryOffset + 8;
constexpr u32 kDirectoryTypes = kDirectoryOffsets + 2 * kNumCalls;

struct RomImage {
    std::vector<u8> bytes;
    // Offset of each call's slot (0: none), and the answer the ROM's own code gives for it:
    // CALL_REL where the slot does the work natively, NONE where only a hypervisor could
    // (timer, APIC, AP start) so a guest running the ROM uncaught keeps its native code.
    std::array<u16, kNumCalls> slot{};
    std::array<u8, kNumCalls> native_type{};
};

RomImage build_rom_image();

// Sets the last byte so the 8-bit sum of the image is zero.
void fix_rom_checksum(std::vector<u8>& image);

} // namespace vmi86::vmi
