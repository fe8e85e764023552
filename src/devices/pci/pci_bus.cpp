#include "devices/pci/pci_bus.h"

namespace vmi86 {

namespace {
constexpr u32 kEnableBit = 0x80000000u;
// Bits 30:24 are reserved (read zero) and bits 1:0 select type-0/1 cycles we do not model.
constexpr u32 kAddressMask = 0x80FFFFFCu;

u32 all_ones(unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
} // namespace

PciBus::PciBus(IoSpace& io) {
    io.attach(kConfigAddressPort, 4, this);
    io.attach(kConfigDataPort, 4, this);
}

void PciBus::attach(unsigned device, unsigned function, PciDevice& pci_device) {
    slots_[device % kDevices][function % kFunctions] = &pci_device;
}

u32 PciBus::config_read(unsigned device, unsigned function, u8 offset, unsigned size) const {
    PciDevice* f = function_at(device, function);
    return f ? f->config_read(offset, size) : all_ones(size);
}

void PciBus::config_write(unsigned device, unsigned function, u8 offset, unsigned size, u32 value) {
    if (PciDevice* f = function_at(device, function)) f->config_write(offset, size, value);
}

PciDevice* PciBus::addressed_function() const {
    if (!(config_address_ & kEnableBit)) return nullptr;
    if (((config_address_ >> 16) & 0xFF) != 0) return nullptr; // bus 0 only
    return function_at((config_address_ >> 11) & 0x1F, (config_address_ >> 8) & 0x7);
}

u32 PciBus::io_read(u16 port, unsigned size) {
    if (port == kConfigAddressPort && size == 4) return config_address_;
    if (port >= kConfigDataPort && port < kConfigDataPort + 4) {
        // With the enable bit clear the cycle goes to ISA, where nothing answers.
        PciDevice* f = addressed_function();
        if (!f) return all_ones(size);
        return f->config_read(u8((config_address_ & 0xFC) + (port - kConfigDataPort)), size);
    }
    return all_ones(size);
}

void PciBus::io_write(u16 port, unsigned size, u32 value) {
    if (port == kConfigAddressPort && size == 4) {
        config_address_ = value & kAddressMask;
        return;
    }
    if (port >= kConfigDataPort && port < kConfigDataPort + 4) {
        if (PciDevice* f = addressed_function())
            f->config_write(u8((config_address_ & 0xFC) + (port - kConfigDataPort)), size, value);
    }
}

} // namespace vmi86
