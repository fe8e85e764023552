// The MC146818 RTC and CMOS NVRAM driven through ports 0x70/0x71 as Linux (mc146818_get_time,
// rtc-cmos) and SeaBIOS read them, with time from the scheduler.
#include "devices/mc146818.h"
#include <chrono>
#include <doctest/doctest.h>

using namespace vmi86;

namespace {

constexpr s64 kFriday2024 = 1710510330; // 2024-03-15 13:45:30 UTC, a Friday
constexpr u64 kSecond = 1'000'000'000;

struct RtcRig {
    Log log;
    IoSpace io;
    Scheduler scheduler;
    IrqLine irq8;
    Mc146818Rtc rtc;
    int irq_rising = 0;

    explicit RtcRig(std::optional<s64> start = kFriday2024) : rtc(io, scheduler, irq8, log, start) {
        irq8.connect([this](bool level) { irq_rising += level; });
    }
    u8 cmos(u8 index) {
        io.write(0x70, 1, index);
        return u8(io.read(0x71, 1));
    }
    void set_cmos(u8 index, u8 value) {
        io.write(0x70, 1, index);
        io.write(0x71, 1, value);
    }
    void run_to(u64 t) {
        for (u64 due; (due = scheduler.next_deadline()) <= t;) {
            scheduler.set_manual_time(due);
            scheduler.run_due();
        }
        scheduler.set_manual_time(t);
    }
    // A guest whose IRQ8 handler reads register C: counts interrupts up to time t.
    int count_interrupts_until(u64 t) {
        int n = 0;
        for (u64 due; (due = scheduler.next_deadline()) <= t;) {
            scheduler.set_manual_time(due);
            scheduler.run_due();
            if (irq8.level()) {
                ++n;
                cmos(0x0C);
            }
        }
        scheduler.set_manual_time(t);
        return n;
    }
};

} // namespace

TEST_CASE("RTC: time registers in BCD, 24-hour, at the start time") {
    RtcRig r;
    CHECK(r.cmos(0x00) == 0x30);
    CHECK(r.cmos(0x02) == 0x45);
    CHECK(r.cmos(0x04) == 0x13);
    CHECK(r.cmos(0x06) == 0x06); // Friday (Sunday = 1)
    CHECK(r.cmos(0x07) == 0x15);
    CHECK(r.cmos(0x08) == 0x03);
    CHECK(r.cmos(0x09) == 0x24);
    CHECK(r.cmos(0x32) == 0x20);
    CHECK(r.cmos(0x0A) == 0x26);
    CHECK(r.cmos(0x0B) == 0x02);
    CHECK(r.cmos(0x0D) == 0x80); // VRT
    CHECK(r.rtc.current_time() == kFriday2024);
}

TEST_CASE("RTC: the clock advances with virtual time, across midnight and the year") {
    RtcRig r(946684798); // 1999-12-31 23:59:58
    CHECK(r.cmos(0x09) == 0x99);
    CHECK(r.cmos(0x32) == 0x19);
    r.run_to(2 * kSecond);
    CHECK(r.cmos(0x00) == 0x00);
    CHECK(r.cmos(0x04) == 0x00);
    CHECK(r.cmos(0x07) == 0x01);
    CHECK(r.cmos(0x08) == 0x01);
    CHECK(r.cmos(0x09) == 0x00);
    CHECK(r.cmos(0x32) == 0x20);
    CHECK(r.cmos(0x06) == 0x07); // 2000-01-01 was a Saturday
    r.run_to(2 * kSecond + 999'999'999);
    CHECK(r.cmos(0x00) == 0x00);
    r.run_to(3 * kSecond);
    CHECK(r.cmos(0x00) == 0x01);
}

TEST_CASE("RTC: binary mode and 12-hour mode") {
    RtcRig r;
    r.set_cmos(0x0B, 0x06); // binary, 24-hour
    CHECK(r.cmos(0x00) == 30);
    CHECK(r.cmos(0x02) == 45);
    CHECK(r.cmos(0x04) == 13);
    CHECK(r.cmos(0x09) == 24);
    r.set_cmos(0x0B, 0x04); // binary, 12-hour: 1 PM
    CHECK(r.cmos(0x04) == 0x81);
    r.set_cmos(0x0B, 0x00); // BCD, 12-hour
    CHECK(r.cmos(0x04) == 0x81);
    // The time itself did not move.
    CHECK(r.rtc.current_time() == kFriday2024);
}

