// The 82093AA I/O APIC: indirect registers, redirection entries, edge and level inputs.
#include "devices/apic/io_apic.h"
#include "devices/apic/local_apic.h"
#include <doctest/doctest.h>
#include <vector>

using namespace vmi86;

namespace {

struct Fixture {
    Log log;
    IoApic ioapic{log};
    std::vector<ApicMessage> sent;
    Fixture() {
        ioapic.deliver = [this](const ApicMessage& m) { sent.push_back(m); };
    }
    u32 read(u8 index) {
        ioapic.mmio_write(0x00, 4, index);
        return ioapic.mmio_read(0x10, 4);
    }
    void write(u8 index, u32 value) {
        ioapic.mmio_write(0x00, 4, index);
        ioapic.mmio_write(0x10, 4, value);
    }
    void program(unsigned pin, u32 low, u32 high = 0) {
        write(u8(0x11 + 2 * pin), high);
        write(u8(0x10 + 2 * pin), low);
    }
};

} // namespace

TEST_CASE("identification registers") {
    Fixture f;
    CHECK(f.read(0x01) == 0x00170011);
    f.write(0x00, 0x0F000000 | 0x00FFFFFF); // only the 4-bit ID is writable
    CHECK(f.read(0x00) == 0x0F000000);
    CHECK(f.read(0x02) == 0x0F000000);
    f.ioapic.mmio_write(0x00, 4, 0x01);
    CHECK(f.ioapic.mmio_read(0x00, 4) == 0x01); // IOREGSEL reads back
    // Redirection entries start masked.
    CHECK(f.read(0x10) == 0x00010000);
    CHECK(f.read(0x10 + 2 * 23) == 0x00010000);
}

TEST_CASE("redirection entry programming and edge delivery") {
    Fixture f;
    // Pin 2 (the PIT's IRQ0): fixed, logical destination 0x01, edge, unmasked.
    f.program(2, 0x0830, 0x01000000);
    CHECK(f.read(0x14) == 0x0830);
    CHECK(f.read(0x15) == 0x01000000);
    f.write(0x14, 0xFFFFFFFF); // delivery status and remote IRR are read-only
    CHECK(f.read(0x14) == 0x0001AFFF);
    f.program(2, 0x0830, 0x01000000);

    f.ioapic.set_irq(2, true);
    REQUIRE(f.sent.size() == 1);
    CHECK(f.sent[0].vector == 0x30);
    CHECK(f.sent[0].delivery_mode == ApicDeliveryMode::Fixed);
    CHECK(f.sent[0].logical_destination);
    CHECK(f.sent[0].destination == 0x01);
    CHECK_FALSE(f.sent[0].level_triggered);
    f.ioapic.set_irq(2, true); // no new edge
    CHECK(f.sent.size() == 1);
    f.ioapic.set_irq(2, false);
    f.ioapic.set_irq(2, true);
    CHECK(f.sent.size() == 2);
}

TEST_CASE("masked pins deliver nothing; masked edges are lost") {
    Fixture f;
    f.program(5, 0x00010035); // masked
    f.ioapic.set_irq(5, true);
    CHECK(f.sent.empty());
    f.program(5, 0x00000035); // unmasking an edge pin does not replay the edge
    CHECK(f.sent.empty());
    f.ioapic.set_irq(5, false);
    f.ioapic.set_irq(5, true);
    CHECK(f.sent.size() == 1);
}

TEST_CASE("level-triggered pins: remote IRR and re-delivery at EOI") {
    Fixture f;
    f.program(16, 0xA050); // level, active low (stored), vector 0x50
    f.ioapic.set_irq(16, true);
    REQUIRE(f.sent.size() == 1);
    CHECK(f.sent[0].level_triggered);
    CHECK(((f.read(0x10 + 32)) & 0x4000) != 0); // remote IRR
    f.ioapic.set_irq(16, true);
    CHECK(f.sent.size() == 1);
    f.ioapic.end_of_interrupt(0x51); // another vector: no effect
    CHECK(f.sent.size() == 1);
    f.ioapic.end_of_interrupt(0x50); // still asserted: again
    CHECK(f.sent.size() == 2);
    CHECK(((f.read(0x10 + 32)) & 0x4000) != 0);
    f.ioapic.set_irq(16, false);
    f.ioapic.end_of_interrupt(0x50);
    CHECK(f.sent.size() == 2);
    CHECK_FALSE(((f.read(0x10 + 32)) & 0x4000) != 0);

    // A masked level line that is asserted delivers when unmasked.
    f.program(17, 0x18060);
    f.ioapic.set_irq(17, true);
    CHECK(f.sent.size() == 2);
    f.program(17, 0x08060);
    CHECK(f.sent.size() == 3);
    CHECK(f.sent.back().vector == 0x60);
}

TEST_CASE("I/O APIC and local APIC wired together") {
    Scheduler scheduler;
    Log log;
    IoApic ioapic{log};
    LocalApic lapic{scheduler, log};
    ioapic.deliver = [&](const ApicMessage& m) { lapic.receive(m); };
    lapic.on_level_eoi = [&](u8 v) { ioapic.end_of_interrupt(v); };
    lapic.mmio_write(0x0F0, 4, 0x1FF);
    lapic.mmio_write(0x0D0, 4, 0x01000000); // logical ID 1, flat model

    ioapic.mmio_write(0x00, 4, 0x10 + 2 * 9 + 1);
    ioapic.mmio_write(0x10, 4, 0x01000000);
    ioapic.mmio_write(0x00, 4, 0x10 + 2 * 9);
    ioapic.mmio_write(0x10, 4, 0x8000 | 0x800 | 0x59); // level, logical, vector 0x59

    ioapic.set_irq(9, true);
    REQUIRE(lapic.interrupt_pending());
    CHECK(lapic.acknowledge().vector == 0x59);
    lapic.mmio_write(0x0B0, 4, 0); // EOI while the line is still up: delivered again
    REQUIRE(lapic.interrupt_pending());
    CHECK(lapic.acknowledge().vector == 0x59);
    ioapic.set_irq(9, false);
    lapic.mmio_write(0x0B0, 4, 0);
    CHECK_FALSE(lapic.interrupt_pending());

    // A destination that does not name this CPU is not accepted.
    ioapic.mmio_write(0x00, 4, 0x10 + 2 * 9 + 1);
    ioapic.mmio_write(0x10, 4, 0x02000000);
    ioapic.set_irq(9, true);
    CHECK_FALSE(lapic.interrupt_pending());
}
