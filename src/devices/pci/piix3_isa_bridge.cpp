#include "devices/pci/piix3_isa_bridge.h"

namespace vmi86 {

namespace {
constexpr u32 kClassIsaBridge = 0x060100;
constexpr u8 kPirqDisable = 0x80;
constexpr u8 kResetHard = 0x02; // SRST
constexpr u8 kResetCpu = 0x04;  // RCPU: a 0 -> 1 transition resets
} // namespace

Piix3IsaBridge::Piix3IsaBridge(PciBus& bus, IoSpace& io)
    : PciDevice(kVendorIntel, kDeviceId, kClassIsaBridge, 0x00, pci_config::kHeaderMultiFunction) {
    using namespace pci_config;
    // PCICMD: I/O, memory and bus master are hardwired on.
    set_word(kCommand, 0x0007);
    set_writable(kCommand, 2, 0x0148);
    set_word(kStatus, 0x0200); // medium DEVSEL
    set_writable(kCacheLineSize, 1, 0x00);
    set_writable(kLatencyTimer, 1, 0x00);
    set_writable(kInterruptLine, 1, 0x00);

    // Function-specific registers 0x4C-0xAF with the 82371SB reset values; all are read/write
    // storage as far as the emulation goes.
    for (unsigned r = 0x4C; r <= 0xAF; ++r) set_writable(u8(r), 1, 0xFF);
    set_byte(0x4C, 0x4D);   // IORT: ISA I/O recovery timer
    set_word(0x4E, 0x0003); // XBCS: X-bus chip select (RTC, keyboard controller)
    for (unsigned p = 0; p < 4; ++p) {
        set_byte(u8(kPirqRouteBase + p), kPirqDisable);
        set_writable(u8(kPirqRouteBase + p), 1, 0x8F);
    }
    set_byte(0x69, 0x02); // TOM: top of memory 1 MiB, lower BIOS forwarded to ISA
    set_writable(0x69, 1, 0xFE);
    set_byte(0x70, 0x80);   // MBIRQ0: motherboard IRQ routing disabled
    set_byte(0x71, 0x80);   // MBIRQ1
    set_byte(0x76, 0x0C);   // MBDMA0: no channel
    set_byte(0x77, 0x0C);   // MBDMA1
    set_word(0x78, 0x0002); // PCSC: programmable chip select
    set_byte(0xA0, 0x08);   // SMICNTL
    set_byte(0xA8, 0x0F);   // FTMR: fast off timer
    bus.attach(1, 0, *this);
    io.attach(kResetControlPort, 1, this);
}

std::optional<u8> Piix3IsaBridge::pirq_route(unsigned pirq) const {
    u8 reg = config_byte(u8(kPirqRouteBase + (pirq & 3)));
    if (reg & kPirqDisable) return std::nullopt;
    u8 irq = reg & 0x0F;
    // IRQs 0, 1, 2, 8 and 13 are reserved for motherboard devices.
    if (irq < 3 || irq == 8 || irq == 13) return std::nullopt;
    return irq;
}

void Piix3IsaBridge::config_written(u8 offset, unsigned size) {
    if (offset < kPirqRouteBase + 4 && offset + size > kPirqRouteBase && on_pirq_route_changed)
        on_pirq_route_changed();
}

u32 Piix3IsaBridge::io_read(u16 port, unsigned size) {
    if (port == kResetControlPort && size == 1) return reset_control_;
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

void Piix3IsaBridge::io_write(u16 port, unsigned size, u32 value) {
    if (port != kResetControlPort || size != 1) return;
    u8 previous = reset_control_;
    reset_control_ = u8(value) & (kResetHard | kResetCpu);
    if ((reset_control_ & kResetCpu) && !(previous & kResetCpu)) {
        reset_control_ &= u8(~kResetCpu); // the reset clears it
        if (request_reset) request_reset(reset_control_ & kResetHard);
    }
}

} // namespace vmi86