TEST_CASE("RTC: setting the time with SET, as a BIOS setup or hwclock --systohc does") {
    RtcRig r;
    r.run_to(kSecond / 4);
    r.set_cmos(0x0B, 0x82); // SET, 24-hour, BCD
    r.set_cmos(0x00, 0x00);
    r.set_cmos(0x02, 0x00);
    r.set_cmos(0x04, 0x00);
    r.set_cmos(0x07, 0x01);
    r.set_cmos(0x08, 0x01);
    r.set_cmos(0x09, 0x00);
    r.set_cmos(0x32, 0x20);
    r.run_to(5 * kSecond); // frozen while SET
    CHECK(r.cmos(0x00) == 0x00);
    CHECK(r.cmos(0x07) == 0x01);
    r.set_cmos(0x0B, 0x02);
    CHECK(r.rtc.current_time() == 946684800);
    // The update phase is the divider's: the next update is at the next whole second.
    r.run_to(6 * kSecond - 1);
    CHECK(r.cmos(0x00) == 0x00);
    r.run_to(6 * kSecond);
    CHECK(r.cmos(0x00) == 0x01);
    // A time register written while the clock runs takes effect at once.
    r.set_cmos(0x04, 0x22);
    CHECK(r.cmos(0x04) == 0x22);
    r.run_to(7 * kSecond);
    CHECK(r.cmos(0x00) == 0x02);
    CHECK(r.cmos(0x04) == 0x22);
}

