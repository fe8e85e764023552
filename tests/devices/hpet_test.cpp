// The HPET driven through its MMIO registers against virtual time.
#include "devices/hpet.h"
#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace vmi86;

namespace {

constexpr u32 kCapabilities = 0x000, kConfig = 0x010, kStatus = 0x020, kCounter = 0x0F0;
constexpr u32 timer_config(unsigned n) { return 0x100 + 0x20 * n; }
constexpr u32 timer_comparator(unsigned n) { return 0x108 + 0x20 * n; }

constexpr u32 kEnable = 1, kLegacy = 2;
constexpr u32 kTnLevel = 1u << 1, kTnIntEnable = 1u << 2, kTnPeriodic = 1u << 3;
constexpr u32 kTnValSet = 1u << 6, kTn32Bit = 1u << 8;
constexpr u32 route(unsigned pin) { return pin << 9; }

struct Fixture {
    Scheduler scheduler;
    Log log;
    Hpet hpet{scheduler, log};
    std::vector<std::string> events; // "irq0+", "pin20-", ...
    Fixture() {
        hpet.legacy_irq = [this](unsigned irq, bool level) {
            events.push_back("irq" + std::to_string(irq) + (level ? "+" : "-"));
        };
        hpet.ioapic_irq = [this](unsigned pin, bool level) {
            events.push_back("pin" + std::to_string(pin) + (level ? "+" : "-"));
        };
    }
    void advance_to(u64 t) {
        scheduler.set_manual_time(t);
        scheduler.run_due();
    }
    u64 counter() {
        u32 low = hpet.mmio_read(kCounter, 4);
        return (u64(hpet.mmio_read(kCounter + 4, 4)) << 32) | low;
    }
};

} // namespace

TEST_CASE("capabilities: 3 timers, 64-bit, legacy capable, Intel, 100 MHz") {
    Fixture f;
    CHECK(f.hpet.mmio_read(kCapabilities, 4) == 0x8086A201);
    CHECK(f.hpet.mmio_read(kCapabilities + 4, 4) == 10'000'000);
    CHECK(f.hpet.mmio_read(timer_config(0), 4) == 0x30); // periodic and 64-bit capable
    CHECK(f.hpet.mmio_read(timer_config(1), 4) == 0x20);
    CHECK(f.hpet.mmio_read(timer_config(2) + 4, 4) == 0x00F00800);
    CHECK(f.hpet.mmio_read(timer_comparator(0), 4) == 0xFFFFFFFF);
}

