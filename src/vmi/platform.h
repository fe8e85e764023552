// What the VMI handlers need from the board, filled in by the machine: interrupt wiring for
// alarms, the local APIC's registers, wall-clock time and reset. Defaults describe a board
// without those devices (a disabled APIC reads all-ones).
#pragma once
#include "common/types.h"
#include "devices/scheduler.h"
#include <functional>

namespace vmi86::vmi {

struct Platform {
    Scheduler* scheduler = nullptr;          // virtual time (ns); alarms are its events
    std::function<void()> raise_irq0;        // an alarm wired to IRQ0 fired
    std::function<void()> raise_lapic_timer; // an alarm wired to the LVTT vector fired
    std::function<u32(u32 reg)> apic_read;
    std::function<void(u32 reg, u32 value)> apic_write;
    std::function<u64()> wallclock_ns; // ns since the epoch, now
    std::function<void()> reboot;
};

} // namespace vmi86::vmi