TEST_CASE("RTC: UIP is set 244 us before each update") {
    RtcRig r;
    r.run_to(kSecond - 250'000);
    CHECK((r.cmos(0x0A) & 0x80) == 0);
    CHECK(r.cmos(0x00) == 0x30);
    r.run_to(kSecond - 240'000);
    CHECK((r.cmos(0x0A) & 0x80) == 0x80);
    CHECK(r.cmos(0x00) == 0x30);
    r.run_to(kSecond);
    CHECK((r.cmos(0x0A) & 0x80) == 0);
    CHECK(r.cmos(0x00) == 0x31);
    r.set_cmos(0x0B, 0x82); // no updates while SET: no UIP
    r.run_to(2 * kSecond - 100'000);
    CHECK((r.cmos(0x0A) & 0x80) == 0);
}

TEST_CASE("RTC: periodic interrupt at the rate in register A") {
    RtcRig r;
    r.set_cmos(0x0B, 0x42);                               // PIE
    CHECK(r.count_interrupts_until(kSecond / 10) == 102); // 1024 Hz
    r.set_cmos(0x0A, 0x2F);                               // 2 Hz
    r.cmos(0x0C);
    const int n = r.count_interrupts_until(kSecond / 10 + 3 * kSecond);
    CHECK(n == 6);
    r.set_cmos(0x0A, 0x23); // 8192 Hz
    r.cmos(0x0C);
    const u64 t0 = kSecond / 10 + 3 * kSecond;
    CHECK(r.count_interrupts_until(t0 + kSecond / 100) == 82); // ticks 25396..25477
}

TEST_CASE("RTC: no events while IRQ8 waits for register C to be read") {
    RtcRig r;
    r.set_cmos(0x0B, 0x42);
    r.run_to(kSecond);
    CHECK(r.irq8.level());
    CHECK(r.irq_rising == 1);
    CHECK(r.scheduler.next_deadline() == Scheduler::kNever);
    CHECK(r.cmos(0x0C) == 0xD0); // IRQF | PF | UF (UF is set even with UIE off)
    CHECK_FALSE(r.irq8.level());
    CHECK(r.cmos(0x0C) == 0x00); // cleared by the read
    CHECK(r.scheduler.next_deadline() != Scheduler::kNever);
}

TEST_CASE("RTC: flags are set without their enables, IRQF only with them") {
    RtcRig r;
    r.run_to(kSecond / 100);
    CHECK(r.cmos(0x0C) == 0x40); // PF at 1024 Hz, no IRQF
    CHECK(r.irq_rising == 0);
    CHECK(r.scheduler.next_deadline() == Scheduler::kNever);
    r.run_to(kSecond / 50);
    r.set_cmos(0x0B, 0x42); // enabling PIE with PF pending interrupts at once
    CHECK(r.irq8.level());
    CHECK(r.cmos(0x0C) == 0xC0);
}

TEST_CASE("RTC: update-ended interrupt once per second") {
    RtcRig r;
    r.set_cmos(0x0B, 0x12); // UIE
    CHECK(r.count_interrupts_until(3 * kSecond + kSecond / 2) == 3);
    r.run_to(4 * kSecond);
    CHECK((r.cmos(0x0C) & 0xB0) == 0x90); // PF runs too, without PIE
    // SET stops updates and clears UIE.
    r.set_cmos(0x0B, 0x92);
    CHECK(r.cmos(0x0B) == 0x82);
    r.run_to(10 * kSecond);
    CHECK((r.cmos(0x0C) & 0x10) == 0);
}

TEST_CASE("RTC: alarm interrupt, with don't-care fields") {
    RtcRig r;
    r.set_cmos(0x01, 0x35); // 13:45:35
    r.set_cmos(0x03, 0x45);
    r.set_cmos(0x05, 0x13);
    r.set_cmos(0x0B, 0x22); // AIE
    r.run_to(5 * kSecond - 1);
    CHECK_FALSE(r.irq8.level());
    r.run_to(5 * kSecond);
    CHECK(r.irq8.level());
    CHECK((r.cmos(0x0C) & 0xA0) == 0xA0);
    // Next match a day later: nothing in the next minute.
    r.run_to(65 * kSecond);
    CHECK((r.cmos(0x0C) & 0x20) == 0);
    // Seconds 00 of every minute and hour: at 13:47:00.
    r.set_cmos(0x01, 0x00);
    r.set_cmos(0x03, 0xC0);
    r.set_cmos(0x05, 0xFF);
    r.run_to(90 * kSecond - 1);
    CHECK_FALSE(r.irq8.level());
    r.run_to(90 * kSecond);
    CHECK(r.irq8.level());
}

TEST_CASE("RTC: divider reset stops the clock; the first update is 500 ms after restart") {
    RtcRig r;
    r.run_to(kSecond / 4);
    r.set_cmos(0x0A, 0x76);
    r.run_to(10 * kSecond);
    CHECK(r.cmos(0x00) == 0x30);
    r.set_cmos(0x0A, 0x26);
    r.run_to(10 * kSecond + kSecond / 2 - 1);
    CHECK(r.cmos(0x00) == 0x30);
    r.run_to(10 * kSecond + kSecond / 2);
    CHECK(r.cmos(0x00) == 0x31);
}

TEST_CASE("CMOS: NVRAM bytes, NMI mask bit, the index port, machine reset") {
    RtcRig r;
    r.set_cmos(0x40, 0x5A);
    r.set_cmos(0x7F, 0xA5);
    CHECK(r.cmos(0x40) == 0x5A);
    CHECK(r.cmos(0x7F) == 0xA5);
    CHECK_FALSE(r.rtc.nmi_masked());
    r.io.write(0x70, 1, 0x80 | 0x40); // Linux CMOS_READ with NMI off
    CHECK(r.rtc.nmi_masked());
    CHECK(r.io.read(0x71, 1) == 0x5A);
    r.io.write(0x70, 1, 0x0F);
    CHECK_FALSE(r.rtc.nmi_masked());
    r.set_cmos(0x0C, 0xFF); // read-only registers ignore writes
    r.set_cmos(0x0D, 0x00);
    CHECK(r.cmos(0x0D) == 0x80);
    r.set_cmos(0x0B, 0x72);
    r.rtc.reset();
    CHECK(r.cmos(0x0B) == 0x02);
    CHECK(r.cmos(0x40) == 0x5A); // battery-backed
}

TEST_CASE("CMOS: memory size fields and checksum") {
    RtcRig r;
    auto word = [&](u8 index) { return unsigned(r.cmos(index) | r.cmos(u8(index + 1)) << 8); };
    auto checksum_ok = [&] {
        unsigned sum = 0;
        for (u8 i = 0x10; i <= 0x2D; ++i) sum += r.cmos(i);
        return word(0x2E) == (((sum & 0xFF) << 8) | (sum >> 8));
    };
    r.rtc.set_memory_size(32ull << 20);
    CHECK(word(0x15) == 640);
    CHECK(word(0x17) == 31 * 1024);
    CHECK(word(0x30) == 31 * 1024);
    CHECK(word(0x34) == (16u << 20) / 65536);
    CHECK(r.cmos(0x5B) == 0);
    CHECK(checksum_ok());
    CHECK(r.cmos(0x2E) == 0x00); // high byte first: 0x80 + 0x02 + 0x00 + 0x7C
    CHECK(r.cmos(0x2F) == 0xFE);

    r.rtc.set_memory_size(512ull << 20);
    CHECK(word(0x17) == 65535); // capped
    CHECK(word(0x30) == 65535);
    CHECK(word(0x34) == (496u << 20) / 65536);
    CHECK(checksum_ok());

    r.rtc.set_memory_size(6ull << 30); // 3.5 GiB below 4 GiB, 2.5 GiB above
    CHECK(word(0x34) == (3584u - 16) * 16);
    CHECK(r.cmos(0x5B) == 0x00);
    CHECK(r.cmos(0x5C) == 0xA0);
    CHECK(r.cmos(0x5D) == 0x00);

    r.rtc.set_nvram(0x10, 0x40); // floppy A: 1.44 MB
    CHECK(r.cmos(0x10) == 0x40);
    CHECK(checksum_ok());
}

TEST_CASE("RTC: without a start time the clock starts at the host's time") {
    Log log;
    IoSpace io;
    Scheduler scheduler;
    IrqLine irq8;
    const s64 host = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    Mc146818Rtc rtc(io, scheduler, irq8, log);
    CHECK(rtc.current_time() >= host);
    CHECK(rtc.current_time() <= host + 2);
}
