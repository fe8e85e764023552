// The kinds of floating-point and SIMD sequences the replay test covers. Adding a kind is one
// line here, then re-recording on an x86 host (README.md); the replay test fails until the
// recording has it.
#pragma once
#include "common/types.h"
#include "gen.h"
#include <string_view>

namespace vmi86::replay {

// Whose results a kind records.
enum class Oracle {
    // The x86 host CPU's own results; the recorder checks that vmi86 matches them bit for bit.
    Host,
    // vmi86's results on the recording x86 host: for sequences where the host CPU differs from
    // vmi86 in the last bit (the transcendentals, which diff_test compares within 1 ulp). Their
    // replay shows that vmi86 computes the same bits on every host, not that it matches the CPU.
    Vmi86OnX86,
};

struct RecordedKind {
    std::string_view name;
    difftest::TestCase (*generate)(u64 case_seed);
    Oracle oracle;
    // Case i is generate(case_seed(run_seed, i)). The seeds are diff_test's (VMI86_DIFF_SEED
    // 0x766D693836 with its per-kind salt), so a replayed case is also diff_test's case i.
    u64 run_seed;
    u64 cases;
};

inline constexpr RecordedKind kRecordedKinds[] = {
    {"x87", [](u64 seed) { return difftest::generate_x87(seed); }, Oracle::Host,
     0x766D693836ull ^ 0x87, 10000},
    {"x87-transcendental", difftest::generate_x87_transcendental, Oracle::Vmi86OnX86,
     0x766D693836ull ^ 0xF5, 2000},
    {"sse-float", [](u64 seed) { return difftest::generate_sse_float(seed); }, Oracle::Host,
     0x766D693836ull ^ 0x55EF, 10000},
    {"mmx-sse-integer", difftest::generate_simd, Oracle::Host, 0x766D693836ull ^ 0x51D, 10000},
};

} // namespace vmi86::replay