TEST_CASE("main counter runs at 100 MHz of virtual time only while enabled") {
    Fixture f;
    f.advance_to(5000);
    CHECK(f.counter() == 0);
    f.hpet.mmio_write(kConfig, 4, kEnable);
    f.advance_to(5000 + 1'000'000); // 1 ms
    CHECK(f.counter() == 100'000);
    f.hpet.mmio_write(kConfig, 4, 0);
    f.advance_to(9'000'000);
    CHECK(f.counter() == 100'000);
    // Written while halted, then resumed.
    f.hpet.mmio_write(kCounter + 4, 4, 0x1);
    f.hpet.mmio_write(kCounter, 4, 0xFFFFFFF0);
    f.hpet.mmio_write(kConfig, 4, kEnable);
    f.advance_to(9'000'000 + 200);
    CHECK(f.counter() == 0x200000004ull);
}

TEST_CASE("one-shot comparator raises its routed I/O APIC pin") {
    Fixture f;
    f.hpet.mmio_write(timer_config(2), 4, kTnIntEnable | route(20));
    f.hpet.mmio_write(timer_comparator(2), 4, 500);
    f.hpet.mmio_write(timer_comparator(2) + 4, 4, 0);
    f.hpet.mmio_write(kConfig, 4, kEnable);
    f.advance_to(4990);
    CHECK(f.events.empty());
    f.advance_to(5000);
    CHECK(f.events == std::vector<std::string>{"pin20+", "pin20-"});
    CHECK(f.scheduler.next_deadline() == Scheduler::kNever); // 64-bit: never again
}

TEST_CASE("periodic timer 0 with the VAL_SET rule, in legacy replacement") {
    Fixture f;
    bool legacy = false;
    f.hpet.on_legacy_replacement_changed = [&](bool on) { legacy = on; };
    f.hpet.mmio_write(kConfig, 4, kLegacy);
    CHECK(legacy);
    // Linux's hpet_set_periodic: VAL_SET, then the accumulator, then the period alone.
    f.hpet.mmio_write(timer_config(0), 4,
                      kTnIntEnable | kTnPeriodic | kTnValSet | kTn32Bit | route(22));
    f.hpet.mmio_write(timer_comparator(0), 4, 1000);
    CHECK((f.hpet.mmio_read(timer_config(0), 4) & kTnValSet) == 0); // clears itself
    f.hpet.mmio_write(timer_comparator(0), 4, 500);                 // period only
    CHECK(f.hpet.mmio_read(timer_comparator(0), 4) == 1000);
    f.hpet.mmio_write(kConfig, 4, kEnable | kLegacy);

    f.advance_to(10'000); // count 1000
    CHECK(f.events == std::vector<std::string>{"irq0+", "irq0-"});
    CHECK(f.hpet.mmio_read(timer_comparator(0), 4) == 1500);
    f.advance_to(15'000);
    CHECK(f.events.size() == 4);
    // Late event processing: matches that passed collapse into one interrupt.
    f.advance_to(42'000);
    CHECK(f.events.size() == 6);
    CHECK(f.hpet.mmio_read(timer_comparator(0), 4) == 4500);
    // Leaving legacy replacement routes timer 0 to its I/O APIC pin.
    f.hpet.mmio_write(kConfig, 4, kEnable);
    CHECK_FALSE(legacy);
    f.advance_to(45'000);
    CHECK(f.events.back() == "pin22-");
}

TEST_CASE("legacy replacement sends timer 1 to IRQ8; level mode holds until status cleared") {
    Fixture f;
    f.hpet.mmio_write(timer_config(1), 4, kTnIntEnable | kTnLevel | route(21));
    f.hpet.mmio_write(timer_comparator(1), 4, 100);
    f.hpet.mmio_write(timer_comparator(1) + 4, 4, 0);
    f.hpet.mmio_write(kConfig, 4, kEnable | kLegacy);
    f.advance_to(1000);
    CHECK(f.events == std::vector<std::string>{"irq8+"});
    CHECK(f.hpet.mmio_read(kStatus, 4) == 0x2);
    f.hpet.mmio_write(kStatus, 4, 0x2); // write one to clear
    CHECK(f.hpet.mmio_read(kStatus, 4) == 0);
    CHECK(f.events.back() == "irq8-");

    // Without legacy replacement the route field applies.
    f.hpet.mmio_write(kConfig, 4, kEnable);
    f.hpet.mmio_write(timer_comparator(1), 4, 300);
    f.advance_to(3000);
    CHECK(f.events.back() == "pin21+");
    // Halting the HPET drops level outputs.
    f.hpet.mmio_write(kConfig, 4, 0);
    CHECK(f.events.back() == "pin21-");
}

TEST_CASE("32-bit mode timers wrap with the low half of the counter") {
    Fixture f;
    f.hpet.mmio_write(kCounter, 4, 0xFFFFFF00);
    f.hpet.mmio_write(kCounter + 4, 4, 0x7);
    f.hpet.mmio_write(timer_config(2), 4, kTnIntEnable | kTn32Bit | route(23));
    f.hpet.mmio_write(timer_comparator(2), 4, 0x10);    // after the low half wraps
    f.hpet.mmio_write(timer_comparator(2) + 4, 4, 0x5); // ignored in 32-bit mode
    CHECK(f.hpet.mmio_read(timer_comparator(2) + 4, 4) == 0);
    f.hpet.mmio_write(kConfig, 4, kEnable);
    f.advance_to((0x100 + 0x10) * 10 - 1);
    CHECK(f.events.empty());
    f.advance_to((0x100 + 0x10) * 10);
    CHECK(f.events == std::vector<std::string>{"pin23+", "pin23-"});
    // A 32-bit one-shot matches again after a full wrap of the low half.
    CHECK(f.scheduler.next_deadline() == (0x100 + 0x10) * 10 + (1ull << 32) * 10);
}
