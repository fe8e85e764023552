// The PC's pair of Intel 8259A programmable interrupt controllers, as the PIIX3 ISA bridge has
// them: the master at 0x20/0x21 (IRQ 0-7), the slave at 0xA0/0xA1 (IRQ 8-15) cascaded on master
// IR2, and the edge/level control registers (ELCR) at 0x4D0/0x4D1.
//
// Trigger model (as QEMU's, which Linux and SeaBIOS are known to run on): an edge-triggered input
// latches its IRR bit on the rising edge and keeps it until the INTA cycle, so a device's
// IrqLine::pulse() is never lost; a level-triggered input (ELCR bit set) has its IRR bit follow
// the line, so a request that goes away before INTA yields the spurious vector (IR7 of that
// chip). The master sees the slave's INT output on IR2 as an edge-triggered input.
#pragma once
#include "common/log.h"
#include "common/types.h"
#include "devices/bus/io_space.h"
#include "devices/irq.h"
#include <functional>

namespace vmi86 {

// One 8259A: registers, the initialisation sequence and priority resolution. Knows nothing of
// ports or of its partner; PicPair wires two of them together.
class Pic8259 {
public:
    // Request input IR0-7; whether it is edge or level triggered comes from the ELCR.
    void set_input(unsigned ir, bool level);
    // The IR that INT would request now, or -1 (priority, masks and in-service bits applied).
    int highest_request() const;
    bool int_output() const { return highest_request() >= 0; }
    // The INTA cycle for `ir` (the one highest_request() chose): marks it in service (unless
    // auto-EOI) and clears its edge latch.
    void acknowledge(unsigned ir);

    void write_command(u8 value, Log& log); // port 0x20/0xA0: ICW1, OCW2, OCW3
    void write_data(u8 value, Log& log);    // port 0x21/0xA1: ICW2-4 during init, else OCW1
    // A0 = 0: IRR or ISR (as OCW3 selected); A0 = 1: IMR. After an OCW3 poll command, either
    // address returns the poll byte (bit 7: a request was there, bits 2-0: its IR).
    u8 read(bool a0);

    void set_elcr(u8 value);
    void reset(); // power-on state (ELCR cleared too)

    u8 irr() const { return irr_; }
    u8 isr() const { return isr_; }
    u8 imr() const { return imr_; }
    u8 elcr() const { return elcr_; }
    u8 vector_base() const { return vector_base_; }

    // Set once by PicPair.
    bool is_master = false;
    u8 elcr_writable = 0; // PIIX3: IRQ0-2 and IRQ8/13 are always edge-triggered
    // Inputs whose edge latch is set again after INTA while the input is still high: the
    // master's cascade input, so a slave with a further request is not forgotten.
    u8 relatch_while_high = 0;

private:
    int priority_of_highest(u8 bits) const;
    void initialise(u8 icw1, Log& log);

    u8 irr_ = 0;
    u8 isr_ = 0;
    u8 imr_ = 0;
    u8 elcr_ = 0;
    u8 input_levels_ = 0;
    u8 top_priority_ir_ = 0; // rotation: the IR that currently has the highest priority
    u8 vector_base_ = 0;
    unsigned init_step_ = 0; // 0 ready; 2, 3, 4: next data byte is that ICW
    bool expect_icw4_ = false;
    bool single_mode_ = false;
    bool read_isr_ = false;
    bool poll_pending_ = false;
    bool special_mask_ = false;
    bool auto_eoi_ = false;
    bool rotate_on_auto_eoi_ = false;
    bool special_fully_nested_ = false;
};

class PicPair : public IoHandler {
public:
    static constexpr u16 kMasterPort = 0x20;
    static constexpr u16 kSlavePort = 0xA0;
    static constexpr u16 kElcrPort = 0x4D0;
    static constexpr unsigned kCascadeIr = 2;

    PicPair(IoSpace& io, Log& log);

    // Input IRQ 0-15 (IRQ2 is the cascade; ISA IRQ2 devices are wired to IRQ9 on a PC).
    void set_irq(unsigned irq, bool level);
    // Drives input `irq` from `line`.
    void connect(IrqLine& line, unsigned irq);

    // INTR towards the CPU (or the local APIC's LINT0), called when the level changes.
    std::function<void(bool level)> on_intr;
    bool interrupt_pending() const { return master_.int_output(); }
    // The INTA cycle: the vector of the highest request, with the cascade resolved. With no
    // request left (it went away) it returns the spurious vector, IR7 of the chip concerned.
    u8 acknowledge();

    void reset();

    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

    const Pic8259& master() const { return master_; }
    const Pic8259& slave() const { return slave_; }

private:
    u8 read_byte(u16 port);
    void write_byte(u16 port, u8 value);
    void update();

    Log& log_;
    Pic8259 master_;
    Pic8259 slave_;
    bool intr_ = false;
};

} // namespace vmi86
