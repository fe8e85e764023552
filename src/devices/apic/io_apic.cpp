#include "devices/apic/io_apic.h"

namespace vmi86 {

namespace {
constexpr u8 kRegId = 0x00;
constexpr u8 kRegVersion = 0x01;
constexpr u8 kRegArbitration = 0x02;
constexpr u8 kRegRedirectionBase = 0x10;

constexpr u64 kEntryMasked = 1ull << 16;
constexpr u64 kEntryLevelTriggered = 1ull << 15;
constexpr u64 kEntryRemoteIrr = 1ull << 14;
// Vector, delivery mode, destination mode, polarity, trigger mode, mask; destination 63:56.
constexpr u64 kEntryWritable = 0xFF0000000001AFFFull;

constexpr u32 kOffsetSelect = 0x00;
constexpr u32 kOffsetWindow = 0x10;
} // namespace

IoApic::IoApic(Log& log, u8 apic_id) : log_(log), id_(apic_id & 0x0F) { reset(); }

void IoApic::reset() {
    select_ = 0;
    redirection_.fill(kEntryMasked);
}

void IoApic::set_irq(unsigned pin, bool level) {
    if (pin >= kPins) return;
    bool rising = level && !level_[pin];
    level_[pin] = level;
    u64 entry = redirection_[pin];
    if (entry & kEntryLevelTriggered) {
        service(pin);
    } else if (rising && !(entry & kEntryMasked) && deliver) {
        // Edges that arrive while masked are lost, as on the 82093AA.
        ApicMessage message{u8(entry), ApicDeliveryMode((entry >> 8) & 7), bool(entry & (1u << 11)),
                            u8(entry >> 56), false};
        deliver(message);
    }
}

void IoApic::service(unsigned pin) {
    u64 entry = redirection_[pin];
    if (!level_[pin] || (entry & kEntryMasked) || (entry & kEntryRemoteIrr)) return;
    auto mode = ApicDeliveryMode((entry >> 8) & 7);
    // Remote IRR tracks the local APIC's EOI; only fixed and lowest-priority messages get one.
    if (mode == ApicDeliveryMode::Fixed || mode == ApicDeliveryMode::LowestPriority)
        redirection_[pin] |= kEntryRemoteIrr;
    if (deliver) deliver({u8(entry), mode, bool(entry & (1u << 11)), u8(entry >> 56), true});
}

void IoApic::end_of_interrupt(u8 vector) {
    for (unsigned pin = 0; pin < kPins; ++pin) {
        u64 entry = redirection_[pin];
        if ((entry & kEntryRemoteIrr) && u8(entry) == vector) {
            redirection_[pin] &= ~kEntryRemoteIrr;
            service(pin);
        }
    }
}

u32 IoApic::read_register(u8 index) const {
    switch (index) {
    case kRegId: return u32(id_) << 24;
    case kRegVersion: return kVersion;
    case kRegArbitration: return u32(id_) << 24; // loaded from the ID at reset/INIT
    default: break;
    }
    if (index >= kRegRedirectionBase && index < kRegRedirectionBase + 2 * kPins) {
        u64 entry = redirection_[(index - kRegRedirectionBase) / 2];
        return (index & 1) ? u32(entry >> 32) : u32(entry);
    }
    return 0;
}

void IoApic::write_register(u8 index, u32 value) {
    if (index == kRegId) {
        id_ = u8((value >> 24) & 0x0F);
        return;
    }
    if (index < kRegRedirectionBase || index >= kRegRedirectionBase + 2 * kPins) {
        if (index != kRegVersion && index != kRegArbitration)
            log_.warn_once("ioapic-register", "I/O APIC: write to register {:#x} ignored", index);
        return;
    }
    unsigned pin = (index - kRegRedirectionBase) / 2;
    u64 entry = redirection_[pin];
    u64 written = (index & 1) ? (entry & 0xFFFFFFFFull) | (u64(value) << 32)
                              : (entry & 0xFFFFFFFF00000000ull) | value;
    entry = (written & kEntryWritable) | (entry & kEntryRemoteIrr);
    if (!(entry & kEntryLevelTriggered)) entry &= ~kEntryRemoteIrr;
    redirection_[pin] = entry;
    if (((entry >> 8) & 7) == 2 || ((entry >> 8) & 7) == 3 || ((entry >> 8) & 7) == 6)
        log_.warn_once("ioapic-mode", "I/O APIC: pin {} uses an unsupported delivery mode {}", pin,
                       unsigned((entry >> 8) & 7));
    // Unmasking (or switching to level) a line that is asserted delivers it now.
    if (entry & kEntryLevelTriggered) service(pin);
}

u32 IoApic::mmio_read(u32 offset, unsigned size) {
    u32 mask = size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    if (offset == kOffsetSelect) return select_;
    if (offset >= kOffsetWindow && offset < kOffsetWindow + 4)
        return (read_register(select_) >> (8 * (offset - kOffsetWindow))) & mask;
    return 0;
}

void IoApic::mmio_write(u32 offset, unsigned size, u32 value) {
    if (offset == kOffsetSelect) {
        select_ = u8(value);
        return;
    }
    if (offset == kOffsetWindow) {
        if (size != 4)
            log_.warn_once("ioapic-narrow", "I/O APIC: {}-byte IOWIN write ignored", size);
        else
            write_register(select_, value);
    }
}

} // namespace vmi86
