// The P6 local APIC driven through its MMIO registers and input pins, with no CPU.
#include "devices/apic/local_apic.h"
#include <doctest/doctest.h>

using namespace vmi86;

namespace {

constexpr u32 kId = 0x020, kVersion = 0x030, kTpr = 0x080, kPpr = 0x0A0, kEoi = 0x0B0;
constexpr u32 kLdr = 0x0D0, kSvr = 0x0F0, kIsr = 0x100, kTmr = 0x180, kIrr = 0x200;
constexpr u32 kEsr = 0x280, kIcrLow = 0x300, kIcrHigh = 0x310, kLvtTimer = 0x320;
constexpr u32 kLvtLint0 = 0x350, kLvtLint1 = 0x360, kLvtError = 0x370;
constexpr u32 kTimerInitial = 0x380, kTimerCurrent = 0x390, kTimerDivide = 0x3E0;

bool bit_set(LocalApic& apic, u32 base, u8 vector) {
    return apic.mmio_read(base + 0x10 * (vector / 32), 4) & (1u << (vector % 32));
}

struct Fixture {
    Scheduler scheduler;
    Log log;
    LocalApic apic{scheduler, log};
    int kicks = 0;
    Fixture() {
        apic.on_interrupt = [this] { ++kicks; };
    }
    void enable() { apic.mmio_write(kSvr, 4, 0x1FF); }
    void advance_to(u64 t) {
        scheduler.set_manual_time(t);
        scheduler.run_due();
    }
    // Takes the pending interrupt and returns its vector (-1: none, -2: ExtINT).
    int take() {
        if (!apic.interrupt_pending()) return -1;
        auto ack = apic.acknowledge();
        return ack.source == LocalApic::Acknowledge::Source::ExtInt ? -2 : ack.vector;
    }
};

} // namespace

TEST_CASE("reset state reports a P6 APIC") {
    Fixture f;
    CHECK(f.apic.mmio_read(kVersion, 4) == 0x00040011);
    CHECK(f.apic.mmio_read(kId, 4) == 0);
    CHECK(f.apic.mmio_read(kSvr, 4) == 0xFF);
    CHECK(f.apic.mmio_read(kLvtTimer, 4) == 0x00010000);
    CHECK(f.apic.mmio_read(kLvtLint0, 4) == 0x00010000);
    CHECK(f.apic.base_msr() == 0xFEE00900);
    CHECK(f.apic.enabled());
    CHECK_FALSE(f.apic.software_enabled());
    // P6 spurious vectors have bits 3:0 hardwired to ones.
    f.apic.mmio_write(kSvr, 4, 0x1E0);
    CHECK(f.apic.mmio_read(kSvr, 4) == 0x1EF);
    CHECK(f.apic.software_enabled());
    f.apic.mmio_write(kId, 4, 0x03000000);
    CHECK(f.apic.mmio_read(kId, 4) == 0x03000000);
}

TEST_CASE("fixed interrupts need the software enable bit") {
    Fixture f;
    f.apic.accept_interrupt(0x40, false);
    CHECK_FALSE(f.apic.interrupt_pending());
    f.enable();
    f.apic.accept_interrupt(0x40, false);
    CHECK(f.kicks == 1);
    CHECK(bit_set(f.apic, kIrr, 0x40));
    CHECK(f.take() == 0x40);
    CHECK_FALSE(bit_set(f.apic, kIrr, 0x40));
    CHECK(bit_set(f.apic, kIsr, 0x40));
    CHECK(f.take() == -1);
    f.apic.mmio_write(kEoi, 4, 0);
    CHECK_FALSE(bit_set(f.apic, kIsr, 0x40));
}

TEST_CASE("priority: TPR and in-service vectors hold back lower classes") {
    Fixture f;
    f.enable();
    f.apic.mmio_write(kTpr, 4, 0x50);
    f.apic.accept_interrupt(0x45, false);
    CHECK_FALSE(f.apic.interrupt_pending()); // class 4 <= TPR class 5
    f.apic.accept_interrupt(0x61, false);
    f.apic.accept_interrupt(0x62, false);
    CHECK(f.take() == 0x62); // highest vector first
    CHECK(f.apic.mmio_read(kPpr, 4) == 0x60);
    CHECK_FALSE(f.apic.interrupt_pending()); // 0x61 is in the same class as 0x62 in service
    f.apic.mmio_write(kTpr, 4, 0x00);
    CHECK_FALSE(f.apic.interrupt_pending());
    f.apic.mmio_write(kEoi, 4, 0); // EOI clears the highest ISR bit (0x62)
    CHECK(f.take() == 0x61);
    f.apic.mmio_write(kEoi, 4, 0);
    CHECK(f.take() == 0x45);
    f.apic.mmio_write(kEoi, 4, 0);
    CHECK(f.apic.mmio_read(kPpr, 4) == 0);
    // Nothing pending: an acknowledge gets the spurious vector and sets no ISR bit.
    auto ack = f.apic.acknowledge();
    CHECK(ack.vector == 0xFF);
    CHECK(f.apic.mmio_read(kIsr + 0x70, 4) == 0);
}

