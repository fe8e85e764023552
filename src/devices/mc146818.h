// Motorola MC146818 real-time clock with 128 bytes of CMOS NVRAM: index port 0x70 (bit 7 masks
// NMI), data port 0x71. IRQ8 is driven by register C's IRQF.
//
// The clock follows the scheduler's virtual time from a start time (the host clock when the
// machine is created, or a fixed epoch in deterministic mode). Nothing ticks: the time
// registers are computed when read, flags PF/AF/UF are worked out when register C is read, and
// one event is scheduled only when an enabled interrupt is due and IRQ8 is not already asserted.
#pragma once
#include "common/log.h"
#include "common/types.h"
#include "devices/bus/io_space.h"
#include "devices/irq.h"
#include "devices/scheduler.h"
#include <array>
#include <optional>

namespace vmi86 {

class Mc146818Rtc : public IoHandler {
public:
    static constexpr u16 kIndexPort = 0x70;
    static constexpr u16 kDataPort = 0x71;
    // Register indexes.
    static constexpr u8 kSeconds = 0x00, kSecondsAlarm = 0x01, kMinutes = 0x02,
                        kMinutesAlarm = 0x03, kHours = 0x04, kHoursAlarm = 0x05, kDayOfWeek = 0x06,
                        kDayOfMonth = 0x07, kMonth = 0x08, kYear = 0x09;
    static constexpr u8 kRegA = 0x0A, kRegB = 0x0B, kRegC = 0x0C, kRegD = 0x0D;
    static constexpr u8 kCentury = 0x32; // IBM PC convention, read by SeaBIOS
    // Register A.
    static constexpr u8 kUip = 0x80;
    // Register B.
    static constexpr u8 kSet = 0x80, kPie = 0x40, kAie = 0x20, kUie = 0x10, kSqwe = 0x08,
                        kBinary = 0x04, k24Hour = 0x02, kDse = 0x01;
    // Register C.
    static constexpr u8 kIrqf = 0x80, kPf = 0x40, kAf = 0x20, kUf = 0x10;
    // UIP goes high this long before each update (244 us: 8 cycles of 32.768 kHz).
    static constexpr u64 kUipNs = 244'141;

    // start_unix_seconds: the time the clock shows now (UTC); nullopt reads the host clock.
    Mc146818Rtc(IoSpace& io, Scheduler& scheduler, IrqLine& irq8, Log& log,
                std::optional<s64> start_unix_seconds = std::nullopt);
    ~Mc146818Rtc() override;
    Mc146818Rtc(const Mc146818Rtc&) = delete;
    Mc146818Rtc& operator=(const Mc146818Rtc&) = delete;

    // Fills the memory size fields (0x15-0x18, 0x30/0x31, 0x34/0x35, 0x5B-0x5D) and the
    // checksum. The one-argument form splits RAM as the i440FX board does: below 4 GiB up to
    // the PCI hole at 3.5 GiB, the rest above 4 GiB.
    void set_memory_size(u64 ram_bytes);
    void set_memory_size(u64 below_4g_bytes, u64 above_4g_bytes);
    // NVRAM access for the machine (drive types, equipment byte, boot order). Writing a byte
    // of 0x10-0x2D keeps the checksum at 0x2E/0x2F right.
    void set_nvram(u8 index, u8 value);
    u8 nvram(u8 index) const { return cmos_[index & 0x7F]; }

    bool nmi_masked() const { return nmi_masked_; }
    // The clock's time now, as Unix seconds (what the time registers show).
    s64 current_time() const;
    // The RESET pin (machine reset): clears the interrupt enables and flags, keeps the time.
    void reset();

    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

private:
    bool divider_running() const;
    bool updating() const { return divider_running() && !(cmos_[kRegB] & kSet); }
    u32 periodic_cycles() const; // period in 32.768 kHz cycles, 0 if off
    u64 periodic_count(u64 ns) const;
    u64 updates_until(u64 ns) const;
    u64 last_update_boundary(u64 ns) const;
    std::optional<s64> next_alarm_after(s64 seconds) const;

    void render_time(s64 seconds); // time registers from seconds
    s64 parse_time() const;        // seconds from the time registers
    void start_updating();         // the time registers become the running clock's time
    void stop_updating();          // the running clock's time goes into the registers

    void sync_flags();
    bool irq_asserted() const;
    void update_irq();
    void arm_timer();
    void update_checksum();

    u8 read_register(u8 index);
    void write_register(u8 index, u8 value);

    Scheduler& scheduler_;
    IrqLine& irq8_;
    Log& log_;
    std::array<u8, 128> cmos_{};
    u8 index_ = 0;
    bool nmi_masked_ = false;
    // While updating: the clock showed base_seconds_ at base_ns_, an update boundary.
    s64 base_seconds_ = 0;
    s64 base_ns_ = 0;
    // A moment when the divider chain completed a second: updates and periodic ticks are in
    // phase with it.
    s64 divider_phase_ns_ = 0;
    u8 flags_ = 0; // PF | AF | UF, set since register C was last read
    s64 flags_synced_ns_ = 0;
    Scheduler::EventId timer_ = 0;
};

} // namespace vmi86
