// The 8259A pair driven through its ports the way Linux (arch/x86/kernel/i8259.c) and SeaBIOS
// (src/hw/pic.c) program it.
#include "devices/i8259.h"
#include <doctest/doctest.h>

using namespace vmi86;

namespace {

struct PicRig {
    Log log;
    IoSpace io;
    PicPair pic{io, log};
    bool intr = false;
    int intr_changes = 0;

    PicRig() {
        pic.on_intr = [this](bool level) {
            intr = level;
            ++intr_changes;
        };
    }
    void out(u16 port, u8 value) { io.write(port, 1, value); }
    u8 in(u16 port) { return u8(io.read(port, 1)); }

    // Linux init_8259A(0): vectors 0x30/0x38, then everything masked but the cascade.
    void linux_init() {
        out(0x21, 0xFF);
        out(0xA1, 0xFF);
        out(0x20, 0x11);
        out(0x21, 0x30);
        out(0x21, 0x04);
        out(0x21, 0x01);
        out(0xA0, 0x11);
        out(0xA1, 0x38);
        out(0xA1, 0x02);
        out(0xA1, 0x01);
        out(0x21, 0xFB);
        out(0xA1, 0xFF);
    }
    // SeaBIOS pic_setup(): vectors 0x08/0x70.
    void seabios_init(u8 master_icw4 = 0x01) {
        out(0x20, 0x11);
        out(0x21, 0x08);
        out(0x21, 0x04);
        out(0x21, master_icw4);
        out(0xA0, 0x11);
        out(0xA1, 0x70);
        out(0xA1, 0x02);
        out(0xA1, 0x01);
        out(0x21, 0xFB);
        out(0xA1, 0xFF);
    }
    u8 master_isr() {
        out(0x20, 0x0B);
        const u8 v = in(0x20);
        out(0x20, 0x0A);
        return v;
    }
    u8 slave_isr() {
        out(0xA0, 0x0B);
        const u8 v = in(0xA0);
        out(0xA0, 0x0A);
        return v;
    }
    // Linux mask_and_ack_8259A() followed by unmasking.
    void linux_eoi(unsigned irq) {
        if (irq & 8) {
            out(0xA0, u8(0x60 + (irq & 7)));
            out(0x20, 0x62);
        } else {
            out(0x20, u8(0x60 + irq));
        }
    }
};

} // namespace

TEST_CASE("8259A: Linux probe and initialisation, IMR read-back") {
    PicRig r;
    r.out(0x21, 0xFF);
    CHECK(r.in(0x21) == 0xFF); // probe_8259A
    r.linux_init();
    CHECK(r.in(0x21) == 0xFB);
    CHECK(r.in(0xA1) == 0xFF);
    CHECK(r.pic.master().vector_base() == 0x30);
    CHECK(r.pic.slave().vector_base() == 0x38);
    CHECK_FALSE(r.pic.interrupt_pending());
    // A word access reads both registers of a chip.
    CHECK(r.io.read(0x20, 2) == 0xFB00u);
}

TEST_CASE("8259A: edge request, INTA vector, in-service until specific EOI") {
    PicRig r;
    r.linux_init();
    r.out(0x21, 0xF9); // unmask IRQ1
    r.pic.set_irq(1, true);
    CHECK(r.intr);
    CHECK(r.pic.interrupt_pending());
    CHECK(r.in(0x20) == 0x02); // IRR (OCW3 default read)
    CHECK(r.pic.acknowledge() == 0x31);
    CHECK_FALSE(r.intr);
    CHECK(r.master_isr() == 0x02);
    CHECK(r.in(0x20) == 0x00); // the edge latch cleared by INTA
    // The line is still high: no new edge, nothing pending after the EOI.
    r.linux_eoi(1);
    CHECK(r.master_isr() == 0x00);
    CHECK_FALSE(r.pic.interrupt_pending());
    // A new edge interrupts again.
    r.pic.set_irq(1, false);
    r.pic.set_irq(1, true);
    CHECK(r.pic.interrupt_pending());
}

TEST_CASE("8259A: a pulse on an edge input is latched until INTA; masked requests wait") {
    PicRig r;
    r.seabios_init();
    IrqLine line;
    r.pic.connect(line, 4);
    line.pulse();
    CHECK_FALSE(r.pic.interrupt_pending()); // masked
    CHECK(r.in(0x20) == 0x10);              // but requested
    r.out(0x21, 0xEB);                      // unmask IRQ4
    CHECK(r.intr);
    CHECK(r.pic.acknowledge() == 0x0C);
    CHECK(r.intr_changes == 2); // up, then down
}