TEST_CASE("EOI of a level-triggered vector is reported; edge is not") {
    Fixture f;
    f.enable();
    std::vector<u8> eois;
    f.apic.on_level_eoi = [&](u8 v) { eois.push_back(v); };
    f.apic.accept_interrupt(0x50, true);
    CHECK(bit_set(f.apic, kTmr, 0x50));
    CHECK(f.take() == 0x50);
    f.apic.mmio_write(kEoi, 4, 0);
    f.apic.accept_interrupt(0x51, false);
    CHECK(f.take() == 0x51);
    f.apic.mmio_write(kEoi, 4, 0);
    CHECK(eois == std::vector<u8>{0x50});
}

TEST_CASE("illegal vectors set ESR and raise the error LVT") {
    Fixture f;
    f.enable();
    f.apic.mmio_write(kLvtError, 4, 0xFE);
    f.apic.accept_interrupt(0x05, false);
    CHECK(f.take() == 0xFE);
    f.apic.mmio_write(kEsr, 4, 0); // latch
    CHECK(f.apic.mmio_read(kEsr, 4) == 0x40);
    f.apic.mmio_write(kEsr, 4, 0);
    CHECK(f.apic.mmio_read(kEsr, 4) == 0);
    f.apic.mmio_read(0x330, 4); // no thermal LVT on P6: illegal register
    f.apic.mmio_write(kEsr, 4, 0);
    CHECK(f.apic.mmio_read(kEsr, 4) == 0x80);
}

TEST_CASE("timer one-shot counts bus clocks through the divider") {
    Fixture f;
    f.enable();
    f.advance_to(1000);
    f.apic.mmio_write(kTimerDivide, 4, 0x3); // divide by 16: 160 ns per count
    f.apic.mmio_write(kLvtTimer, 4, 0x30);
    f.apic.mmio_write(kTimerInitial, 4, 1000);
    CHECK(f.apic.mmio_read(kTimerCurrent, 4) == 1000);
    f.advance_to(1000 + 160 * 250);
    CHECK(f.apic.mmio_read(kTimerCurrent, 4) == 750);
    f.advance_to(1000 + 160 * 1000 - 1);
    CHECK_FALSE(f.apic.interrupt_pending());
    CHECK(f.apic.mmio_read(kTimerCurrent, 4) == 1);
    f.advance_to(1000 + 160 * 1000);
    CHECK(f.take() == 0x30);
    CHECK(f.apic.mmio_read(kTimerCurrent, 4) == 0);
    CHECK(f.scheduler.next_deadline() == Scheduler::kNever);
}

TEST_CASE("timer periodic reloads and keeps firing") {
    Fixture f;
    f.enable();
    f.apic.mmio_write(kTimerDivide, 4, 0xB);            // divide by 1: 10 ns per count
    f.apic.mmio_write(kLvtTimer, 4, (1u << 17) | 0x31); // periodic
    f.apic.mmio_write(kTimerInitial, 4, 100);           // 1 us period
    f.advance_to(999);
    CHECK_FALSE(f.apic.interrupt_pending());
    f.advance_to(1000);
    CHECK(f.take() == 0x31);
    f.apic.mmio_write(kEoi, 4, 0);
    f.advance_to(1500);
    CHECK(f.apic.mmio_read(kTimerCurrent, 4) == 50);
    CHECK(f.scheduler.next_deadline() == 2000);
    f.advance_to(2000);
    CHECK(f.take() == 0x31);
    f.apic.mmio_write(kEoi, 4, 0);
    // Changing the divider keeps the current count: 50 counts left at 20 ns each.
    f.advance_to(2500);
    f.apic.mmio_write(kTimerDivide, 4, 0x0);
    CHECK(f.apic.mmio_read(kTimerCurrent, 4) == 50);
    CHECK(f.scheduler.next_deadline() == 3500);
    // Masked: the count goes on, no interrupt.
    f.apic.mmio_write(kLvtTimer, 4, (1u << 17) | (1u << 16) | 0x31);
    f.advance_to(3500);
    CHECK_FALSE(f.apic.interrupt_pending());
    // Writing 0 stops it.
    f.apic.mmio_write(kTimerInitial, 4, 0);
    CHECK(f.scheduler.next_deadline() == Scheduler::kNever);
    CHECK(f.apic.mmio_read(kTimerCurrent, 4) == 0);
}

