#include "devices/hpet.h"

namespace vmi86 {

namespace {
constexpr u32 kRegCapabilities = 0x000;
constexpr u32 kRegConfig = 0x010;
constexpr u32 kRegInterruptStatus = 0x020;
constexpr u32 kRegMainCounter = 0x0F0;
constexpr u32 kRegTimerBase = 0x100; // timer n at 0x100 + 0x20 * n
constexpr u32 kTimerStride = 0x20;
constexpr u32 kTimerConfig = 0x00;
constexpr u32 kTimerComparator = 0x08;
constexpr u32 kTimerFsbRoute = 0x10;

// General capabilities, low half: revision 1, three timers (NUM_TIM_CAP = 2), 64-bit counter,
// LegacyReplacement capable, vendor Intel.
constexpr u32 kCapabilitiesLow = 0x01 | (2u << 8) | (1u << 13) | (1u << 15) | (0x8086u << 16);

constexpr u64 kTnLevel = 1u << 1;
constexpr u64 kTnIntEnable = 1u << 2;
constexpr u64 kTnPeriodic = 1u << 3;
constexpr u64 kTnPeriodicCapable = 1u << 4;
constexpr u64 kTn64BitCapable = 1u << 5;
constexpr u64 kTnValSet = 1u << 6;
constexpr u64 kTn32Bit = 1u << 8;
constexpr unsigned kTnRouteShift = 9;
constexpr u64 kTnRouteMask = 0x1Fu << kTnRouteShift;
// I/O APIC pins each timer may use (Tn_INT_ROUTE_CAP), as on ICH chipsets.
constexpr u64 kRouteCapability[3] = {0x00F00000, 0x00F00000, 0x00F00800};
} // namespace

Hpet::Hpet(Scheduler& scheduler, Log& log) : scheduler_(scheduler), log_(log) { reset(); }

Hpet::~Hpet() {
    for (auto& t : timers_)
        if (t.event) scheduler_.cancel(*t.event);
}

void Hpet::reset() {
    for (unsigned i = 0; i < kTimers; ++i) {
        Timer& t = timers_[i];
        if (t.event) scheduler_.cancel(*t.event);
        if (t.asserted) drive(t.driven, false);
        t = Timer{};
        t.config = kTn64BitCapable | (kRouteCapability[i] << 32);
        if (i == 0) t.config |= kTnPeriodicCapable;
        t.comparator = ~0ull;
    }
    bool was_legacy = legacy_replacement();
    config_ = 0;
    interrupt_status_ = 0;
    counter_base_ = 0;
    enable_time_ = 0;
    if (was_legacy && on_legacy_replacement_changed) on_legacy_replacement_changed(false);
}

u64 Hpet::main_counter() const {
    if (!enabled()) return counter_base_;
    return counter_base_ + (scheduler_.now() - enable_time_) / kTickNs;
}

bool Hpet::is_32bit(const Timer& t) const { return t.config & kTn32Bit; }

Hpet::Route Hpet::route_of(unsigned index) const {
    if (legacy_replacement() && index == 0) return {true, 0};
    if (legacy_replacement() && index == 1) return {true, 8};
    return {false, unsigned((timers_[index].config & kTnRouteMask) >> kTnRouteShift)};
}

// ---- interrupts ----

void Hpet::drive(Route route, bool level) {
    if (route.legacy) {
        if (legacy_irq) legacy_irq(route.line, level);
    } else if (ioapic_irq) {
        ioapic_irq(route.line, level);
    }
}

// Level-triggered outputs follow (enabled && interrupt enabled && status bit).
void Hpet::update_output(unsigned index) {
    Timer& t = timers_[index];
    bool want = enabled() && (t.config & kTnLevel) && (t.config & kTnIntEnable) &&
                (interrupt_status_ & (1u << index));
    Route route = route_of(index);
    if (t.asserted && (!want || !(t.driven == route))) {
        drive(t.driven, false);
        t.asserted = false;
    }
    if (want && !t.asserted) {
        drive(route, true);
        t.asserted = true;
        t.driven = route;
    }
}

void Hpet::fire(unsigned index) {
    Timer& t = timers_[index];
    t.event.reset();
    u64 mask = width_mask(t);
    if ((t.config & kTnPeriodic) && t.period != 0) {
        // Advance past the current count; matches missed while events were not run collapse.
        u64 now_count = main_counter() & mask;
        u64 behind = (now_count - t.comparator) & mask;
        if (behind < (mask >> 1))
            t.comparator = (t.comparator + (behind / t.period + 1) * t.period);
        t.comparator &= mask;
    }
    if (t.config & kTnLevel) {
        interrupt_status_ |= 1u << index;
        update_output(index);
    } else if (t.config & kTnIntEnable) {
        Route route = route_of(index);
        drive(route, true);
        drive(route, false);
    }
    schedule(index);
}

// Schedules the next time the main counter equals the comparator (in the timer's width).
void Hpet::schedule(unsigned index) {
    Timer& t = timers_[index];
    if (t.event) scheduler_.cancel(*t.event);
    t.event.reset();
    if (!enabled()) return;
    u64 mask = width_mask(t);
    u64 now_count = main_counter();
    u64 ticks = (t.comparator - now_count) & mask;
    if (ticks == 0) {
        // Equal right now counts as already matched: the next match is a full wrap away, which
        // a 64-bit comparator never reaches.
        if (!is_32bit(t)) return;
        ticks = mask + 1;
    }
    // The counter reaches value v at enable_time_ + (v - counter_base_) * kTickNs. Matches
    // beyond the range of virtual time (a 64-bit comparator far ahead) never happen.
    u64 start = enable_time_ + (now_count - counter_base_) * kTickNs;
    if (ticks > (Scheduler::kNever - 1 - start) / kTickNs) return;
    u64 when = start + ticks * kTickNs;
    t.event = scheduler_.schedule_at(when, [this, index] { fire(index); });
}

void Hpet::schedule_all() {
    for (unsigned i = 0; i < kTimers; ++i) schedule(i);
}

// ---- registers ----

u32 Hpet::read_dword(u32 offset) const {
    switch (offset) {
    case kRegCapabilities: return kCapabilitiesLow;
    case kRegCapabilities + 4: return kPeriodFs;
    case kRegConfig: return u32(config_);
    case kRegInterruptStatus: return u32(interrupt_status_);
    case kRegMainCounter: return u32(main_counter());
    case kRegMainCounter + 4: return u32(main_counter() >> 32);
    default: break;
    }
    if (offset >= kRegTimerBase && offset < kRegTimerBase + kTimers * kTimerStride) {
        const Timer& t = timers_[(offset - kRegTimerBase) / kTimerStride];
        u32 reg = (offset - kRegTimerBase) % kTimerStride;
        switch (reg) {
        case kTimerConfig: return u32(t.config);
        case kTimerConfig + 4: return u32(t.config >> 32);
        case kTimerComparator: return u32(t.comparator);
        case kTimerComparator + 4: return is_32bit(t) ? 0 : u32(t.comparator >> 32);
        default: return 0; // FSB route: not offered
        }
    }
    return 0;
}

void Hpet::set_main_counter(u64 value) {
    if (enabled()) log_.warn_once("hpet-counter-write", "HPET: main counter written while running");
    counter_base_ = value;
    enable_time_ = scheduler_.now();
    schedule_all();
}

void Hpet::write_timer_config(unsigned index, u32 value) {
    Timer& t = timers_[index];
    u64 writable = kTnLevel | kTnIntEnable | kTnValSet | kTn32Bit | kTnRouteMask;
    if (index == 0) writable |= kTnPeriodic;
    u64 old = t.config;
    t.config = (old & ~writable) | (value & writable);
    if ((t.config & kTn32Bit) && !(old & kTn32Bit)) {
        t.comparator &= 0xFFFFFFFFull;
        t.period &= 0xFFFFFFFFull;
    }
    if (!(t.config & kTnLevel)) interrupt_status_ &= ~(1u << index);
    unsigned route = unsigned((t.config & kTnRouteMask) >> kTnRouteShift);
    if (((old ^ t.config) & kTnRouteMask) && !((t.config >> 32) & (1ull << route)))
        log_.warn_once("hpet-route", "HPET: timer {} routed to I/O APIC pin {} it cannot use",
                       index, route);
    if (value & (1u << 14))
        log_.warn_once("hpet-fsb", "HPET: FSB interrupt delivery is not supported");
    update_output(index);
    schedule(index);
}

// In periodic mode a comparator write sets the period; with VAL_SET it also sets the comparator
// (the accumulator) itself, and VAL_SET clears. One-shot writes set the comparator.
void Hpet::write_comparator(unsigned index, bool high, u32 value) {
    Timer& t = timers_[index];
    if (high && is_32bit(t)) return;
    auto merge = [high, value](u64 old) {
        return high ? (old & 0xFFFFFFFFull) | (u64(value) << 32)
                    : (old & 0xFFFFFFFF00000000ull) | value;
    };
    bool periodic = t.config & kTnPeriodic;
    if (!periodic || (t.config & kTnValSet)) t.comparator = merge(t.comparator);
    if (periodic) t.period = merge(t.period);
    t.config &= ~kTnValSet;
    schedule(index);
}

void Hpet::write_dword(u32 offset, u32 value) {
    switch (offset) {
    case kRegConfig: {
        bool was_enabled = enabled(), was_legacy = legacy_replacement();
        u64 counter = main_counter();
        config_ = value & (kEnable | kLegacyReplacement);
        if (was_enabled != enabled()) {
            // Halting freezes the count; enabling resumes from it.
            counter_base_ = counter;
            enable_time_ = scheduler_.now();
            schedule_all();
        }
        for (unsigned i = 0; i < kTimers; ++i) update_output(i);
        if (was_legacy != legacy_replacement() && on_legacy_replacement_changed)
            on_legacy_replacement_changed(legacy_replacement());
        return;
    }
    case kRegInterruptStatus:
        interrupt_status_ &= ~u64(value & 0x7);
        for (unsigned i = 0; i < kTimers; ++i) update_output(i);
        return;
    case kRegMainCounter: set_main_counter((main_counter() & ~0xFFFFFFFFull) | value); return;
    case kRegMainCounter + 4:
        set_main_counter((main_counter() & 0xFFFFFFFFull) | (u64(value) << 32));
        return;
    default: break;
    }
    if (offset >= kRegTimerBase && offset < kRegTimerBase + kTimers * kTimerStride) {
        unsigned index = (offset - kRegTimerBase) / kTimerStride;
        switch ((offset - kRegTimerBase) % kTimerStride) {
        case kTimerConfig: write_timer_config(index, value); return;
        case kTimerComparator: write_comparator(index, false, value); return;
        case kTimerComparator + 4: write_comparator(index, true, value); return;
        case kTimerFsbRoute:
        case kTimerFsbRoute + 4: return; // no FSB delivery
        default: return;                 // capability half of the config register is read-only
        }
    }
}

u32 Hpet::mmio_read(u32 offset, unsigned size) {
    u32 value = read_dword(offset & ~3u) >> (8 * (offset & 3));
    return size >= 4 ? value : value & ((1u << (8 * size)) - 1);
}

void Hpet::mmio_write(u32 offset, unsigned size, u32 value) {
    if (size != 4 || (offset & 3)) {
        log_.warn_once("hpet-narrow-write", "HPET: {}-byte write at {:#x} ignored", size, offset);
        return;
    }
    write_dword(offset, value);
}

} // namespace vmi86
