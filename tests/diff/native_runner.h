// Runs test cases on the host CPU through the static i386 helper diff_native (x86 hosts only).
#pragma once
#include "gen.h"
#include "outcome.h"
#include <stdexcept>
#include <string>
#include <vector>

namespace vmi86::difftest {

// The host cannot run the native side: the test reports itself skipped (exit status 77).
struct SkipTest : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Runs the cases natively through the helper at `helper_path`; one Outcome per case.
std::vector<Outcome> run_native(const std::string& helper_path, const std::vector<TestCase>& cases);

} // namespace vmi86::difftest
