#include "devices/apic/local_apic.h"
#include <algorithm>
#include <bit>

namespace vmi86 {

namespace {
// Register offsets (each register sits at the start of a 16-byte slot).
constexpr u32 kRegId = 0x020;
constexpr u32 kRegVersion = 0x030;
constexpr u32 kRegTpr = 0x080;
constexpr u32 kRegApr = 0x090;
constexpr u32 kRegPpr = 0x0A0;
constexpr u32 kRegEoi = 0x0B0;
constexpr u32 kRegRemoteRead = 0x0C0;
constexpr u32 kRegLdr = 0x0D0;
constexpr u32 kRegDfr = 0x0E0;
constexpr u32 kRegSvr = 0x0F0;
constexpr u32 kRegIsr = 0x100;
constexpr u32 kRegTmr = 0x180;
constexpr u32 kRegIrr = 0x200;
constexpr u32 kRegEsr = 0x280;
constexpr u32 kRegIcrLow = 0x300;
constexpr u32 kRegIcrHigh = 0x310;
constexpr u32 kRegLvtTimer = 0x320;
constexpr u32 kRegLvtPerfCounter = 0x340;
constexpr u32 kRegLvtLint0 = 0x350;
constexpr u32 kRegLvtLint1 = 0x360;
constexpr u32 kRegLvtError = 0x370;
constexpr u32 kRegTimerInitial = 0x380;
constexpr u32 kRegTimerCurrent = 0x390;
constexpr u32 kRegTimerDivide = 0x3E0;

constexpr u32 kLvtMasked = 1u << 16;
constexpr u32 kLvtLevelTriggered = 1u << 15;
constexpr u32 kLvtRemoteIrr = 1u << 14;
// Writable bits per LVT entry: vector, delivery mode, polarity, trigger mode, mask, timer mode.
constexpr u32 kLvtTimerWritable = 0x000300FF;
constexpr u32 kLvtPerfCounterWritable = 0x000107FF;
constexpr u32 kLvtLintWritable = 0x0001A7FF;
constexpr u32 kLvtErrorWritable = 0x000100FF;
constexpr u32 kIcrLowWritable = 0x000CCFFF;

// ESR bits on P6.
constexpr u32 kEsrSendIllegalVector = 1u << 5;
constexpr u32 kEsrReceiveIllegalVector = 1u << 6;
constexpr u32 kEsrIllegalRegister = 1u << 7;

ApicDeliveryMode delivery_mode_of(u32 entry) { return ApicDeliveryMode((entry >> 8) & 7); }

int highest_bit(const std::array<u32, 8>& bits) {
    for (int i = 7; i >= 0; --i)
        if (bits[i]) return i * 32 + 31 - std::countl_zero(bits[i]);
    return -1;
}
bool test_bit(const std::array<u32, 8>& bits, u8 v) { return bits[v >> 5] & (1u << (v & 31)); }
void set_bit(std::array<u32, 8>& bits, u8 v) { bits[v >> 5] |= 1u << (v & 31); }
void clear_bit(std::array<u32, 8>& bits, u8 v) { bits[v >> 5] &= ~(1u << (v & 31)); }

u32 all_ones(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
} // namespace

LocalApic::LocalApic(Scheduler& scheduler, Log& log, u8 apic_id)
    : scheduler_(scheduler), log_(log), hardware_id_(apic_id & 0x0F), apic_id_(hardware_id_) {
    reset();
}

LocalApic::~LocalApic() {
    if (timer_event_) scheduler_.cancel(*timer_event_);
}

void LocalApic::reset() {
    if (timer_event_) scheduler_.cancel(*timer_event_);
    timer_event_.reset();
    base_msr_ = kDefaultBase | kBaseMsrEnable | kBaseMsrBsp;
    apic_id_ = hardware_id_;
    tpr_ = 0;
    ldr_ = 0;
    dfr_ = 0xFFFFFFFF;
    svr_ = 0xFF;
    isr_ = {};
    tmr_ = {};
    irr_ = {};
    esr_ = esr_pending_ = 0;
    icr_low_ = icr_high_ = 0;
    lvt_.fill(kLvtMasked);
    nmi_pending_ = false;
    extint_message_pending_ = false;
    timer_initial_count_ = 0;
    timer_divide_config_ = 0;
    timer_running_ = false;
}

void LocalApic::set_base_msr(u64 value) {
    // P6 has a 36-bit physical address space; bits 7:0, 10:9 and 63:36 are reserved.
    base_msr_ = (value & (0xFFFFFF000ull | kBaseMsrEnable)) | (base_msr_ & kBaseMsrBsp);
    update();
}

// ---- priorities ----

u8 LocalApic::processor_priority() const {
    int isrv = highest_bit(isr_);
    u8 isr_class = isrv < 0 ? 0 : u8(isrv & 0xF0);
    return (tpr_ & 0xF0) >= isr_class ? u8(tpr_) : isr_class;
}

u8 LocalApic::arbitration_priority() const {
    int isrv = highest_bit(isr_), irrv = highest_bit(irr_);
    u8 isr_class = isrv < 0 ? 0 : u8(isrv & 0xF0);
    u8 irr_class = irrv < 0 ? 0 : u8(irrv & 0xF0);
    if ((tpr_ & 0xF0) >= irr_class && (tpr_ & 0xF0) > isr_class) return u8(tpr_);
    return std::max({u8(tpr_ & 0xF0), isr_class, irr_class});
}

bool LocalApic::fixed_interrupt_pending() const {
    int irrv = highest_bit(irr_);
    return irrv >= 0 && (irrv & 0xF0) > (processor_priority() & 0xF0);
}

bool LocalApic::extint_pending() const {
    if (extint_message_pending_) return true;
    if (!lint_level_[0]) return false;
    if (!software_enabled()) return true; // virtual wire through a dormant APIC
    u32 lint0 = lvt_[LvtLint0];
    return !(lint0 & kLvtMasked) && delivery_mode_of(lint0) == ApicDeliveryMode::ExtInt;
}

bool LocalApic::interrupt_pending() const {
    if (!enabled()) return lint_level_[0];
    return fixed_interrupt_pending() || extint_pending();
}

LocalApic::Acknowledge LocalApic::acknowledge() {
    if (!enabled()) return {Acknowledge::Source::ExtInt, 0};
    if (fixed_interrupt_pending()) {
        u8 vector = u8(highest_bit(irr_));
        clear_bit(irr_, vector);
        set_bit(isr_, vector);
        return {Acknowledge::Source::Vector, vector};
    }
    if (extint_pending()) {
        extint_message_pending_ = false;
        return {Acknowledge::Source::ExtInt, 0};
    }
    // The interrupt went away (TPR raised, source withdrawn): the spurious vector, no ISR bit.
    return {Acknowledge::Source::Vector, u8(svr_ & 0xFF)};
}

void LocalApic::update() {
    if ((nmi_pending_ || interrupt_pending()) && on_interrupt) on_interrupt();
}

// ---- interrupt sources ----

void LocalApic::accept_interrupt(u8 vector, bool level_triggered) {
    if (!enabled()) return;
    if (vector < 16) {
        raise_error(kEsrReceiveIllegalVector);
        return;
    }
    if (!software_enabled()) return; // a software-disabled APIC takes only NMI/INIT/SMI/SIPI
    set_bit(irr_, vector);
    if (level_triggered)
        set_bit(tmr_, vector);
    else
        clear_bit(tmr_, vector);
    update();
}

bool LocalApic::matches_destination(bool logical, u8 destination) const {
    if (!logical) {
        // P6 APIC IDs are four bits wide; 0xF is the broadcast ID.
        u8 id = destination & 0x0F;
        return id == 0x0F || id == apic_id_;
    }
    if (destination == 0xFF) return true;
    u8 logical_id = u8(ldr_ >> 24);
    if ((dfr_ >> 28) == 0xF) return (logical_id & destination) != 0; // flat model
    // Cluster model: high nibble is the cluster (0xF all clusters), low nibble a member mask.
    u8 cluster = destination >> 4;
    return (cluster == 0xF || cluster == (logical_id >> 4)) &&
           (destination & logical_id & 0x0F) != 0;
}

void LocalApic::receive(const ApicMessage& message) {
    if (!enabled()) return;
    if (!matches_destination(message.logical_destination, message.destination)) return;
    switch (message.delivery_mode) {
    case ApicDeliveryMode::Fixed:
    case ApicDeliveryMode::LowestPriority: // one CPU: it is always the lowest
        accept_interrupt(message.vector, message.level_triggered);
        break;
    case ApicDeliveryMode::Nmi:
        nmi_pending_ = true;
        update();
        break;
    case ApicDeliveryMode::ExtInt:
        extint_message_pending_ = true;
        update();
        break;
    default:
        log_.warn_once("lapic-message-mode", "local APIC: delivery mode {} not supported",
                       unsigned(message.delivery_mode));
        break;
    }
}

void LocalApic::set_lint0(bool level) { set_lint(0, level); }
void LocalApic::set_lint1(bool level) { set_lint(1, level); }

void LocalApic::set_lint(unsigned pin, bool level) {
    bool rising = level && !lint_level_[pin];
    lint_level_[pin] = level;
    if (!enabled() || !software_enabled()) {
        // Virtual wire: LINT0 is INTR (level, seen by interrupt_pending), LINT1 is NMI.
        if (pin == 1 && rising) nmi_pending_ = true;
        update();
        return;
    }
    Lvt index = pin == 0 ? LvtLint0 : LvtLint1;
    u32 entry = lvt_[index];
    if (entry & kLvtMasked) return;
    switch (delivery_mode_of(entry)) {
    case ApicDeliveryMode::Fixed:
        if (entry & kLvtLevelTriggered) {
            if (level && !(entry & kLvtRemoteIrr)) deliver_local(index, true);
        } else if (rising) {
            deliver_local(index, false);
        }
        break;
    case ApicDeliveryMode::ExtInt: update(); break;
    case ApicDeliveryMode::Nmi:
        if (rising) {
            nmi_pending_ = true;
            update();
        }
        break;
    default:
        if (rising)
            log_.warn_once("lapic-lint-mode", "local APIC: LINT{} delivery mode {} not supported",
                           pin, unsigned(delivery_mode_of(entry)));
        break;
    }
}

// A fixed interrupt from one of this APIC's own LVT sources.
void LocalApic::deliver_local(Lvt index, bool level_triggered) {
    u32 entry = lvt_[index];
    if (entry & kLvtMasked) return;
    if (level_triggered) lvt_[index] |= kLvtRemoteIrr;
    accept_interrupt(u8(entry & 0xFF), level_triggered);
}

void LocalApic::raise_error(u32 bits) {
    bool new_error = (bits & ~esr_pending_) != 0;
    esr_pending_ |= bits;
    // An illegal vector in the error LVT raises no new bit the second time, so this ends.
    if (new_error) deliver_local(LvtError, false);
}

void LocalApic::end_of_interrupt() {
    int isrv = highest_bit(isr_);
    if (isrv < 0) return;
    u8 vector = u8(isrv);
    clear_bit(isr_, vector);
    if (test_bit(tmr_, vector)) {
        for (Lvt index : {LvtLint0, LvtLint1}) {
            if ((lvt_[index] & kLvtRemoteIrr) && (lvt_[index] & 0xFF) == vector) {
                lvt_[index] &= ~kLvtRemoteIrr;
                set_lint(index == LvtLint0 ? 0 : 1, lint_level_[index == LvtLint0 ? 0 : 1]);
            }
        }
        if (on_level_eoi) on_level_eoi(vector);
    }
    update();
}

void LocalApic::send_ipi() {
    u8 vector = u8(icr_low_ & 0xFF);
    auto mode = delivery_mode_of(icr_low_);
    bool logical = icr_low_ & (1u << 11);
    bool level_assert = icr_low_ & (1u << 14);
    bool level_triggered = icr_low_ & (1u << 15);
    unsigned shorthand = (icr_low_ >> 18) & 3;
    u8 destination = u8(icr_high_ >> 24);

    bool to_self = false;
    switch (shorthand) {
    case 0: to_self = matches_destination(logical, destination); break;
    case 1:                         // self
    case 2: to_self = true; break;  // all including self
    case 3: to_self = false; break; // all excluding self: there is no other CPU
    }
    switch (mode) {
    case ApicDeliveryMode::Fixed:
    case ApicDeliveryMode::LowestPriority:
        if (vector < 16) {
            raise_error(kEsrSendIllegalVector);
            return;
        }
        if (to_self) accept_interrupt(vector, false);
        break;
    case ApicDeliveryMode::Nmi:
        if (to_self) {
            nmi_pending_ = true;
            update();
        }
        break;
    case ApicDeliveryMode::Init:
        // INIT level de-assert only resynchronises arbitration IDs; a one-CPU system has no
        // application processors to INIT or start.
        if (level_triggered && !level_assert) break;
        log_.warn_once("lapic-init-ipi", "local APIC: INIT IPI ignored (single CPU)");
        break;
    case ApicDeliveryMode::StartUp:
        log_.warn_once("lapic-sipi", "local APIC: start-up IPI ignored (single CPU)");
        break;
    default:
        log_.warn_once("lapic-ipi-mode", "local APIC: IPI delivery mode {} not supported",
                       unsigned(mode));
        break;
    }
}

// ---- timer ----

u64 LocalApic::timer_tick_ns() const {
    // Divide configuration bits 3,1:0 encode divide-by 2,4,...,128, and 0b111 = divide by 1.
    unsigned code = ((timer_divide_config_ >> 1) & 4) | (timer_divide_config_ & 3);
    unsigned shift = (code + 1) & 7;
    return kBusClockPeriodNs << shift;
}

u32 LocalApic::timer_current_count() const {
    if (!timer_running_) return 0;
    u64 elapsed = (scheduler_.now() - timer_base_time_) / timer_tick_ns();
    if (elapsed < timer_base_count_) return u32(timer_base_count_ - elapsed);
    if (!timer_periodic()) return 0;
    return u32(timer_initial_count_ - (elapsed - timer_base_count_) % timer_initial_count_);
}

void LocalApic::start_timer(u32 initial_count) {
    timer_initial_count_ = initial_count;
    timer_running_ = initial_count != 0;
    timer_base_time_ = scheduler_.now();
    timer_base_count_ = initial_count;
    schedule_timer();
}

// Restarts the count from the current value, before the divider or the mode changes.
void LocalApic::rebase_timer() {
    if (!timer_running_) return;
    u32 current = timer_current_count();
    timer_base_time_ = scheduler_.now();
    timer_base_count_ = current;
    if (current == 0) timer_running_ = false; // one-shot already expired
}

void LocalApic::schedule_timer() {
    if (timer_event_) scheduler_.cancel(*timer_event_);
    timer_event_.reset();
    if (!timer_running_) return;
    u64 expiry = timer_base_time_ + u64(timer_base_count_) * timer_tick_ns();
    timer_event_ = scheduler_.schedule_at(expiry, [this, expiry] {
        timer_event_.reset();
        timer_base_time_ = expiry;
        timer_base_count_ = 0;
        timer_expired();
    });
}

void LocalApic::timer_expired() {
    deliver_local(LvtTimer, false);
    if (!timer_periodic()) {
        timer_running_ = false;
        return;
    }
    // Reload. Periods that passed while nobody ran events collapse into this one interrupt,
    // as they would in the single IRR bit.
    u64 period = u64(timer_initial_count_) * timer_tick_ns();
    u64 now = scheduler_.now();
    u64 start = timer_base_time_;
    if (now >= start + period) start += (now - start) / period * period;
    timer_base_time_ = start;
    timer_base_count_ = timer_initial_count_;
    schedule_timer();
}

// ---- registers ----

void LocalApic::write_lvt(Lvt index, u32 value) {
    static constexpr u32 kWritable[kLvtCount] = {kLvtTimerWritable, kLvtPerfCounterWritable,
                                                 kLvtLintWritable, kLvtLintWritable,
                                                 kLvtErrorWritable};
    u32 old = lvt_[index];
    u32 entry = (value & kWritable[index]) | (old & kLvtRemoteIrr);
    if (!software_enabled()) entry |= kLvtMasked; // masks cannot be cleared while disabled
    if (index == LvtTimer && ((old ^ entry) & (1u << 17))) {
        rebase_timer();
        lvt_[index] = entry;
        schedule_timer();
    } else {
        lvt_[index] = entry;
    }
    if (index == LvtLint0 || index == LvtLint1) {
        if (!(entry & kLvtLevelTriggered)) lvt_[index] &= ~kLvtRemoteIrr;
        set_lint(index == LvtLint0 ? 0 : 1, lint_level_[index == LvtLint0 ? 0 : 1]);
    }
}

u32 LocalApic::read_register(u32 reg) {
    if (reg >= kRegIsr && reg < kRegIsr + 0x80) return isr_[(reg - kRegIsr) >> 4];
    if (reg >= kRegTmr && reg < kRegTmr + 0x80) return tmr_[(reg - kRegTmr) >> 4];
    if (reg >= kRegIrr && reg < kRegIrr + 0x80) return irr_[(reg - kRegIrr) >> 4];
    switch (reg) {
    case kRegId: return u32(apic_id_) << 24;
    case kRegVersion: return kVersion;
    case kRegTpr: return tpr_;
    case kRegApr: return arbitration_priority();
    case kRegPpr: return processor_priority();
    case kRegEoi: return 0;
    case kRegRemoteRead: return 0;
    case kRegLdr: return ldr_;
    case kRegDfr: return dfr_;
    case kRegSvr: return svr_;
    case kRegEsr: return esr_;
    case kRegIcrLow: return icr_low_; // delivery status always idle: IPIs complete at once
    case kRegIcrHigh: return icr_high_;
    case kRegLvtTimer: return lvt_[LvtTimer];
    case kRegLvtPerfCounter: return lvt_[LvtPerfCounter];
    case kRegLvtLint0: return lvt_[LvtLint0];
    case kRegLvtLint1: return lvt_[LvtLint1];
    case kRegLvtError: return lvt_[LvtError];
    case kRegTimerInitial: return timer_initial_count_;
    case kRegTimerCurrent: return timer_current_count();
    case kRegTimerDivide: return timer_divide_config_;
    default: raise_error(kEsrIllegalRegister); return 0;
    }
}

void LocalApic::write_register(u32 reg, u32 value) {
    if (reg >= kRegIsr && reg < kRegIrr + 0x80) return; // ISR, TMR, IRR are read-only
    switch (reg) {
    case kRegId: apic_id_ = u8((value >> 24) & 0x0F); break;
    case kRegTpr:
        tpr_ = value & 0xFF;
        update();
        break;
    case kRegEoi: end_of_interrupt(); break;
    case kRegLdr: ldr_ = value & 0xFF000000u; break;
    case kRegDfr: dfr_ = (value & 0xF0000000u) | 0x0FFFFFFFu; break;
    case kRegSvr:
        svr_ = (value & 0x3FF) | 0x0F; // P6: spurious vector bits 3:0 are hardwired to ones
        if (!software_enabled())
            for (auto& entry : lvt_) entry |= kLvtMasked;
        update();
        break;
    case kRegEsr: // a write latches the errors seen since the last write
        esr_ = esr_pending_;
        esr_pending_ = 0;
        break;
    case kRegIcrLow:
        icr_low_ = value & kIcrLowWritable;
        send_ipi();
        break;
    case kRegIcrHigh: icr_high_ = value & 0xFF000000u; break;
    case kRegLvtTimer: write_lvt(LvtTimer, value); break;
    case kRegLvtPerfCounter: write_lvt(LvtPerfCounter, value); break;
    case kRegLvtLint0: write_lvt(LvtLint0, value); break;
    case kRegLvtLint1: write_lvt(LvtLint1, value); break;
    case kRegLvtError: write_lvt(LvtError, value); break;
    case kRegTimerInitial: start_timer(value); break;
    case kRegTimerDivide:
        rebase_timer();
        timer_divide_config_ = value & 0xB;
        schedule_timer();
        break;
    case kRegVersion:
    case kRegApr:
    case kRegPpr:
    case kRegRemoteRead:
    case kRegTimerCurrent: break; // read-only
    default: raise_error(kEsrIllegalRegister); break;
    }
}

u32 LocalApic::mmio_read(u32 offset, unsigned size) {
    if (!enabled()) return all_ones(size);
    unsigned byte = offset & 0xF;
    if (byte >= 4) return 0; // the rest of each 16-byte slot is reserved
    u32 value = read_register(offset & 0xFF0) >> (8 * byte);
    return value & all_ones(size);
}

void LocalApic::mmio_write(u32 offset, unsigned size, u32 value) {
    if (!enabled()) return;
    if (size != 4 || (offset & 0xF) != 0) {
        log_.warn_once("lapic-narrow-write",
                       "local APIC: {}-byte write at offset {:#x} ignored (registers are dwords)",
                       size, offset);
        return;
    }
    write_register(offset & 0xFF0, value);
}

} // namespace vmi86
