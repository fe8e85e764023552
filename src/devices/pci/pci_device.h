// A PCI function's 256-byte configuration space. Subclasses fill in identity and defaults, mark
// which bits the guest may write, declare BARs, and react to writes in config_written().
#pragma once
#include "common/types.h"
#include <array>

namespace vmi86 {

// Offsets of the type-0 configuration header.
namespace pci_config {
inline constexpr u8 kVendorId = 0x00;
inline constexpr u8 kDeviceId = 0x02;
inline constexpr u8 kCommand = 0x04;
inline constexpr u8 kStatus = 0x06;
inline constexpr u8 kRevision = 0x08;
inline constexpr u8 kClassCode = 0x09; // prog-if, subclass, base class (3 bytes)
inline constexpr u8 kCacheLineSize = 0x0C;
inline constexpr u8 kLatencyTimer = 0x0D;
inline constexpr u8 kHeaderType = 0x0E;
inline constexpr u8 kBar0 = 0x10;
inline constexpr u8 kSubsystemVendorId = 0x2C;
inline constexpr u8 kSubsystemId = 0x2E;
inline constexpr u8 kExpansionRom = 0x30;
inline constexpr u8 kInterruptLine = 0x3C;
inline constexpr u8 kInterruptPin = 0x3D;

inline constexpr u8 kHeaderMultiFunction = 0x80;
inline constexpr u16 kCommandIo = 1u << 0;
inline constexpr u16 kCommandMemory = 1u << 1;
inline constexpr u16 kCommandBusMaster = 1u << 2;
} // namespace pci_config

enum class PciBarKind : u8 { Io, Memory32, Memory32Prefetchable };

class PciDevice {
public:
    static constexpr unsigned kConfigSize = 256;
    static constexpr unsigned kBarCount = 6;

    PciDevice(u16 vendor_id, u16 device_id, u32 class_code, u8 revision, u8 header_type);
    virtual ~PciDevice() = default;

    // Accesses of 1, 2 or 4 bytes at any offset; bytes past the end of the space read as ones.
    virtual u32 config_read(u8 offset, unsigned size);
    virtual void config_write(u8 offset, unsigned size, u32 value);

    // The decoded base of a BAR (flag bits stripped), 0 when the BAR is not implemented.
    u32 bar_address(unsigned index) const;
    u32 bar_size(unsigned index) const { return bar_sizes_[index]; }
    u16 command() const;

    // Raw byte access for the device model itself (no masks).
    u8 config_byte(u8 offset) const { return config_[offset]; }

protected:
    // Called after a guest write changed [offset, offset+size); subclasses react here.
    virtual void config_written(u8 offset, unsigned size) {
        (void)offset;
        (void)size;
    }

    // Initial contents and which bits the guest may change (set) or clear by writing one (w1c).
    void set_byte(u8 offset, u8 value) { config_[offset] = value; }
    void set_word(u8 offset, u16 value);
    void set_dword(u8 offset, u32 value);
    void set_writable(u8 offset, unsigned size, u32 mask);
    void set_write_one_to_clear(u8 offset, unsigned size, u32 mask);

    // size is a power of two (at least 16 for memory, 4 for I/O). The BAR's writable bits become
    // ~(size-1), so writing all-ones reads back the size mask plus the kind flags.
    void define_bar(unsigned index, u32 size, PciBarKind kind);
    void define_expansion_rom(u32 size);

private:
    std::array<u8, kConfigSize> config_{};
    std::array<u8, kConfigSize> writable_{};
    std::array<u8, kConfigSize> write_one_to_clear_{};
    std::array<u32, kBarCount> bar_sizes_{};
};

} // namespace vmi86
