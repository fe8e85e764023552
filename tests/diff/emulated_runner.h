// Runs test cases in vmi86: CPL 3, flat 32-bit protected mode with paging, the code and data
// pages at the linear addresses the native helper uses (diff_case.h). Portable: no host CPU code,
// so the replay test runs it on any host.
#pragma once
#include "common/log.h"
#include "cpu/cpu.h"
#include "devices/bus/io_space.h"
#include "devices/bus/memory_bus.h"
#include "gen.h"
#include "outcome.h"

namespace vmi86::difftest {

class EmulatedRunner {
public:
    EmulatedRunner();
    // Runs one case from a clean user state (the machine is reused between cases).
    Outcome run(const TestCase& tc);

private:
    MemoryBus mem_;
    IoSpace io_;
    Log log_;
    Cpu cpu_;
    u64 code0_, data0_, code3_, data3_;
};

} // namespace vmi86::difftest
