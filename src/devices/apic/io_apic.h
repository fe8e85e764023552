// The 82093AA I/O APIC: 24 interrupt input pins, each with a redirection entry that turns an
// assertion into an APIC message. Registers are reached indirectly: IOREGSEL (offset 0x00)
// selects, IOWIN (offset 0x10) reads and writes the selected 32-bit register.
//
// Wiring (done by the machine): pins are numbered as the chip's inputs, with no remapping here.
// A PC wires ISA IRQ n to pin n except the 8254's IRQ0, which goes to pin 2 (the MP table /
// MADT interrupt source override); pin 0 carries the 8259A's INTR for ExtINT virtual wire;
// PCI PIRQA-D go to pins 16-19. Inputs are logical (true = asserted) — the polarity bit is stored
// for the guest but not applied, since the machine's IrqLines already model assertion.
// deliver sends each message to the local APIC (LocalApic::receive); the local APIC's
// on_level_eoi comes back to end_of_interrupt().
#pragma once
#include "common/log.h"
#include "common/types.h"
#include "devices/apic/apic_message.h"
#include "devices/bus/memory_bus.h"
#include <array>
#include <functional>

namespace vmi86 {

class IoApic : public MmioHandler {
public:
    static constexpr u32 kDefaultBase = 0xFEC00000;
    static constexpr u32 kMmioSize = 0x1000;
    static constexpr unsigned kPins = 24;
    static constexpr u32 kVersion = 0x00170011; // version 0x11, max redirection entry 23

    IoApic(Log& log, u8 apic_id = 0);

    void reset();
    void set_irq(unsigned pin, bool level);
    // A local APIC EOI for a level-triggered vector: clears remote IRR of the pins using it and
    // delivers again if the line is still asserted.
    void end_of_interrupt(u8 vector);

    std::function<void(const ApicMessage&)> deliver;

    u32 mmio_read(u32 offset, unsigned size) override;
    void mmio_write(u32 offset, unsigned size, u32 value) override;

    // For tests and debug output.
    u64 redirection_entry(unsigned pin) const { return redirection_[pin]; }
    // The indirect registers by index, as IOREGSEL/IOWIN reach them (ID 0x00, version 0x01,
    // redirection table 0x10-0x3F), without moving IOREGSEL: for firmware set-up by the board.
    u32 read_register(u8 index) const;
    void write_register(u8 index, u32 value);

private:
    void service(unsigned pin); // delivers a level-triggered pin if it should be

    Log& log_;
    u8 id_;
    u8 select_ = 0;
    std::array<u64, kPins> redirection_{};
    std::array<bool, kPins> level_{};
};

} // namespace vmi86
