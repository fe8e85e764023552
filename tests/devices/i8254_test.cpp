// The 8254 PIT and port 0x61 driven as Linux (i8253 clockevent/clocksource, TSC calibration)
// and SeaBIOS program them, checked against virtual time.
#include "devices/i8254.h"
#include "devices/port61.h"
#include <doctest/doctest.h>
#include <vector>

using namespace vmi86;

namespace {

struct PitRig {
    Log log;
    IoSpace io;
    Scheduler scheduler;
    IrqLine irq0;
    Pit8254 pit{io, scheduler, irq0, log};
    SystemControlPortB port61{io, scheduler, pit};
    std::vector<u64> rising_ticks; // IRQ0 rising edges, in PIT clock pulses

    PitRig() {
        irq0.connect([this](bool level) {
            if (level) rising_ticks.push_back(Pit8254::tick_at(scheduler.now()));
        });
    }
    // Runs every event up to virtual time t, each at its own time.
    void run_to(u64 t) {
        for (u64 due; (due = scheduler.next_deadline()) <= t;) {
            scheduler.set_manual_time(due);
            scheduler.run_due();
        }
        scheduler.set_manual_time(t);
    }
    void run_to_tick(u64 tick) { run_to(Pit8254::time_of_tick(tick)); }
    void out(u16 port, u8 value) { io.write(port, 1, value); }
    u8 in(u16 port) { return u8(io.read(port, 1)); }
    u16 read_lsb_msb(u16 port) {
        const u8 lo = in(port);
        return u16(lo | in(port) << 8);
    }
    u16 latch_and_read(unsigned counter) {
        out(0x43, u8(counter << 6));
        return read_lsb_msb(u16(0x40 + counter));
    }
};

} // namespace

