// PCI bus 0 and configuration mechanism #1: a dword address register at 0xCF8 (bit 31 enables
// configuration cycles; bus 23:16, device 15:11, function 10:8, register 7:2) and a data window at
// 0xCFC-0xCFF that takes byte, word and dword accesses at any offset. Only dword accesses reach
// the address register; narrower ones at 0xCF8-0xCFB are ordinary I/O (the PIIX3 claims 0xCF9).
#pragma once
#include "devices/bus/io_space.h"
#include "devices/pci/pci_device.h"
#include <array>

namespace vmi86 {

class PciBus : public IoHandler {
public:
    static constexpr u16 kConfigAddressPort = 0xCF8;
    static constexpr u16 kConfigDataPort = 0xCFC;
    static constexpr unsigned kDevices = 32;
    static constexpr unsigned kFunctions = 8;

    explicit PciBus(IoSpace& io);

    // Plugs a function into bus 0 (not owned). A slot holds one function.
    void attach(unsigned device, unsigned function, PciDevice& pci_device);
    PciDevice* function_at(unsigned device, unsigned function) const {
        return slots_[device % kDevices][function % kFunctions];
    }

    // Direct configuration access (firmware helpers, tests); absent functions read all-ones.
    u32 config_read(unsigned device, unsigned function, u8 offset, unsigned size) const;
    void config_write(unsigned device, unsigned function, u8 offset, unsigned size, u32 value);

    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

private:
    PciDevice* addressed_function() const;

    u32 config_address_ = 0;
    std::array<std::array<PciDevice*, kFunctions>, kDevices> slots_{};
};

} // namespace vmi86
