// The end state of one test case, the same shape for the native and the emulated run, and which
// part of it the tests compare.
#pragma once
#include "common/types.h"
#include "cpu/state.h"
#include "diff_case.h"
#include "gen.h"
#include <vector>

namespace vmi86::difftest {

// Outcome::vector of an emulated run that hung, halted or got lost: never matches a native one.
constexpr u32 kHungVector = 0x100;

struct Outcome {
    u32 regs[8] = {};
    u32 eflags = 0;
    u32 vector = diffwire::kNoFault;
    u32 fault_eip = 0;
    u32 fault_addr = 0;
    std::vector<u8> data;
    // A native run's fault as the host reported it (diffwire::ResultHeader), only to diagnose
    // an unexpected one: never compared nor hashed.
    u32 host_signal = 0, host_si_code = 0, host_error_code = 0;
};

// The EFLAGS bits compared after a case that ran to its end: flags the SDM leaves undefined are
// not, nor RF/VM/VIF/VIP, which are not user state.
inline u32 compared_eflags(const TestCase& tc) {
    return (FLAGS_ARITH & ~tc.undefined_flags) | FLAG_DF | FLAG_IF | FLAG_TF | FLAG_IOPL | FLAG_NT |
           FLAG_AC | FLAG_ID | 2;
}

} // namespace vmi86::difftest
