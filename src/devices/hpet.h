// High Precision Event Timer (IA-PC HPET 1.0a) at 0xFED00000: a 64-bit main counter at 100 MHz
// (period 10,000,000 fs) derived from virtual time while enabled, and three comparators. Timer 0
// can be periodic. With LegacyReplacement (LEG_RT_CNF) timer 0 drives IRQ0 and timer 1 IRQ8 in
// place of the 8254 and the RTC; otherwise each timer's route field names an I/O APIC pin.
// FSB (MSI) delivery is not offered.
//
// The machine wires: legacy_irq(0|8, level) to the 8259A IRQ0/IRQ8 and I/O APIC pins 2/8 (the
// same inputs the PIT and RTC use), ioapic_irq(pin, level) to the I/O APIC, and
// on_legacy_replacement_changed(active) to disconnect the PIT's IRQ0 and the RTC's IRQ8 outputs
// while the HPET has taken them over. Edge-triggered timers pulse their line; level-triggered
// ones hold it until the guest clears the status bit.
#pragma once
#include "common/log.h"
#include "common/types.h"
#include "devices/bus/memory_bus.h"
#include "devices/scheduler.h"
#include <array>
#include <functional>
#include <optional>

namespace vmi86 {

class Hpet : public MmioHandler {
public:
    static constexpr u32 kDefaultBase = 0xFED00000;
    static constexpr u32 kMmioSize = 0x1000;
    static constexpr unsigned kTimers = 3;
    static constexpr u32 kPeriodFs = 10'000'000; // 100 MHz
    static constexpr u64 kTickNs = 10;

    Hpet(Scheduler& scheduler, Log& log);
    ~Hpet() override;

    void reset();

    std::function<void(unsigned isa_irq, bool level)> legacy_irq;
    std::function<void(unsigned ioapic_pin, bool level)> ioapic_irq;
    std::function<void(bool active)> on_legacy_replacement_changed;

    u32 mmio_read(u32 offset, unsigned size) override;
    void mmio_write(u32 offset, unsigned size, u32 value) override;

    u64 main_counter() const;
    bool legacy_replacement() const { return config_ & kLegacyReplacement; }

private:
    static constexpr u64 kEnable = 1;
    static constexpr u64 kLegacyReplacement = 2;

    struct Route {
        bool legacy = false;
        unsigned line = 0;
        bool operator==(const Route&) const = default;
    };
    struct Timer {
        u64 config = 0;
        u64 comparator = 0;
        u64 period = 0;        // periodic mode: added to the comparator at each match
        bool asserted = false; // level output currently driven high
        Route driven{};        // where it was driven
        std::optional<Scheduler::EventId> event;
    };

    bool enabled() const { return config_ & kEnable; }
    bool is_32bit(const Timer& t) const;
    u64 width_mask(const Timer& t) const { return is_32bit(t) ? 0xFFFFFFFFull : ~0ull; }
    Route route_of(unsigned index) const;

    u32 read_dword(u32 offset) const;
    void write_dword(u32 offset, u32 value);
    void write_timer_config(unsigned index, u32 value);
    void write_comparator(unsigned index, bool high, u32 value);
    void set_main_counter(u64 value);

    void schedule(unsigned index);
    void schedule_all();
    void fire(unsigned index);
    void update_output(unsigned index);
    void drive(Route route, bool level);

    Scheduler& scheduler_;
    Log& log_;
    u64 config_ = 0;
    u64 interrupt_status_ = 0;
    u64 counter_base_ = 0; // main counter value at enable_time_ (or frozen value if halted)
    u64 enable_time_ = 0;
    std::array<Timer, kTimers> timers_{};
};

} // namespace vmi86
