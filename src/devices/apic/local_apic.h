// The local APIC of a P6-family CPU (Pentium Pro/II/III): version 0x11 with five LVT entries
// (timer, performance counter, LINT0, LINT1, error), a 4-bit APIC ID, spurious vectors with the
// low nibble hardwired to ones. It is an MMIO device at the address held in the APIC base MSR
// (0xFEE00000 after reset). The CPU is not included; the machine bridges:
//
//  - the 8259A's INTR output goes to set_lint0(), the NMI source (if any) to set_lint1();
//  - the I/O APIC's messages go to receive(), and on_level_eoi goes back to the I/O APIC's
//    end_of_interrupt() so level-triggered lines are re-sampled;
//  - on_interrupt asks the CPU to stop at its next boundary; the CPU then checks nmi_pending() and,
//    if IF is set, interrupt_pending(), and takes acknowledge(). When that says ExtInt, the vector
//    comes from the 8259A's interrupt-acknowledge cycle instead;
//  - WRMSR/RDMSR of IA32_APIC_BASE (0x1B) go to set_base_msr()/base_msr(). After a write the
//    machine maps this handler at base_address() (it may leave it mapped while disabled: a
//    globally disabled APIC reads all-ones and ignores writes).
//
// Virtual wire: while the APIC is globally disabled (base MSR bit 11 clear) or software-disabled
// (SVR bit 8 clear), LINT0 passes the 8259A's INTR straight through — interrupt_pending() follows
// the LINT0 level and acknowledge() answers ExtInt — and a rising edge on LINT1 is an NMI. So the
// machine can always route through the local APIC; it never needs a separate 8259A path. Once
// software-enabled, LINT0 delivers 8259A interrupts only while its LVT entry is unmasked ExtINT
// (or as a fixed vector if so programmed), as on real boards in virtual-wire mode.
//
// Input levels are logical (true = asserted); the LVT polarity bit is stored, not applied.
#pragma once
#include "common/log.h"
#include "common/types.h"
#include "devices/apic/apic_message.h"
#include "devices/bus/memory_bus.h"
#include "devices/scheduler.h"
#include <array>
#include <functional>
#include <optional>

namespace vmi86 {

class LocalApic : public MmioHandler {
public:
    static constexpr u32 kDefaultBase = 0xFEE00000;
    static constexpr u32 kMmioSize = 0x1000;
    // The timer counts the front-side bus clock: 100 MHz (a Pentium III's FSB), 10 ns per tick.
    static constexpr u64 kBusClockHz = 100'000'000;
    static constexpr u64 kBusClockPeriodNs = 1'000'000'000 / kBusClockHz;
    // Version 0x11 (integrated APIC), max LVT entry 4 (five entries), as P6 CPUs report.
    static constexpr u32 kVersion = 0x00040011;
    static constexpr u64 kBaseMsrBsp = 1u << 8;
    static constexpr u64 kBaseMsrEnable = 1u << 11;

    // What the CPU gets when it takes the interrupt the APIC presents.
    struct Acknowledge {
        enum class Source : u8 {
            Vector, // vector is the interrupt (or the spurious vector) to deliver
            ExtInt, // ask the 8259A for the vector (its INTA cycle)
        };
        Source source;
        u8 vector;
    };

    LocalApic(Scheduler& scheduler, Log& log, u8 apic_id = 0);
    ~LocalApic() override;

    // Power-up / RESET state (the APIC base MSR included).
    void reset();

    // IA32_APIC_BASE. The BSP bit is read-only (this is the bootstrap processor).
    void set_base_msr(u64 value);
    u64 base_msr() const { return base_msr_; }
    u32 base_address() const { return u32(base_msr_ & 0xFFFFF000u); }
    bool enabled() const { return base_msr_ & kBaseMsrEnable; }
    bool software_enabled() const { return svr_ & kSvrEnable; }

    // Interrupt sources.
    void accept_interrupt(u8 vector, bool level_triggered); // fixed delivery to this APIC
    void receive(const ApicMessage& message);               // checks the destination first
    void set_lint0(bool level);
    void set_lint1(bool level);

    // The CPU side (through the machine).
    bool interrupt_pending() const;
    Acknowledge acknowledge();
    bool nmi_pending() const { return nmi_pending_; }
    void acknowledge_nmi() { nmi_pending_ = false; }

    // Something became pending: stop the CPU at its next boundary.
    std::function<void()> on_interrupt;
    // EOI of a level-triggered vector (TMR set): the I/O APIC clears its remote IRR.
    std::function<void(u8 vector)> on_level_eoi;

    u32 mmio_read(u32 offset, unsigned size) override;
    void mmio_write(u32 offset, unsigned size, u32 value) override;

    // For tests and the machine's debug output.
    u8 processor_priority() const;
    u32 timer_current_count() const;

private:
    static constexpr u32 kSvrEnable = 1u << 8;
    enum Lvt : unsigned { LvtTimer, LvtPerfCounter, LvtLint0, LvtLint1, LvtError, kLvtCount };

    u32 read_register(u32 reg);
    void write_register(u32 reg, u32 value);
    void write_lvt(Lvt index, u32 value);
    void end_of_interrupt();
    void send_ipi();
    void set_lint(unsigned pin, bool level);
    void deliver_local(Lvt index, bool level_triggered);
    void raise_error(u32 bits);
    bool matches_destination(bool logical, u8 destination) const;
    bool fixed_interrupt_pending() const;
    bool extint_pending() const;
    u8 arbitration_priority() const;
    void update();

    // Timer: the count is a function of virtual time, not decremented by events.
    u64 timer_tick_ns() const;
    bool timer_periodic() const { return lvt_[LvtTimer] & (1u << 17); }
    void start_timer(u32 initial_count);
    void rebase_timer();
    void schedule_timer();
    void timer_expired();

    Scheduler& scheduler_;
    Log& log_;
    u8 hardware_id_; // the ID strapped at power-up
    u8 apic_id_;
    u64 base_msr_ = 0;
    u32 tpr_ = 0, ldr_ = 0, dfr_ = 0, svr_ = 0;
    std::array<u32, 8> isr_{}, tmr_{}, irr_{};
    u32 esr_ = 0, esr_pending_ = 0;
    u32 icr_low_ = 0, icr_high_ = 0;
    std::array<u32, kLvtCount> lvt_{};
    std::array<bool, 2> lint_level_{};
    bool nmi_pending_ = false;
    bool extint_message_pending_ = false; // an ExtINT message from the I/O APIC

    u32 timer_initial_count_ = 0;
    u32 timer_divide_config_ = 0;
    bool timer_running_ = false;
    u64 timer_base_time_ = 0;  // virtual time at which the count was timer_base_count_
    u32 timer_base_count_ = 0; // counts left until the next expiry, at timer_base_time_
    std::optional<Scheduler::EventId> timer_event_;
};

} // namespace vmi86