TEST_CASE("8259A: fully nested priorities, non-specific EOI") {
    PicRig r;
    r.seabios_init();
    r.out(0x21, 0x00);
    r.pic.set_irq(5, true);
    r.pic.set_irq(3, true);
    CHECK(r.pic.acknowledge() == 0x0B); // IRQ3 before IRQ5
    CHECK_FALSE(r.pic.interrupt_pending());
    r.pic.set_irq(1, true); // higher priority nests
    CHECK(r.pic.interrupt_pending());
    CHECK(r.pic.acknowledge() == 0x09);
    CHECK(r.master_isr() == 0x0A);
    r.out(0x20, 0x20); // non-specific EOI ends IRQ1, the highest in service
    CHECK(r.master_isr() == 0x08);
    CHECK_FALSE(r.pic.interrupt_pending()); // IRQ5 still blocked by IRQ3
    r.out(0x20, 0x20);
    CHECK(r.pic.acknowledge() == 0x0D);
}

TEST_CASE("8259A: slave cascade through master IR2, Linux EOI order") {
    PicRig r;
    r.linux_init();
    r.out(0xA1, 0xEE); // unmask IRQ8 and IRQ12
    r.pic.set_irq(12, true);
    CHECK(r.intr);
    CHECK(r.pic.acknowledge() == 0x3C);
    CHECK(r.master_isr() == 0x04);
    CHECK(r.slave_isr() == 0x10);
    // Normal nesting: the master's IR2 in service blocks even a higher slave request.
    r.pic.set_irq(8, true);
    CHECK_FALSE(r.pic.interrupt_pending());
    r.linux_eoi(12);
    CHECK(r.slave_isr() == 0x00);
    CHECK(r.master_isr() == 0x00);
    CHECK(r.pic.interrupt_pending());
    CHECK(r.pic.acknowledge() == 0x38);
}

TEST_CASE("8259A: special fully nested mode lets a higher slave request through") {
    PicRig r;
    r.seabios_init(0x11); // master ICW4: SFNM
    r.out(0xA1, 0xEE);
    r.pic.set_irq(12, true);
    CHECK(r.pic.acknowledge() == 0x74);
    r.pic.set_irq(8, true);
    CHECK(r.pic.interrupt_pending());
    CHECK(r.pic.acknowledge() == 0x70);
    CHECK(r.slave_isr() == 0x11);
    // A lower slave request still waits for the slave's own nesting.
    r.pic.set_irq(13, true);
    r.out(0xA1, 0xCE);
    CHECK_FALSE(r.pic.interrupt_pending());
}

TEST_CASE("8259A: slave with two requests in auto-EOI keeps the master asking") {
    PicRig r;
    r.out(0x20, 0x11);
    r.out(0x21, 0x08);
    r.out(0x21, 0x04);
    r.out(0x21, 0x03); // master auto-EOI
    r.out(0xA0, 0x11);
    r.out(0xA1, 0x70);
    r.out(0xA1, 0x02);
    r.out(0xA1, 0x03); // slave auto-EOI
    r.pic.set_irq(9, true);
    r.pic.set_irq(11, true);
    CHECK(r.pic.acknowledge() == 0x71);
    CHECK(r.master_isr() == 0x00);
    CHECK(r.pic.interrupt_pending());
    CHECK(r.pic.acknowledge() == 0x73);
    CHECK_FALSE(r.pic.interrupt_pending());
}

TEST_CASE("8259A: ELCR level inputs, spurious IRQ7 and IRQ15") {
    PicRig r;
    r.seabios_init();
    r.out(0x4D0, 0xFF);
    r.out(0x4D1, 0xFF);
    CHECK(r.in(0x4D0) == 0xF8); // IRQ0-2 are always edge
    CHECK(r.in(0x4D1) == 0xDE); // IRQ8 and IRQ13 too
    r.out(0x4D0, 0x20);         // IRQ5 level
    r.out(0x4D1, 0x04);         // IRQ10 level
    r.out(0x21, 0x00);
    r.out(0xA1, 0x00);

    // A level request that stays high is requested again after the EOI.
    r.pic.set_irq(5, true);
    CHECK(r.pic.acknowledge() == 0x0D);
    CHECK(r.in(0x20) == 0x20); // IRR still shows the level
    r.out(0x20, 0x65);
    CHECK(r.pic.interrupt_pending());
    // It goes away before INTA: INTR drops, and a late INTA gets the spurious IR7 vector with
    // nothing put in service.
    r.pic.set_irq(5, false);
    CHECK_FALSE(r.intr);
    CHECK(r.pic.acknowledge() == 0x0F);
    CHECK(r.master_isr() == 0x00);

    // On the slave: the master latched the cascade edge, the slave has nothing left at INTA:
    // vector IRQ15, the master's IR2 in service (Linux then EOIs the master only).
    r.pic.set_irq(10, true);
    CHECK(r.intr);
    r.pic.set_irq(10, false);
    CHECK(r.pic.acknowledge() == 0x77);
    CHECK(r.master_isr() == 0x04);
    CHECK(r.slave_isr() == 0x00);
    r.out(0x20, 0x62);
    CHECK_FALSE(r.pic.interrupt_pending());
}

