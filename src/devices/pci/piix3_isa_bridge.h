// Intel 82371SB PIIX3 function 0, the PCI-to-ISA bridge at 00:01.0. It owns the PIRQ routing
// registers (which ISA IRQ each PCI interrupt line PIRQA-D drives), a set of ISA-side control
// registers stored with their reset values, and the Reset Control register at port 0xCF9.
#pragma once
#include "devices/bus/io_space.h"
#include "devices/pci/pci_bus.h"
#include "devices/pci/pci_device.h"
#include <functional>
#include <optional>

namespace vmi86 {

class Piix3IsaBridge : public PciDevice, public IoHandler {
public:
    static constexpr u16 kVendorIntel = 0x8086;
    static constexpr u16 kDeviceId = 0x7000;
    static constexpr u8 kPirqRouteBase = 0x60; // PIRQRC[A..D] at 0x60-0x63
    static constexpr u16 kResetControlPort = 0xCF9;

    // Attaches itself at device 1, function 0, and claims port 0xCF9 — construct it after the
    // PciBus, whose 0xCF8-0xCFB range it overrides for byte accesses to 0xCF9.
    Piix3IsaBridge(PciBus& bus, IoSpace& io);

    // The ISA IRQ that PCI interrupt line pirq (0 = PIRQA .. 3 = PIRQD) is routed to, or nothing
    // when routing is disabled (bit 7) or the IRQ number is one the PIIX3 reserves.
    std::optional<u8> pirq_route(unsigned pirq) const;

    // Called after a guest write changed a PIRQ route register.
    std::function<void()> on_pirq_route_changed;
    // Reset Control: the guest asked for a CPU reset (hard = SRST, a full system reset).
    std::function<void(bool hard)> request_reset;

    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

protected:
    void config_written(u8 offset, unsigned size) override;

private:
    u8 reset_control_ = 0;
};

} // namespace vmi86
