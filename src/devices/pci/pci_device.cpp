#include "devices/pci/pci_device.h"

namespace vmi86 {

using namespace pci_config;

PciDevice::PciDevice(u16 vendor_id, u16 device_id, u32 class_code, u8 revision, u8 header_type) {
    set_word(kVendorId, vendor_id);
    set_word(kDeviceId, device_id);
    set_byte(kRevision, revision);
    set_byte(kClassCode, u8(class_code));
    set_byte(kClassCode + 1, u8(class_code >> 8));
    set_byte(kClassCode + 2, u8(class_code >> 16));
    set_byte(kHeaderType, header_type);
    // What every function lets software change: decode enables, bus mastering, parity/SERR
    // responses and INTx disable; cache line size, latency timer and the interrupt line are
    // scratch registers for firmware. Status error bits are write-one-to-clear.
    set_writable(kCommand, 2, 0x0547);
    set_write_one_to_clear(kStatus, 2, 0xF900);
    set_writable(kCacheLineSize, 1, 0xFF);
    set_writable(kLatencyTimer, 1, 0xFF);
    set_writable(kInterruptLine, 1, 0xFF);
}

void PciDevice::set_word(u8 offset, u16 value) {
    config_[offset] = u8(value);
    config_[u8(offset + 1)] = u8(value >> 8);
}

void PciDevice::set_dword(u8 offset, u32 value) {
    for (unsigned i = 0; i < 4; ++i) config_[u8(offset + i)] = u8(value >> (8 * i));
}

void PciDevice::set_writable(u8 offset, unsigned size, u32 mask) {
    for (unsigned i = 0; i < size; ++i) writable_[u8(offset + i)] = u8(mask >> (8 * i));
}

void PciDevice::set_write_one_to_clear(u8 offset, unsigned size, u32 mask) {
    for (unsigned i = 0; i < size; ++i) write_one_to_clear_[u8(offset + i)] = u8(mask >> (8 * i));
}

void PciDevice::define_bar(unsigned index, u32 size, PciBarKind kind) {
    u8 offset = u8(kBar0 + 4 * index);
    u32 flags = 0;
    switch (kind) {
    case PciBarKind::Io: flags = 0x1; break;
    case PciBarKind::Memory32: flags = 0x0; break;
    case PciBarKind::Memory32Prefetchable: flags = 0x8; break;
    }
    bar_sizes_[index] = size;
    set_dword(offset, flags);
    set_writable(offset, 4, ~(size - 1) & (kind == PciBarKind::Io ? ~0x3u : ~0xFu));
}

void PciDevice::define_expansion_rom(u32 size) {
    set_dword(kExpansionRom, 0);
    set_writable(kExpansionRom, 4, (~(size - 1) & ~0x7FFu) | 0x1);
}

u32 PciDevice::config_read(u8 offset, unsigned size) {
    u32 value = 0;
    for (unsigned i = 0; i < size; ++i) {
        unsigned at = offset + i;
        u8 byte = at < kConfigSize ? config_[at] : 0xFF;
        value |= u32(byte) << (8 * i);
    }
    return value;
}

void PciDevice::config_write(u8 offset, unsigned size, u32 value) {
    unsigned end = offset + size;
    if (end > kConfigSize) end = kConfigSize;
    for (unsigned at = offset; at < end; ++at) {
        u8 byte = u8(value >> (8 * (at - offset)));
        config_[at] = u8((config_[at] & ~writable_[at]) | (byte & writable_[at]));
        config_[at] &= u8(~(byte & write_one_to_clear_[at]));
    }
    config_written(offset, end - offset);
}

u32 PciDevice::bar_address(unsigned index) const {
    if (index >= kBarCount || bar_sizes_[index] == 0) return 0;
    u8 offset = u8(kBar0 + 4 * index);
    u32 raw = u32(config_[offset]) | u32(config_[offset + 1]) << 8 |
              u32(config_[offset + 2]) << 16 | u32(config_[offset + 3]) << 24;
    return (raw & 1) ? raw & ~0x3u : raw & ~0xFu;
}

u16 PciDevice::command() const { return u16(config_[kCommand] | config_[kCommand + 1] << 8); }

} // namespace vmi86
