#include "devices/i8259.h"

namespace vmi86 {

// ---- one chip ----

void Pic8259::set_input(unsigned ir, bool level) {
    const u8 bit = u8(1u << (ir & 7));
    if (elcr_ & bit) {
        irr_ = level ? irr_ | bit : irr_ & ~bit;
    } else if (level && !(input_levels_ & bit)) {
        irr_ |= bit; // rising edge; the latch holds until INTA
    }
    input_levels_ = level ? input_levels_ | bit : input_levels_ & ~bit;
}

// Priority 0 is the highest; rotation moves which IR has it. Returns 8 for "none".
int Pic8259::priority_of_highest(u8 bits) const {
    if (!bits) return 8;
    int priority = 0;
    while (!(bits & (1u << ((priority + top_priority_ir_) & 7)))) ++priority;
    return priority;
}

int Pic8259::highest_request() const {
    const int request = priority_of_highest(irr_ & ~imr_);
    if (request == 8) return -1;
    u8 in_service = isr_;
    // Special mask mode: a masked level in service no longer blocks lower levels.
    if (special_mask_) in_service &= ~imr_;
    // Special fully nested mode: the slave does its own nesting, so a higher-priority slave
    // request gets through while another slave IR is in service.
    if (special_fully_nested_ && is_master) in_service &= u8(~0x04);
    const int current = priority_of_highest(in_service);
    return request < current ? (request + top_priority_ir_) & 7 : -1;
}

void Pic8259::acknowledge(unsigned ir) {
    const u8 bit = u8(1u << ir);
    if (auto_eoi_) {
        if (rotate_on_auto_eoi_) top_priority_ir_ = u8((ir + 1) & 7);
    } else {
        isr_ |= bit;
    }
    // A level-triggered request stays in IRR while its line is high.
    if (!(elcr_ & bit)) {
        irr_ &= ~bit;
        if (relatch_while_high & bit & input_levels_) irr_ |= bit;
    }
}

void Pic8259::initialise(u8 icw1, Log& log) {
    expect_icw4_ = icw1 & 0x01;
    single_mode_ = icw1 & 0x02;
    if (single_mode_) log.warn_once("pic-single", "8259A: single mode (no cascade) programmed");
    // ICW1.LTIM is ignored: on the PIIX3 the ELCR decides edge or level per input.
    // The edge sense latches are reset: an edge input must go low and high again.
    irr_ &= elcr_;
    imr_ = 0;
    isr_ = 0;
    top_priority_ir_ = 0;
    read_isr_ = false;
    poll_pending_ = false;
    special_mask_ = false;
    auto_eoi_ = false;
    rotate_on_auto_eoi_ = false;
    special_fully_nested_ = false;
    init_step_ = 2;
}

void Pic8259::write_command(u8 value, Log& log) {
    if (value & 0x10) {
        initialise(value, log);
        return;
    }
    if (value & 0x08) { // OCW3
        if (value & 0x04) poll_pending_ = true;
        if (value & 0x02) read_isr_ = value & 0x01;
        if (value & 0x40) special_mask_ = value & 0x20;
        return;
    }
    // OCW2: R SL EOI in bits 7-5, the IR level in bits 2-0.
    const unsigned ir = value & 7;
    switch (value >> 5) {
    case 0: rotate_on_auto_eoi_ = false; break;
    case 4: rotate_on_auto_eoi_ = true; break;
    case 1:   // non-specific EOI
    case 5: { // rotate on non-specific EOI
        const int priority = priority_of_highest(isr_);
        if (priority == 8) break;
        const unsigned highest = (priority + top_priority_ir_) & 7;
        isr_ &= u8(~(1u << highest));
        if (value >> 5 == 5) top_priority_ir_ = u8((highest + 1) & 7);
        break;
    }
    case 3: isr_ &= u8(~(1u << ir)); break; // specific EOI
    case 7:                                 // rotate on specific EOI
        isr_ &= u8(~(1u << ir));
        top_priority_ir_ = u8((ir + 1) & 7);
        break;
    case 6: top_priority_ir_ = u8((ir + 1) & 7); break; // set priority: ir becomes lowest
    default: break;                                     // 2: no operation
    }
}

void Pic8259::write_data(u8 value, Log& log) {
    switch (init_step_) {
    case 2: // ICW2: vector base
        vector_base_ = value & 0xF8;
        init_step_ = single_mode_ ? (expect_icw4_ ? 4 : 0) : 3;
        break;
    case 3: // ICW3: the PC's cascade wiring is fixed (slave on master IR2)
        if (value != (is_master ? 0x04 : 0x02))
            log.warn_once("pic-icw3", "8259A: ICW3 {:#04x} ignored (slave is wired to IR2)", value);
        init_step_ = expect_icw4_ ? 4 : 0;
        break;
    case 4: // ICW4
        if (!(value & 0x01))
            log.warn_once("pic-8080", "8259A: 8080 mode requested in ICW4, using x86 mode");
        auto_eoi_ = value & 0x02;
        special_fully_nested_ = value & 0x10;
        init_step_ = 0;
        break;
    default: imr_ = value; break; // OCW1
    }
}

u8 Pic8259::read(bool a0) {
    if (poll_pending_) { // the read is the interrupt acknowledge
        poll_pending_ = false;
        const int ir = highest_request();
        if (ir < 0) return 0;
        acknowledge(unsigned(ir));
        return u8(0x80 | ir);
    }
    if (a0) return imr_;
    return read_isr_ ? isr_ : irr_;
}

void Pic8259::set_elcr(u8 value) {
    const u8 now_level = value & elcr_writable;
    const u8 became_level = now_level & ~elcr_;
    elcr_ = now_level;
    // A newly level-triggered input shows its line in IRR from now on.
    irr_ = u8((irr_ & ~became_level) | (input_levels_ & became_level));
}

void Pic8259::reset() {
    irr_ = isr_ = imr_ = elcr_ = 0;
    top_priority_ir_ = 0;
    vector_base_ = 0;
    init_step_ = 0;
    expect_icw4_ = single_mode_ = read_isr_ = poll_pending_ = special_mask_ = false;
    auto_eoi_ = rotate_on_auto_eoi_ = special_fully_nested_ = false;
}

// ---- the master/slave pair ----

PicPair::PicPair(IoSpace& io, Log& log) : log_(log) {
    master_.is_master = true;
    master_.elcr_writable = 0xF8;
    master_.relatch_while_high = 1u << kCascadeIr;
    slave_.elcr_writable = 0xDE;
    io.attach(kMasterPort, 2, this);
    io.attach(kSlavePort, 2, this);
    io.attach(kElcrPort, 2, this);
}

void PicPair::set_irq(unsigned irq, bool level) {
    if (irq >= 16) return;
    if (irq == kCascadeIr) {
        // On a PC the ISA bus's IRQ2 pin is wired to IRQ9.
        log_.warn_once("pic-irq2", "8259A: IRQ2 is the cascade input; routing it to IRQ9");
        irq = 9;
    }
    if (irq < 8)
        master_.set_input(irq, level);
    else
        slave_.set_input(irq - 8, level);
    update();
}

void PicPair::connect(IrqLine& line, unsigned irq) {
    line.connect([this, irq](bool level) { set_irq(irq, level); });
    if (line.level()) set_irq(irq, true);
}

void PicPair::update() {
    master_.set_input(kCascadeIr, slave_.int_output());
    const bool intr = master_.int_output();
    if (intr != intr_) {
        intr_ = intr;
        if (on_intr) on_intr(intr);
    }
}

u8 PicPair::acknowledge() {
    const int ir = master_.highest_request();
    u8 vector;
    if (ir < 0) {
        vector = master_.vector_base() | 7; // spurious IRQ7: nothing goes in service
    } else if (ir == int(kCascadeIr)) {
        const int slave_ir = slave_.highest_request();
        if (slave_ir < 0) {
            vector = slave_.vector_base() | 7; // spurious IRQ15: only the master's IR2 in service
        } else {
            slave_.acknowledge(unsigned(slave_ir));
            vector = u8(slave_.vector_base() | slave_ir);
        }
        master_.set_input(kCascadeIr, slave_.int_output());
        master_.acknowledge(kCascadeIr);
    } else {
        master_.acknowledge(unsigned(ir));
        vector = u8(master_.vector_base() | ir);
    }
    update();
    return vector;
}

void PicPair::reset() {
    master_.reset();
    slave_.reset();
    update();
}

u8 PicPair::read_byte(u16 port) {
    u8 value = 0xFF;
    switch (port) {
    case kMasterPort:
    case kMasterPort + 1: value = master_.read(port & 1); break;
    case kSlavePort:
    case kSlavePort + 1: value = slave_.read(port & 1); break;
    case kElcrPort: value = master_.elcr(); break;
    case kElcrPort + 1: value = slave_.elcr(); break;
    default: return value;
    }
    update(); // a poll read is an acknowledge
    return value;
}

void PicPair::write_byte(u16 port, u8 value) {
    switch (port) {
    case kMasterPort: master_.write_command(value, log_); break;
    case kMasterPort + 1: master_.write_data(value, log_); break;
    case kSlavePort: slave_.write_command(value, log_); break;
    case kSlavePort + 1: slave_.write_data(value, log_); break;
    case kElcrPort: master_.set_elcr(value); break;
    case kElcrPort + 1: slave_.set_elcr(value); break;
    default: return;
    }
    update();
}

// The chips are 8-bit: a wider access is split into byte accesses, as the ISA bus does.
u32 PicPair::io_read(u16 port, unsigned size) {
    u32 value = 0;
    for (unsigned i = 0; i < size; ++i) value |= u32(read_byte(u16(port + i))) << (8 * i);
    return value;
}

void PicPair::io_write(u16 port, unsigned size, u32 value) {
    for (unsigned i = 0; i < size; ++i) write_byte(u16(port + i), u8(value >> (8 * i)));
}

} // namespace vmi86