TEST_CASE("8259A: poll mode acknowledges through a port read") {
    PicRig r;
    r.seabios_init();
    r.out(0x21, 0xFF); // a masked request is not polled
    r.pic.set_irq(6, true);
    r.out(0x20, 0x0C); // OCW3 poll
    CHECK(r.in(0x20) == 0x00);
    r.out(0x21, 0x00);
    r.out(0x20, 0x0C);
    CHECK(r.in(0x20) == 0x86);
    CHECK(r.master_isr() == 0x40);
    CHECK(r.in(0x20) == 0x00); // back to reading IRR
}

TEST_CASE("8259A: special mask mode enables lower levels under a masked in-service one") {
    PicRig r;
    r.seabios_init();
    r.out(0x21, 0x00);
    r.pic.set_irq(3, true);
    CHECK(r.pic.acknowledge() == 0x0B);
    r.pic.set_irq(6, true);
    CHECK_FALSE(r.pic.interrupt_pending());
    r.out(0x21, 0x08); // mask IRQ3 (in service)
    CHECK_FALSE(r.pic.interrupt_pending());
    r.out(0x20, 0x68); // OCW3: set special mask mode
    CHECK(r.pic.interrupt_pending());
    CHECK(r.pic.acknowledge() == 0x0E);
    r.out(0x20, 0x66); // specific EOI 6
    r.out(0x20, 0x48); // reset special mask mode
    r.pic.set_irq(7, true);
    CHECK_FALSE(r.pic.interrupt_pending()); // IRQ3 in service blocks again
}

TEST_CASE("8259A: priority rotation (set priority, rotate on EOI, rotate in auto-EOI)") {
    PicRig r;
    r.seabios_init();
    r.out(0x21, 0x00);
    r.out(0x20, 0xC4); // IR4 lowest: IR5 highest
    r.pic.set_irq(1, true);
    r.pic.set_irq(6, true);
    CHECK(r.pic.acknowledge() == 0x0E);
    r.out(0x20, 0xA0); // rotate on non-specific EOI: IR6 becomes lowest
    CHECK(r.pic.acknowledge() == 0x09);
    r.out(0x20, 0xE1); // rotate on specific EOI 1: IR1 lowest, IR2 highest
    r.pic.set_irq(1, false);
    r.pic.set_irq(1, true);
    r.pic.set_irq(3, true);
    CHECK(r.pic.acknowledge() == 0x0B); // IR3 ahead of IR1 now
    r.out(0x20, 0x20);
    CHECK(r.pic.acknowledge() == 0x09);
    r.out(0x20, 0x20);

    // Rotate in auto-EOI mode: each acknowledged level becomes the lowest.
    PicRig a;
    a.out(0x20, 0x11);
    a.out(0x21, 0x20);
    a.out(0x21, 0x04);
    a.out(0x21, 0x03);
    a.out(0x20, 0x80); // set rotate in auto-EOI
    a.out(0x21, 0x00);
    a.pic.set_irq(0, true);
    a.pic.set_irq(4, true);
    CHECK(a.pic.acknowledge() == 0x20);
    a.pic.set_irq(0, false);
    a.pic.set_irq(0, true);
    CHECK(a.pic.acknowledge() == 0x24); // IR0 is now the lowest
    CHECK(a.pic.acknowledge() == 0x20);
}

TEST_CASE("8259A: ICW1 clears the masks, in-service bits and edge latches") {
    PicRig r;
    r.seabios_init();
    r.out(0x21, 0x00);
    r.pic.set_irq(3, true);
    r.pic.set_irq(4, true);
    CHECK(r.pic.acknowledge() == 0x0B);
    r.linux_init();
    CHECK(r.master_isr() == 0x00);
    CHECK(r.in(0x20) == 0x00);
    r.out(0x21, 0x00);
    CHECK_FALSE(r.pic.interrupt_pending()); // IRQ4's pending edge was forgotten
}