TEST_CASE("LINT0: 8259 passthrough while disabled, ExtINT once programmed") {
    Fixture f;
    // Software-disabled after reset: LINT0 is the 8259's INTR, straight through.
    f.apic.set_lint0(true);
    CHECK(f.kicks == 1);
    CHECK(f.take() == -2);
    f.apic.set_lint0(false);
    CHECK_FALSE(f.apic.interrupt_pending());

    // Enabled with LINT0 masked (the reset value): the 8259 is cut off.
    f.enable();
    f.apic.set_lint0(true);
    CHECK_FALSE(f.apic.interrupt_pending());
    // Virtual wire mode: LINT0 unmasked ExtINT.
    f.apic.mmio_write(kLvtLint0, 4, 0x700);
    CHECK(f.take() == -2);
    // A fixed APIC interrupt is served first.
    f.apic.accept_interrupt(0x80, false);
    CHECK(f.take() == 0x80);
    CHECK(f.take() == -2);
    f.apic.set_lint0(false);
    CHECK_FALSE(f.apic.interrupt_pending());

    // Globally disabled through the base MSR: passthrough again, registers gone.
    f.apic.mmio_write(kLvtLint0, 4, 0x10700);
    f.apic.set_base_msr(0xFEE00000);
    CHECK_FALSE(f.apic.enabled());
    CHECK(f.apic.base_msr() == 0xFEE00100); // BSP bit is read-only
    CHECK(f.apic.mmio_read(kVersion, 4) == 0xFFFFFFFF);
    f.apic.set_lint0(true);
    CHECK(f.take() == -2);
}

TEST_CASE("LINT1 as NMI and LINT0 as a fixed level-triggered vector") {
    Fixture f;
    f.enable();
    f.apic.mmio_write(kLvtLint1, 4, 0x400);
    f.apic.set_lint1(true);
    CHECK(f.apic.nmi_pending());
    f.apic.acknowledge_nmi();
    f.apic.set_lint1(true); // no new edge
    CHECK_FALSE(f.apic.nmi_pending());

    f.apic.mmio_write(kLvtLint0, 4, 0x8000 | 0x70); // fixed, level
    f.apic.set_lint0(true);
    CHECK(((f.apic.mmio_read(kLvtLint0, 4)) & 0x4000) != 0); // remote IRR
    CHECK(f.take() == 0x70);
    f.apic.mmio_write(kEoi, 4, 0); // still asserted: delivered again
    CHECK(f.take() == 0x70);
    f.apic.set_lint0(false);
    f.apic.mmio_write(kEoi, 4, 0);
    CHECK_FALSE(((f.apic.mmio_read(kLvtLint0, 4)) & 0x4000) != 0);
    CHECK_FALSE(f.apic.interrupt_pending());
}

TEST_CASE("self IPIs through the ICR") {
    Fixture f;
    f.enable();
    f.apic.mmio_write(kIcrLow, 4, 0x00040041); // shorthand self, fixed 0x41
    CHECK(f.take() == 0x41);
    f.apic.mmio_write(kEoi, 4, 0);
    f.apic.mmio_write(kIcrHigh, 4, 0x00000000); // physical destination 0 = this APIC
    f.apic.mmio_write(kIcrLow, 4, 0x42);
    CHECK(f.take() == 0x42);
    f.apic.mmio_write(kEoi, 4, 0);
    f.apic.mmio_write(kIcrHigh, 4, 0x03000000); // another APIC: nobody
    f.apic.mmio_write(kIcrLow, 4, 0x43);
    CHECK_FALSE(f.apic.interrupt_pending());
    f.apic.mmio_write(kIcrLow, 4, 0x000C0044); // all excluding self
    CHECK_FALSE(f.apic.interrupt_pending());
    CHECK((f.apic.mmio_read(kIcrLow, 4) & 0x1000) == 0); // delivery status idle
    // Logical flat destination matches the LDR.
    f.apic.mmio_write(kLdr, 4, 0x01000000);
    f.apic.mmio_write(kIcrHigh, 4, 0x01000000);
    f.apic.mmio_write(kIcrLow, 4, 0x800 | 0x45);
    CHECK(f.take() == 0x45);
}

TEST_CASE("receive() filters APIC messages by destination") {
    Fixture f;
    f.enable();
    f.apic.receive({0x60, ApicDeliveryMode::Fixed, false, 1, false}); // physical ID 1: not us
    CHECK_FALSE(f.apic.interrupt_pending());
    f.apic.receive({0x60, ApicDeliveryMode::LowestPriority, false, 0, false});
    CHECK(f.take() == 0x60);
    f.apic.receive({0, ApicDeliveryMode::Nmi, true, 0xFF, false});
    CHECK(f.apic.nmi_pending());
}