TEST_CASE("8254: time conversion is exact at clock pulse boundaries") {
    CHECK(Pit8254::tick_at(0) == 0);
    CHECK(Pit8254::tick_at(1'000'000'000) == 1193182);
    for (u64 tick : {1ull, 1193ull, 65536ull, 123456789ull}) {
        const u64 t = Pit8254::time_of_tick(tick);
        CHECK(Pit8254::tick_at(t) == tick);
        CHECK(Pit8254::tick_at(t - 1) == tick - 1);
    }
}

TEST_CASE("8254: Linux periodic mode 2 at HZ=1000 gives IRQ0 every 1193 clocks") {
    PitRig r;
    r.out(0x43, 0x34); // counter 0, LSB then MSB, mode 2, binary
    const u16 latch = (1193182 + 500) / 1000;
    r.out(0x40, u8(latch));
    r.out(0x40, u8(latch >> 8));
    REQUIRE(r.rising_ticks.size() == 1); // OUT goes high with the control word
    r.rising_ticks.clear();
    r.run_to(10'000'000);
    // Loaded on the first pulse after the write, then one period per reload.
    REQUIRE(r.rising_ticks.size() == 10);
    for (size_t i = 0; i < r.rising_ticks.size(); ++i)
        CHECK(r.rising_ticks[i] == 1 + latch * (i + 1));
    CHECK(r.irq0.level());
    // Only the rising edges are events: one scheduled at a time.
    CHECK(r.scheduler.next_deadline() == Pit8254::time_of_tick(1 + 11 * latch));
}

TEST_CASE("8254: SeaBIOS mode 3 square wave, count 0 = 65536 (18.2 Hz)") {
    PitRig r;
    r.out(0x43, 0x36);
    r.out(0x40, 0);
    r.out(0x40, 0);
    r.rising_ticks.clear();
    r.run_to_tick(1 + 32768 - 1);
    CHECK(r.irq0.level());
    r.run_to_tick(1 + 32768);
    CHECK_FALSE(r.irq0.level()); // second half low
    CHECK_FALSE(r.pit.out(0));
    r.run_to_tick(1 + 3 * 65536);
    REQUIRE(r.rising_ticks.size() == 3);
    CHECK(r.rising_ticks[0] == 1 + 65536);
    CHECK(r.rising_ticks[2] == 1 + 3 * 65536);
    // Counting by two: half-way through the high half, 32768 pulses were 65536 decrements.
    r.run_to_tick(1 + 3 * 65536 + 1000);
    CHECK(r.latch_and_read(0) == 65536 - 2000);
}

TEST_CASE("8254: counter latch holds the value until read; live reads follow the count") {
    PitRig r;
    r.out(0x43, 0x34);
    r.out(0x40, 0xE8); // 1000
    r.out(0x40, 0x03);
    r.run_to_tick(301);
    r.out(0x43, 0x00); // latch counter 0
    r.run_to_tick(350);
    r.out(0x43, 0x00); // ignored: already latched
    r.run_to_tick(400);
    CHECK(r.read_lsb_msb(0x40) == 700);
    CHECK(r.read_lsb_msb(0x40) == 601); // live, 399 pulses after loading
    r.run_to_tick(1000);
    CHECK(r.latch_and_read(0) == 1);
    CHECK_FALSE(r.pit.out(0)); // the one-clock low strobe at count 1
    r.run_to_tick(1001);
    CHECK(r.latch_and_read(0) == 1000); // reloaded
    CHECK(r.pit.out(0));
}

TEST_CASE("8254: read-back command latches status (OUT, null count) and count") {
    PitRig r;
    r.out(0x43, 0x34);
    r.out(0x40, 0xE8);
    r.out(0x40, 0x03);
    r.out(0x43, 0xC2);         // read-back counter 0: count and status
    CHECK(r.in(0x40) == 0xF4); // OUT high, null count (not loaded yet), LSB/MSB, mode 2
    CHECK(r.read_lsb_msb(0x40) == 1000);
    r.run_to_tick(5);
    r.out(0x43, 0xE2);         // status only
    CHECK(r.in(0x40) == 0xB4); // loaded: null count clear
    CHECK(r.read_lsb_msb(0x40) == 996);
    // Counter 2 in mode 0 before terminal count: OUT low.
    r.out(0x61, 0x01);
    r.out(0x43, 0xB0);
    r.out(0x42, 0x10);
    r.out(0x42, 0x00);
    r.run_to_tick(10);
    r.out(0x43, 0xE8); // status of counter 2
    CHECK(r.in(0x42) == 0x30);
    // Mode written as 110 reads back as written and behaves as mode 2.
    r.out(0x43, 0x7C); // counter 1, LSB/MSB, mode "6", binary
    r.out(0x43, 0xE4);
    CHECK(r.in(0x41) == 0xFC);
}

TEST_CASE("8254: mode 0 one-shot interrupts once, N+1 clocks after the write") {
    PitRig r;
    r.out(0x43, 0x30);
    r.out(0x40, 100);
    r.out(0x40, 0);
    CHECK_FALSE(r.irq0.level());
    r.run_to_tick(100);
    CHECK(r.rising_ticks.empty());
    r.run_to_tick(101);
    REQUIRE(r.rising_ticks.size() == 1);
    CHECK(r.rising_ticks[0] == 101);
    CHECK(r.latch_and_read(0) == 0);
    r.run_to_tick(102);
    CHECK(r.latch_and_read(0) == 0xFFFF); // keeps counting, OUT stays high
    r.run_to(1'000'000'000);
    CHECK(r.rising_ticks.size() == 1);
    CHECK(r.scheduler.next_deadline() == Scheduler::kNever);
    // Linux's shutdown (mode 0, count 0): OUT drops with the control word.
    r.out(0x43, 0x30);
    CHECK_FALSE(r.irq0.level());
}

TEST_CASE("8254: Linux one-shot mode 4 strobes IRQ0 after the count") {
    PitRig r;
    r.out(0x43, 0x38);
    r.rising_ticks.clear();
    r.out(0x40, 50);
    r.out(0x40, 0);
    r.run_to_tick(51);
    CHECK_FALSE(r.pit.out(0)); // the strobe
    CHECK(r.rising_ticks.empty());
    r.run_to_tick(52);
    REQUIRE(r.rising_ticks.size() == 1);
    CHECK(r.rising_ticks[0] == 52);
    r.run_to_tick(200000);
    CHECK(r.rising_ticks.size() == 1);
    // The next event: a new count retriggers.
    r.out(0x40, 10);
    r.out(0x40, 0);
    r.run_to_tick(200000 + 12);
    CHECK(r.rising_ticks.size() == 2);
}

TEST_CASE("8254: a new count in mode 2 takes over at the end of the current period") {
    PitRig r;
    r.out(0x43, 0x34);
    r.out(0x40, 100);
    r.out(0x40, 0);
    r.rising_ticks.clear();
    r.run_to_tick(150);
    r.out(0x40, 50);
    r.out(0x40, 0);
    r.out(0x43, 0xE2);
    CHECK((r.in(0x40) & 0x40) != 0); // null count until the reload
    r.run_to_tick(351);
    CHECK(r.rising_ticks == std::vector<u64>{101, 201, 251, 301, 351});
}

TEST_CASE("8254: LSB-only and MSB-only access") {
    PitRig r;
    r.out(0x43, 0x14); // counter 0, LSB only, mode 2
    r.out(0x40, 0x80);
    r.rising_ticks.clear();
    r.run_to_tick(1 + 2 * 128);
    CHECK(r.rising_ticks == std::vector<u64>{129, 257});
    r.out(0x43, 0x24); // MSB only
    r.out(0x40, 0x01);
    r.run_to_tick(300);
    CHECK(r.in(0x40) == 0x00); // 256 - 42 = 0xD6: MSB 0
    r.out(0x43, 0x14);
    r.out(0x40, 0x80);
    r.run_to_tick(310);
    CHECK(r.in(0x40) == 0x80 - 9);
}

TEST_CASE("8254: BCD counting") {
    PitRig r;
    r.out(0x43, 0x75); // counter 1, LSB/MSB, mode 2, BCD
    r.out(0x41, 0x00);
    r.out(0x41, 0x10); // 1000 decimal
    r.run_to_tick(2);
    CHECK(r.latch_and_read(1) == 0x0999);
    r.out(0x41, 0x00);
    r.out(0x41, 0x00); // 0 = 10000
    r.out(0x43, 0x71); // re-arm: counter 1, mode 0, BCD
    r.out(0x41, 0x00);
    r.out(0x41, 0x00);
    r.run_to_tick(4);
    CHECK(r.latch_and_read(1) == 0x9999);
}

TEST_CASE("8254: mode 3 with an odd count") {
    PitRig r;
    r.out(0x43, 0x76); // counter 1, LSB/MSB, mode 3
    r.out(0x41, 5);
    r.out(0x41, 0);
    const u16 values[] = {5, 4, 2, 5, 2, 5, 4};
    const bool outs[] = {true, true, true, false, false, true, true};
    for (unsigned i = 0; i < 7; ++i) {
        r.run_to_tick(1 + i);
        CAPTURE(i);
        CHECK(r.latch_and_read(1) == values[i]);
        CHECK(r.pit.out(1) == outs[i]);
    }
}

TEST_CASE("port 0x61: Linux TSC calibration waits for counter 2's OUT") {
    PitRig r;
    r.out(0x61, u8((r.in(0x61) & ~0x02) | 0x01)); // gate on, speaker off
    CHECK((r.in(0x61) & 0x03) == 0x01);
    r.out(0x43, 0xB0); // counter 2, LSB/MSB, mode 0
    const u16 latch = 1193182 / (1000 / 10);
    r.out(0x42, u8(latch));
    r.out(0x42, u8(latch >> 8));
    r.run_to_tick(latch);
    CHECK((r.in(0x61) & 0x20) == 0);
    r.run_to_tick(latch + 1);
    CHECK((r.in(0x61) & 0x20) == 0x20);
    CHECK(r.rising_ticks.empty()); // counter 2 is not IRQ0
}

TEST_CASE("port 0x61: quick_pit_calibrate sees the MSB fall every 256 clocks") {
    PitRig r;
    r.out(0x61, 0x01);
    r.out(0x43, 0xB0);
    r.out(0x42, 0xFF);
    r.out(0x42, 0xFF);
    for (unsigned i = 0; i < 5; ++i) {
        r.run_to_tick(1 + 256 * i + 3);
        r.in(0x42); // LSB, discarded
        CHECK(r.in(0x42) == 0xFF - i);
    }
}

TEST_CASE("port 0x61: the gate holds counter 2 in mode 0 and retriggers mode 1") {
    PitRig r;
    r.out(0x61, 0x00);
    r.out(0x43, 0xB0);
    r.out(0x42, 100);
    r.out(0x42, 0);
    r.run_to_tick(500);
    CHECK(r.latch_and_read(2) == 100);
    r.out(0x61, 0x01);
    r.run_to_tick(599);
    CHECK((r.in(0x61) & 0x20) == 0);
    r.run_to_tick(600);
    CHECK((r.in(0x61) & 0x20) == 0x20);
    // Rewriting the count's first byte in mode 0 drops OUT at once.
    r.out(0x42, 5);
    CHECK((r.in(0x61) & 0x20) == 0);
    r.out(0x42, 0);
    r.run_to_tick(606);
    CHECK((r.in(0x61) & 0x20) == 0x20);

    // Mode 1: OUT low for N clocks after each gate rising edge.
    r.out(0x61, 0x00);
    r.out(0x43, 0xB2);
    r.out(0x42, 10);
    r.out(0x42, 0);
    r.run_to_tick(700);
    CHECK(r.pit.out(2));
    r.out(0x61, 0x01);
    r.run_to_tick(701);
    CHECK_FALSE(r.pit.out(2));
    r.run_to_tick(710);
    CHECK_FALSE(r.pit.out(2));
    r.run_to_tick(711);
    CHECK(r.pit.out(2));
}

TEST_CASE("port 0x61: refresh toggle every 15.085 us, control bits read back") {
    PitRig r;
    CHECK((r.in(0x61) & 0x10) == 0);
    r.run_to(15085);
    CHECK((r.in(0x61) & 0x10) == 0x10);
    r.run_to(2 * 15085 - 1);
    CHECK((r.in(0x61) & 0x10) == 0x10);
    r.run_to(2 * 15085);
    CHECK((r.in(0x61) & 0x10) == 0);
    r.out(0x61, 0xFF);
    CHECK((r.in(0x61) & 0xCF) == 0x0F);
    CHECK(r.port61.speaker_enabled());
    CHECK(r.pit.gate(2));
}
