#include "devices/i8254.h"
#include <algorithm>

namespace vmi86 {

namespace {

constexpr u64 kNsPerSecond = 1'000'000'000;

u32 from_bcd16(u16 raw) {
    return ((raw >> 12) & 15) * 1000 + ((raw >> 8) & 15) * 100 + ((raw >> 4) & 15) * 10 +
           (raw & 15);
}

u16 to_bcd16(u32 value) {
    return u16((value / 1000 % 10) << 12 | (value / 100 % 10) << 8 | (value / 10 % 10) << 4 |
               (value % 10));
}

// Mode 3 keeps OUT high for the first half of the period (the longer one when N is odd).
u32 high_half(u32 n) { return (n + 1) / 2; }

} // namespace

u64 Pit8254::tick_at(u64 ns) { return u64((unsigned __int128)ns * kClockHz / kNsPerSecond); }

u64 Pit8254::time_of_tick(u64 tick) {
    return u64(((unsigned __int128)tick * kNsPerSecond + kClockHz - 1) / kClockHz);
}

Pit8254::Pit8254(IoSpace& io, Scheduler& scheduler, IrqLine& irq0, Log& log)
    : scheduler_(scheduler), irq0_(irq0), log_(log) {
    counters_[2].gate = false; // port 0x61 bit 0 starts clear
    io.attach(kFirstPort, 4, this);
}

Pit8254::~Pit8254() { scheduler_.cancel(irq0_event_); }

void Pit8254::reset() {
    for (Counter& c : counters_) {
        const bool gate = c.gate;
        c = Counter{};
        c.gate = gate;
    }
    update_irq0_output();
}

// ---- counting element as a function of time ----

// The count register as a number of clock pulses (0 means the full range).
u32 Pit8254::effective_count(const Counter& c) const {
    u32 n = c.bcd ? from_bcd16(c.count_register) % 10000 : c.count_register;
    if (n == 0) n = modulus(c);
    if ((c.mode == 2 || c.mode == 3) && n == 1) {
        log_.warn_once("pit-count1", "8254: count 1 is illegal in mode {}, using 2", c.mode);
        n = 2;
    }
    return n;
}

const Pit8254::Stretch& Pit8254::stretch_at(const Counter& c, u64 tick) {
    return c.next_pending && tick >= c.next_stretch.start ? c.next_stretch : c.now_stretch;
}

void Pit8254::advance(Counter& c, u64 tick) {
    if (c.next_pending && tick >= c.next_stretch.start) {
        c.now_stretch = c.next_stretch;
        c.next_pending = false;
    }
}

u32 Pit8254::value_at(const Counter& c, u64 tick) {
    if (!c.counting) return c.frozen_value;
    const Stretch& s = stretch_at(c, tick);
    const u32 m = modulus(c);
    const u64 pulses = tick > s.start ? tick - s.start : 0;
    switch (c.mode) {
    case 2: {
        const u32 n = s.value;
        return (n - u32((pulses + s.phase) % n)) % m;
    }
    case 3: {
        // Decrements by two; an odd N shows N, N-1, N-3, ... while high, N, N-3, ... while low.
        const u32 n = s.value, half = high_half(n);
        const u32 p = u32((pulses + s.phase) % n);
        const bool high = p < half;
        const u32 step = high ? p : p - half;
        u32 v;
        if (n % 2 == 0 || step == 0)
            v = n - 2 * step;
        else
            v = high ? n + 1 - 2 * step : n - 1 - 2 * step;
        return v % m;
    }
    default: return u32((s.value + m - pulses % m) % m);
    }
}

bool Pit8254::out_at(const Counter& c, u64 tick) {
    if (!c.counting) return c.mode == 0 ? c.terminal_done : true;
    const Stretch& s = stretch_at(c, tick);
    const u64 terminal = s.start + (s.value ? s.value : modulus(c));
    switch (c.mode) {
    case 0: return c.terminal_done || tick >= terminal;
    case 1: return c.terminal_done || tick < s.start || tick >= terminal;
    case 2:
        if (tick < s.start) return true;
        return (tick - s.start + s.phase) % s.value != s.value - 1;
    case 3:
        if (tick < s.start) return true;
        return (tick - s.start + s.phase) % s.value < high_half(s.value);
    default: return c.terminal_done || tick != terminal; // 4, 5: one-clock strobe
    }
}

bool Pit8254::null_count_at(const Counter& c, u64 tick) {
    return c.null_count && tick < c.null_count_ends;
}

Pit8254::Edge Pit8254::next_edge(const Counter& c, u64 tick) {
    if (!c.counting) return {};
    const Stretch& s = stretch_at(c, tick);
    const u64 terminal = s.start + (s.value ? s.value : modulus(c));
    switch (c.mode) {
    case 0:
        if (c.terminal_done || tick >= terminal) return {};
        return {terminal, false};
    case 1:
        if (c.terminal_done || tick >= terminal) return {};
        return {tick < s.start ? s.start : terminal, false};
    case 2:
    case 3: {
        const u64 from = std::max(tick, s.start);
        const u32 n = s.value;
        const u32 p = u32((from - s.start + s.phase) % n);
        if (c.mode == 2) return {from + (n - p), true}; // the reload ends the low strobe
        const u32 half = high_half(n);
        return {from + (p < half ? half - p : n - p), false};
    }
    default: // 4, 5
        if (c.terminal_done || tick > terminal) return {};
        return {terminal + 1, true};
    }
}

// Stops the counting element where it is (gate low, or a count being rewritten in mode 0).
void Pit8254::freeze(Counter& c, u64 tick) {
    if (!c.counting) return;
    advance(c, tick);
    const Stretch& s = c.now_stretch;
    const u64 terminal = s.start + (s.value ? s.value : modulus(c));
    c.frozen_value = value_at(c, tick);
    if (c.mode == 0 || c.mode == 4) c.terminal_done = c.terminal_done || tick >= terminal;
    c.counting = false;
    c.next_pending = false;
}

// The count register goes into the counting element at clock pulse `load_tick`.
void Pit8254::start_counting(Counter& c, u64 load_tick) {
    const u32 n = effective_count(c);
    const bool periodic = c.mode == 2 || c.mode == 3;
    c.counting = true;
    c.next_pending = false;
    c.terminal_done = false;
    c.now_stretch = Stretch{load_tick, periodic ? n : n % modulus(c), 0};
    c.null_count_ends = load_tick;
}

// ---- programming ----

void Pit8254::write_control(u8 value) {
    const u64 tick = current_tick();
    const unsigned select = value >> 6;
    if (select == 3) { // read-back: bit 5 clear latches counts, bit 4 clear latches status
        for (unsigned i = 0; i < 3; ++i) {
            if (!(value & (2u << i))) continue;
            if (!(value & 0x10)) latch_status(counters_[i], tick);
            if (!(value & 0x20)) latch_count(counters_[i], tick);
        }
        return;
    }
    Counter& c = counters_[select];
    const unsigned access = (value >> 4) & 3;
    if (access == 0) {
        latch_count(c, tick);
        return;
    }
    const u32 value_now = value_at(c, tick);
    c.mode_bits = (value >> 1) & 7;
    c.mode = c.mode_bits >= 6 ? c.mode_bits - 4 : c.mode_bits;
    c.access = u8(access);
    c.bcd = value & 1;
    c.has_count = false;
    c.write_msb_next = c.read_msb_next = false;
    c.count_latched = c.status_latched = false;
    // OUT goes to its initial state (low in mode 0, else high) and counting stops until a
    // count is written.
    c.counting = false;
    c.frozen_value = value_now % modulus(c);
    c.terminal_done = false;
    c.next_pending = false;
    c.null_count = true;
    c.null_count_ends = Scheduler::kNever;
    counter_changed(select);
}

void Pit8254::write_count_byte(unsigned index, u8 value) {
    Counter& c = counters_[index];
    switch (c.access) {
    case 1: load_count(index, value); break;
    case 2: load_count(index, u16(value << 8)); break;
    default:
        if (c.write_msb_next) {
            c.write_msb_next = false;
            load_count(index, u16(c.pending_lsb | value << 8));
            break;
        }
        c.pending_lsb = value;
        c.write_msb_next = true;
        if (c.mode == 0) { // the first byte stops the count and sets OUT low
            freeze(c, current_tick());
            c.terminal_done = false;
            counter_changed(index);
        }
        break;
    }
}

void Pit8254::load_count(unsigned index, u16 raw) {
    Counter& c = counters_[index];
    const u64 tick = current_tick();
    advance(c, tick);
    const bool first_count = !c.has_count;
    c.count_register = raw;
    c.has_count = true;
    c.null_count = true;
    c.null_count_ends = Scheduler::kNever;
    switch (c.mode) {
    case 1:
    case 5: break; // loaded into the counting element by the next gate trigger
    case 2:
    case 3:
        if (!first_count && c.counting) {
            // Running: the new count takes over at the end of the current period (mode 3: the
            // current half period).
            const u32 n_new = effective_count(c);
            Stretch& s = c.now_stretch;
            if (tick < s.start) { // the old count is not even loaded yet
                s.value = n_new;
                c.null_count_ends = s.start;
                break;
            }
            const u32 n_old = s.value;
            const u32 p = u32((tick - s.start + s.phase) % n_old);
            Stretch next{0, n_new, 0};
            if (c.mode == 2) {
                next.start = tick + (n_old - p);
            } else if (p < high_half(n_old)) {
                next.start = tick + (high_half(n_old) - p);
                next.phase = high_half(n_new); // continues with the low half
            } else {
                next.start = tick + (n_old - p);
            }
            c.next_stretch = next;
            c.next_pending = true;
            c.null_count_ends = next.start;
            break;
        }
        [[fallthrough]];
    default: // 0, 4, and the first count of 2, 3: loaded on the next clock pulse
        if (c.gate) {
            start_counting(c, tick + 1);
            break;
        }
        c.terminal_done = false;
        c.counting = false; // gate low: loaded, but waits for the gate
        c.frozen_value = effective_count(c) % modulus(c);
        c.null_count_ends = tick + 1;
        break;
    }
    counter_changed(index);
}

void Pit8254::set_gate(unsigned index, bool level) {
    if (index >= 3) return;
    Counter& c = counters_[index];
    const u64 tick = current_tick();
    advance(c, tick);
    if (level == c.gate) return;
    c.gate = level;
    if (c.has_count) {
        switch (c.mode) {
        case 0:
        case 4: // the gate enables counting
            if (!level) {
                freeze(c, tick);
            } else {
                c.counting = true;
                c.next_pending = false;
                c.now_stretch = Stretch{tick, c.frozen_value, 0};
            }
            break;
        case 1:
        case 5: // a rising edge (re)triggers
            if (level) start_counting(c, tick + 1);
            break;
        default: // 2, 3: low stops counting with OUT high, a rising edge restarts the period
            if (!level)
                freeze(c, tick);
            else
                start_counting(c, tick + 1);
            break;
        }
    }
    counter_changed(index);
}

// ---- reading ----

void Pit8254::latch_count(Counter& c, u64 tick) {
    if (c.count_latched) return; // a second latch before the read is ignored
    const u32 v = value_at(c, tick);
    c.latched_count = c.bcd ? to_bcd16(v) : u16(v);
    c.latched_bytes_left = c.access == 3 ? 2 : 1;
    c.count_latched = true;
}

void Pit8254::latch_status(Counter& c, u64 tick) {
    if (c.status_latched) return;
    c.latched_status = u8(out_at(c, tick) << 7 | null_count_at(c, tick) << 6 | c.access << 4 |
                          c.mode_bits << 1 | (c.bcd ? 1 : 0));
    c.status_latched = true;
}

u8 Pit8254::read_counter(unsigned index) {
    Counter& c = counters_[index];
    if (c.status_latched) {
        c.status_latched = false;
        return c.latched_status;
    }
    if (c.count_latched) {
        const bool msb = c.access == 2 || (c.access == 3 && c.latched_bytes_left == 1);
        if (--c.latched_bytes_left == 0) c.count_latched = false;
        return u8(msb ? c.latched_count >> 8 : c.latched_count);
    }
    const u32 v = value_at(c, current_tick());
    const u16 shown = c.bcd ? to_bcd16(v) : u16(v);
    bool msb = c.access == 2;
    if (c.access == 3) {
        msb = c.read_msb_next;
        c.read_msb_next = !c.read_msb_next;
    }
    return u8(msb ? shown >> 8 : shown);
}

bool Pit8254::out(unsigned index) const { return out_at(counters_[index], current_tick()); }

// ---- IRQ0 ----

void Pit8254::counter_changed(unsigned index) {
    if (index == 0) update_irq0_output();
}

void Pit8254::update_irq0_output() {
    const u64 tick = current_tick();
    irq0_.set(out_at(counters_[0], tick));
    schedule_irq0_edge(tick);
}

void Pit8254::schedule_irq0_edge(u64 after_tick) {
    scheduler_.cancel(irq0_event_);
    irq0_event_ = 0;
    irq0_edge_ = next_edge(counters_[0], after_tick);
    if (irq0_edge_.tick == Scheduler::kNever) return;
    irq0_event_ = scheduler_.schedule_at(time_of_tick(irq0_edge_.tick), [this] { on_irq0_edge(); });
}

void Pit8254::on_irq0_edge() {
    irq0_event_ = 0;
    const Counter& c = counters_[0];
    const Edge edge = irq0_edge_;
    if (edge.pulse) {
        irq0_.set(false);
        irq0_.set(true);
    } else {
        irq0_.set(out_at(c, edge.tick));
    }
    // If the event ran late, edges in between are merged into this one (the PIC would have
    // merged them too, with its request still pending).
    const u64 tick = std::max(current_tick(), edge.tick);
    irq0_.set(out_at(c, tick));
    schedule_irq0_edge(tick);
}

// ---- ports ----

u32 Pit8254::io_read(u16 port, unsigned size) {
    u32 value = 0;
    for (unsigned i = 0; i < size; ++i) {
        const u16 p = u16(port + i);
        u8 byte = 0xFF; // the control word register is write-only
        if (p >= kFirstPort && p < kFirstPort + 3) byte = read_counter(p - kFirstPort);
        value |= u32(byte) << (8 * i);
    }
    return value;
}

void Pit8254::io_write(u16 port, unsigned size, u32 value) {
    for (unsigned i = 0; i < size; ++i) {
        const u16 p = u16(port + i);
        const u8 byte = u8(value >> (8 * i));
        if (p >= kFirstPort && p < kFirstPort + 3)
            write_count_byte(p - kFirstPort, byte);
        else if (p == kFirstPort + 3)
            write_control(byte);
    }
}

} // namespace vmi86
