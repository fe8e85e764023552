// Intel 8254 programmable interval timer at 0x40-0x43, clocked at 1.193182 MHz. Counter 0's OUT
// drives IRQ0, counter 1 is the (unused) refresh timer, counter 2 feeds the speaker and is
// gated and read back through port 0x61 (SystemControlPortB).
//
// Nothing ticks: each counter's value and OUT are computed from the scheduler's virtual time
// since the count was loaded. Only counter 0 schedules events, one per OUT edge that IRQ0 needs;
// a one-clock low strobe (modes 2, 4, 5) is delivered as one low-high pulse at its end.
#pragma once
#include "common/log.h"
#include "common/types.h"
#include "devices/bus/io_space.h"
#include "devices/irq.h"
#include "devices/scheduler.h"
#include <array>

namespace vmi86 {

class Pit8254 : public IoHandler {
public:
    static constexpr u64 kClockHz = 1193182;
    static constexpr u16 kFirstPort = 0x40; // counters 0-2 at 0x40-0x42, control word at 0x43

    Pit8254(IoSpace& io, Scheduler& scheduler, IrqLine& irq0, Log& log);
    ~Pit8254() override;
    Pit8254(const Pit8254&) = delete;
    Pit8254& operator=(const Pit8254&) = delete;

    // GATE inputs: counters 0 and 1 are tied high on a PC, counter 2's comes from port 0x61.
    void set_gate(unsigned counter, bool level);
    bool gate(unsigned counter) const { return counters_[counter].gate; }
    // OUT of a counter now.
    bool out(unsigned counter) const;
    // Power-on state: every counter unprogrammed (mode 0, no count), gates kept.
    void reset();

    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

    // Clock pulses (input ticks) up to a virtual time, and the time of a given pulse.
    static u64 tick_at(u64 ns);
    static u64 time_of_tick(u64 tick);

private:
    // A stretch of counting: the counting element held `value` at tick `start` and changes on
    // each later clock pulse. One-shot modes: value is the CE (0 meaning the full range).
    // Modes 2 and 3: value is the reload count N, and `phase` the pulses already done in the
    // current period (mode 3 may start a stretch at its low half).
    struct Stretch {
        u64 start = 0;
        u32 value = 0;
        u32 phase = 0;
    };
    struct Counter {
        // Programming (control word).
        u8 mode_bits = 0; // as written, for the status byte
        u8 mode = 0;      // 0-5
        u8 access = 3;    // 1 LSB, 2 MSB, 3 LSB then MSB
        bool bcd = false;
        bool gate = true;
        // Count register and its two-byte write sequence.
        u16 count_register = 0;
        bool has_count = false; // a count was written since the control word
        bool write_msb_next = false;
        u8 pending_lsb = 0;
        bool read_msb_next = false;
        // Counter latch and read-back status latch.
        bool count_latched = false;
        u16 latched_count = 0;
        u8 latched_bytes_left = 0;
        bool status_latched = false;
        u8 latched_status = 0;
        // Counting element.
        bool counting = false; // false: CE frozen at frozen_value (no count, gate low, untriggered)
        u32 frozen_value = 0;
        bool terminal_done = false; // one-shot modes: terminal count already reached
        Stretch now_stretch;
        bool next_pending = false; // modes 2/3: a new count takes over at next_stretch.start
        Stretch next_stretch;
        bool null_count = false;
        u64 null_count_ends = 0; // null count clears at this tick (Scheduler::kNever: not yet)
    };
    struct Edge {
        u64 tick = Scheduler::kNever;
        bool pulse = false; // a one-clock low strobe that ends at `tick`
    };

    u64 current_tick() const { return tick_at(scheduler_.now()); }
    static u32 modulus(const Counter& c) { return c.bcd ? 10000 : 65536; }
    u32 effective_count(const Counter& c) const;
    static const Stretch& stretch_at(const Counter& c, u64 tick);
    static void advance(Counter& c, u64 tick);
    static u32 value_at(const Counter& c, u64 tick);
    static bool out_at(const Counter& c, u64 tick);
    static bool null_count_at(const Counter& c, u64 tick);
    static Edge next_edge(const Counter& c, u64 tick);
    static void freeze(Counter& c, u64 tick);
    void start_counting(Counter& c, u64 load_tick);

    void write_control(u8 value);
    void write_count_byte(unsigned index, u8 value);
    void load_count(unsigned index, u16 raw);
    u8 read_counter(unsigned index);
    void latch_count(Counter& c, u64 tick);
    void latch_status(Counter& c, u64 tick);
    void counter_changed(unsigned index);
    void update_irq0_output();
    void schedule_irq0_edge(u64 after_tick);
    void on_irq0_edge();

    Scheduler& scheduler_;
    IrqLine& irq0_;
    Log& log_;
    std::array<Counter, 3> counters_{};
    Scheduler::EventId irq0_event_ = 0;
    Edge irq0_edge_;
};

} // namespace vmi86
