#include "devices/mc146818.h"
#include <algorithm>
#include <chrono>
#include <limits>

namespace vmi86 {

namespace {

constexpr s64 kNsPerSecond = 1'000'000'000;
constexpr s64 kDividerHz = 32768;
constexpr s64 kSecondsPerDay = 86400;

s64 floor_div(s64 a, s64 b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
s64 floor_mod(s64 a, s64 b) { return a - floor_div(a, b) * b; }

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
s64 days_from_civil(s64 y, unsigned m, unsigned d) {
    y -= m <= 2;
    const s64 era = floor_div(y, 400);
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + s64(doe) - 719468;
}

void civil_from_days(s64 z, s64& y, unsigned& m, unsigned& d) {
    z += 719468;
    const s64 era = floor_div(z, 146097);
    const unsigned doe = unsigned(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = s64(yoe) + era * 400 + (m <= 2);
}

bool is_time_register(u8 index) {
    switch (index) {
    case Mc146818Rtc::kSeconds:
    case Mc146818Rtc::kMinutes:
    case Mc146818Rtc::kHours:
    case Mc146818Rtc::kDayOfWeek:
    case Mc146818Rtc::kDayOfMonth:
    case Mc146818Rtc::kMonth:
    case Mc146818Rtc::kYear:
    case Mc146818Rtc::kCentury: return true;
    default: return false;
    }
}

} // namespace

Mc146818Rtc::Mc146818Rtc(IoSpace& io, Scheduler& scheduler, IrqLine& irq8, Log& log,
                         std::optional<s64> start_unix_seconds)
    : scheduler_(scheduler), irq8_(irq8), log_(log) {
    const s64 start = start_unix_seconds ? *start_unix_seconds
                                         : std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count();
    // What a BIOS leaves: 32.768 kHz divider, 1024 Hz periodic rate, BCD, 24-hour.
    cmos_[kRegA] = 0x26;
    cmos_[kRegB] = k24Hour;
    cmos_[kRegD] = 0x80;
    const s64 now = s64(scheduler_.now());
    divider_phase_ns_ = base_ns_ = flags_synced_ns_ = now;
    base_seconds_ = start;
    render_time(start);
    io.attach(kIndexPort, 2, this);
}

Mc146818Rtc::~Mc146818Rtc() { scheduler_.cancel(timer_); }

void Mc146818Rtc::reset() {
    sync_flags();
    cmos_[kRegB] &= u8(~(kPie | kAie | kUie | kSqwe));
    flags_ = 0;
    update_irq();
    arm_timer();
}

// ---- time keeping ----

// Divider select 000-010 (4.194 MHz, 1.049 MHz, 32.768 kHz time bases) runs the clock; the
// test and reset selects stop it.
bool Mc146818Rtc::divider_running() const { return ((cmos_[kRegA] >> 4) & 7) <= 2; }

s64 Mc146818Rtc::current_time() const {
    if (!updating()) return parse_time();
    return base_seconds_ + s64(updates_until(scheduler_.now()));
}

// Updates (second boundaries) after base_ns_ up to and including `ns`.
u64 Mc146818Rtc::updates_until(u64 ns) const {
    return u64(std::max<s64>(0, floor_div(s64(ns) - base_ns_, kNsPerSecond)));
}

u64 Mc146818Rtc::last_update_boundary(u64 ns) const {
    return u64(divider_phase_ns_ +
               floor_div(s64(ns) - divider_phase_ns_, kNsPerSecond) * kNsPerSecond);
}

u32 Mc146818Rtc::periodic_cycles() const {
    const unsigned rate = cmos_[kRegA] & 0x0F;
    if (rate == 0) return 0;
    return rate <= 2 ? 1u << (rate + 6) : 1u << (rate - 1); // rates 1, 2 repeat 8, 9 ... of 32k
}

// Periodic ticks since the divider phase up to and including `ns`.
u64 Mc146818Rtc::periodic_count(u64 ns) const {
    const __int128 elapsed = __int128(s64(ns) - divider_phase_ns_);
    if (elapsed <= 0) return 0;
    return u64(elapsed * kDividerHz / kNsPerSecond / periodic_cycles());
}

void Mc146818Rtc::render_time(s64 seconds) {
    const bool binary = cmos_[kRegB] & kBinary;
    auto encode = [binary](s64 v) { return binary ? u8(v) : u8((v / 10 % 10) << 4 | v % 10); };
    const s64 days = floor_div(seconds, kSecondsPerDay);
    const s64 of_day = seconds - days * kSecondsPerDay;
    s64 year;
    unsigned month, day;
    civil_from_days(days, year, month, day);
    const s64 hour = of_day / 3600;
    cmos_[kSeconds] = encode(of_day % 60);
    cmos_[kMinutes] = encode(of_day / 60 % 60);
    if (cmos_[kRegB] & k24Hour)
        cmos_[kHours] = encode(hour);
    else
        cmos_[kHours] = u8(encode(hour % 12 == 0 ? 12 : hour % 12) | (hour >= 12 ? 0x80 : 0));
    cmos_[kDayOfWeek] = encode(floor_mod(days + 4, 7) + 1); // 1970-01-01 was a Thursday; Sunday=1
    cmos_[kDayOfMonth] = encode(day);
    cmos_[kMonth] = encode(month);
    cmos_[kYear] = encode(floor_mod(year, 100));
    cmos_[kCentury] = encode(floor_div(year, 100));
}

s64 Mc146818Rtc::parse_time() const {
    const bool binary = cmos_[kRegB] & kBinary;
    auto decode = [binary](u8 v) { return binary ? s64(v) : s64((v >> 4) * 10 + (v & 15)); };
    s64 hour;
    if (cmos_[kRegB] & k24Hour)
        hour = decode(cmos_[kHours]);
    else
        hour = decode(cmos_[kHours] & 0x7F) % 12 + ((cmos_[kHours] & 0x80) ? 12 : 0);
    const unsigned month = unsigned(std::clamp<s64>(decode(cmos_[kMonth]), 1, 12));
    const unsigned day = unsigned(std::clamp<s64>(decode(cmos_[kDayOfMonth]), 1, 31));
    const s64 year = decode(cmos_[kCentury]) * 100 + decode(cmos_[kYear]);
    return days_from_civil(year, month, day) * kSecondsPerDay + hour * 3600 +
           decode(cmos_[kMinutes]) * 60 + decode(cmos_[kSeconds]);
}

// The guest's registers become the running clock's time; the update phase is kept (the
// divider chain is not reset by SET).
void Mc146818Rtc::start_updating() {
    base_seconds_ = parse_time();
    base_ns_ = s64(last_update_boundary(scheduler_.now()));
}

void Mc146818Rtc::stop_updating() { render_time(current_time()); }

// The first time after `seconds` whose time of day matches the alarm registers (a value with
// bits 7-6 set matches anything), or none if an alarm register can never match.
std::optional<s64> Mc146818Rtc::next_alarm_after(s64 seconds) const {
    const bool binary = cmos_[kRegB] & kBinary;
    auto decode = [binary](u8 v) { return binary ? int(v) : int((v >> 4) * 10 + (v & 15)); };
    auto field = [&](u8 reg, int limit, bool is_hour) -> std::optional<int> {
        const u8 v = cmos_[reg];
        if ((v & 0xC0) == 0xC0) return -1; // don't care
        int value = decode(is_hour && !(cmos_[kRegB] & k24Hour) ? v & 0x7F : v);
        if (is_hour && !(cmos_[kRegB] & k24Hour)) {
            if (value < 1 || value > 12) return std::nullopt;
            value = value % 12 + ((v & 0x80) ? 12 : 0);
        }
        if (value < 0 || value >= limit) return std::nullopt;
        return value;
    };
    const auto want_h = field(kHoursAlarm, 24, true);
    const auto want_m = field(kMinutesAlarm, 60, false);
    const auto want_s = field(kSecondsAlarm, 60, false);
    if (!want_h || !want_m || !want_s) return std::nullopt;
    const s64 of_day = floor_mod(seconds, kSecondsPerDay);
    const s64 day_start = seconds - of_day;
    for (s64 day = 0; day <= 1; ++day) {
        for (int h = 0; h < 24; ++h) {
            if (*want_h >= 0 && h != *want_h) continue;
            if (day == 0 && h < of_day / 3600) continue;
            for (int m = 0; m < 60; ++m) {
                if (*want_m >= 0 && m != *want_m) continue;
                if (day == 0 && h * 60 + m < of_day / 60) continue;
                for (int s = 0; s < 60; ++s) {
                    if (*want_s >= 0 && s != *want_s) continue;
                    const s64 t = day * kSecondsPerDay + h * 3600 + m * 60 + s;
                    if (t > of_day) return day_start + t;
                }
            }
        }
    }
    return std::nullopt;
}

// ---- flags and IRQ8 ----

// Sets PF, UF and AF for what happened between the last sync and now, under the programming
// that held meanwhile (every register write syncs first).
void Mc146818Rtc::sync_flags() {
    const u64 now = scheduler_.now();
    const u64 from = u64(flags_synced_ns_);
    if (s64(now) <= flags_synced_ns_) return;
    if (divider_running()) {
        if (periodic_cycles() && periodic_count(now) > periodic_count(from)) flags_ |= kPf;
        if (!(cmos_[kRegB] & kSet)) {
            const u64 before = updates_until(from), after = updates_until(now);
            if (after > before) {
                flags_ |= kUf;
                const auto alarm = next_alarm_after(base_seconds_ + s64(before));
                if (alarm && *alarm <= base_seconds_ + s64(after)) flags_ |= kAf;
            }
        }
    }
    flags_synced_ns_ = s64(now);
}

bool Mc146818Rtc::irq_asserted() const {
    const u8 b = cmos_[kRegB];
    return ((flags_ & kPf) && (b & kPie)) || ((flags_ & kAf) && (b & kAie)) ||
           ((flags_ & kUf) && (b & kUie));
}

void Mc146818Rtc::update_irq() { irq8_.set(irq_asserted()); }

// One event at the next moment an enabled flag would assert IRQ8. None while IRQ8 is already
// asserted: nothing changes on the line until the guest reads register C.
void Mc146818Rtc::arm_timer() {
    scheduler_.cancel(timer_);
    timer_ = 0;
    if (irq_asserted() || !divider_running()) return;
    const u64 now = scheduler_.now();
    const u8 b = cmos_[kRegB];
    s64 due = std::numeric_limits<s64>::max();
    if ((b & kPie) && periodic_cycles()) {
        const __int128 cycle = __int128(periodic_count(now) + 1) * periodic_cycles();
        due = std::min(due, divider_phase_ns_ +
                                s64((cycle * kNsPerSecond + kDividerHz - 1) / kDividerHz));
    }
    if (!(b & kSet)) {
        const s64 updates = s64(updates_until(now));
        if (b & kUie) due = std::min(due, base_ns_ + (updates + 1) * kNsPerSecond);
        if (b & kAie) {
            if (const auto alarm = next_alarm_after(base_seconds_ + updates))
                due = std::min(due, base_ns_ + (*alarm - base_seconds_) * kNsPerSecond);
        }
    }
    if (due == std::numeric_limits<s64>::max()) return;
    timer_ = scheduler_.schedule_at(u64(std::max<s64>(due, 0)), [this] {
        timer_ = 0;
        sync_flags();
        update_irq();
        arm_timer();
    });
}

// ---- registers ----

u8 Mc146818Rtc::read_register(u8 index) {
    if (is_time_register(index)) {
        if (updating()) render_time(current_time());
        return cmos_[index];
    }
    switch (index) {
    case kRegA: {
        u8 value = cmos_[kRegA] & 0x7F;
        if (updating()) {
            const s64 into_second = floor_mod(s64(scheduler_.now()) - base_ns_, kNsPerSecond);
            if (into_second >= kNsPerSecond - s64(kUipNs)) value |= kUip;
        }
        return value;
    }
    case kRegC: {
        sync_flags();
        const u8 value = u8(flags_ | (irq_asserted() ? kIrqf : 0));
        flags_ = 0;
        update_irq();
        arm_timer();
        return value;
    }
    case kRegD: return 0x80; // VRT: the battery is good
    default: return cmos_[index];
    }
}

void Mc146818Rtc::write_register(u8 index, u8 value) {
    if (is_time_register(index)) {
        sync_flags();
        if (updating()) {
            // Written while the clock runs: the clock continues from the new value.
            render_time(current_time());
            cmos_[index] = value;
            start_updating();
        } else {
            cmos_[index] = value;
        }
        arm_timer();
        return;
    }
    switch (index) {
    case kSecondsAlarm:
    case kMinutesAlarm:
    case kHoursAlarm:
        sync_flags();
        cmos_[index] = value;
        arm_timer();
        break;
    case kRegA: {
        sync_flags();
        const bool was_running = divider_running();
        const bool will_run = ((value >> 4) & 7) <= 2;
        if (updating() && !will_run) stop_updating();
        cmos_[kRegA] = value & 0x7F; // UIP is read-only
        if (!was_running && will_run) {
            // Out of divider reset, the first update comes half a second later.
            divider_phase_ns_ = s64(scheduler_.now()) - kNsPerSecond / 2;
            if (updating()) start_updating();
        }
        update_irq();
        arm_timer();
        break;
    }
    case kRegB: {
        sync_flags();
        const bool was_set = cmos_[kRegB] & kSet;
        if (value & kSet) value &= u8(~kUie); // SET clears UIE
        if (!was_set && (value & kSet) && updating()) stop_updating();
        cmos_[kRegB] = value;
        if (was_set && !(value & kSet) && updating()) start_updating();
        if (value & kDse)
            log_.warn_once("rtc-dse", "MC146818: daylight saving (register B DSE) not emulated");
        update_irq();
        arm_timer();
        break;
    }
    case kRegC:
    case kRegD: break; // read-only
    default: cmos_[index] = value; break;
    }
}

u32 Mc146818Rtc::io_read(u16 port, unsigned size) {
    u32 value = 0;
    for (unsigned i = 0; i < size; ++i) {
        const u16 p = u16(port + i);
        // The index register is write-only.
        const u8 byte = p == kDataPort ? read_register(index_) : 0xFF;
        value |= u32(byte) << (8 * i);
    }
    return value;
}

void Mc146818Rtc::io_write(u16 port, unsigned size, u32 value) {
    for (unsigned i = 0; i < size; ++i) {
        const u16 p = u16(port + i);
        const u8 byte = u8(value >> (8 * i));
        if (p == kIndexPort) {
            index_ = byte & 0x7F;
            nmi_masked_ = byte & 0x80;
        } else if (p == kDataPort) {
            write_register(index_, byte);
        }
    }
}

// ---- NVRAM set-up by the machine ----

void Mc146818Rtc::update_checksum() {
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2D; ++i) sum += cmos_[i];
    cmos_[0x2E] = u8(sum >> 8);
    cmos_[0x2F] = u8(sum);
}

void Mc146818Rtc::set_nvram(u8 index, u8 value) {
    index &= 0x7F;
    if (index <= kRegD || index == kCentury) {
        write_register(index, value);
        return;
    }
    cmos_[index] = value;
    if (index >= 0x10 && index <= 0x2D) update_checksum();
}

void Mc146818Rtc::set_memory_size(u64 ram_bytes) {
    constexpr u64 kPciHole = 0xE0000000; // i440FX: RAM below 4 GiB stops at 3.5 GiB
    const u64 below = std::min(ram_bytes, kPciHole);
    set_memory_size(below, ram_bytes - below);
}

void Mc146818Rtc::set_memory_size(u64 below_4g_bytes, u64 above_4g_bytes) {
    constexpr u64 kKiB = 1024, kMiB = 1024 * 1024;
    auto put16 = [this](u8 index, u64 value) {
        cmos_[index] = u8(value);
        cmos_[index + 1] = u8(value >> 8);
    };
    put16(0x15, std::min<u64>(below_4g_bytes / kKiB, 640)); // base memory in KiB
    const u64 extended = below_4g_bytes > kMiB ? (below_4g_bytes - kMiB) / kKiB : 0;
    put16(0x17, std::min<u64>(extended, 65535)); // KiB above 1 MiB
    put16(0x30, std::min<u64>(extended, 65535));
    const u64 above_16m = below_4g_bytes > 16 * kMiB ? (below_4g_bytes - 16 * kMiB) / 65536 : 0;
    put16(0x34, std::min<u64>(above_16m, 65535)); // 64 KiB units above 16 MiB
    const u64 above_4g = above_4g_bytes / 65536;  // 64 KiB units above 4 GiB
    cmos_[0x5B] = u8(above_4g);
    cmos_[0x5C] = u8(above_4g >> 8);
    cmos_[0x5D] = u8(above_4g >> 16);
    update_checksum();
}

} // namespace vmi86
