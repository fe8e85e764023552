// Intel 82441FX PMC (the i440FX host bridge) at 00:00.0. Its configuration space holds the
// memory controller's registers; we store them with their reset values and expose the PAM
// (Programmable Attribute Map) settings that decide whether the BIOS area 0xC0000-0xFFFFF reads
// and writes go to DRAM (shadow RAM) or to the ROM on the PCI side.
#pragma once
#include "devices/pci/pci_bus.h"
#include "devices/pci/pci_device.h"
#include <functional>

namespace vmi86 {

class I440fxHostBridge : public PciDevice {
public:
    static constexpr u16 kVendorIntel = 0x8086;
    static constexpr u16 kDeviceId = 0x1237;
    static constexpr u8 kPam0 = 0x59; // PAM0..PAM6 at 0x59-0x5F
    static constexpr u8 kSmram = 0x72;
    static constexpr unsigned kPamRegions = 13;

    // One PAM-controlled range: 0xF0000 (64 KiB, region 0), then twelve 16 KiB segments from
    // 0xC0000. read_dram/write_dram false means the access goes to the PCI side (ROM).
    struct PamRegion {
        u32 base;
        u32 size;
        bool read_dram;
        bool write_dram;
    };

    // Attaches itself at device 0, function 0.
    explicit I440fxHostBridge(PciBus& bus);

    PamRegion pam_region(unsigned index) const;
    u8 smram() const { return config_byte(kSmram); }

    // Called after a guest write changed any PAM register; the machine remaps shadow RAM.
    std::function<void()> on_pam_changed;

protected:
    void config_written(u8 offset, unsigned size) override;
};

} // namespace vmi86
