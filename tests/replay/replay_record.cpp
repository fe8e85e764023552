// replay_record: records the results the replay test checks (x86 hosts only). For every kind in
// recorded_kinds.h it generates the cases, runs them on the host CPU through diff_native and in
// vmi86, and writes one outcome hash per case: the host's for Oracle::Host kinds (refusing to
// record when vmi86 disagrees: diff_test shows why), vmi86's own for Oracle::Vmi86OnX86 kinds.
//
// Usage: replay_record PATH/TO/diff_native PATH/TO/fp_results.txt
#include "emulated_runner.h"
#include "fingerprints.h"
#include "native_runner.h"
#include "recorded_kinds.h"
#include "results_file.h"
#include <algorithm>
#include <fmt/core.h>

using namespace vmi86;
using namespace vmi86::replay;

int main(int argc, char** argv) {
    if (argc != 3) {
        fmt::print(stderr, "usage: replay_record PATH/TO/diff_native PATH/TO/fp_results.txt\n");
        return 2;
    }
    constexpr u64 kBatch = 10000; // cases per run of the native helper
    difftest::EmulatedRunner emulator;
    std::vector<RecordedRun> runs;
    try {
        for (const RecordedKind& kind : kRecordedKinds) {
            RecordedRun run{std::string(kind.name), kind.oracle, kind.run_seed, {}};
            u64 disagreements = 0;
            Fnv1a generated;
            for (u64 base = 0; base < kind.cases; base += kBatch) {
                std::vector<difftest::TestCase> cases;
                for (u64 i = base; i < std::min(kind.cases, base + kBatch); ++i)
                    cases.push_back(kind.generate(difftest::case_seed(kind.run_seed, i)));
                const std::vector<difftest::Outcome> native = run_native(argv[1], cases);
                for (u64 i = 0; i < cases.size(); ++i) {
                    add_case(generated, cases[i]);
                    const u64 emulated = outcome_hash(cases[i], emulator.run(cases[i]));
                    const u64 host = outcome_hash(cases[i], native[i]);
                    if (kind.oracle == Oracle::Host && host != emulated && disagreements++ < 10)
                        fmt::print(stderr,
                                   "replay_record: {} case {}: vmi86 differs from the host\n",
                                   kind.name, base + i);
                    run.hashes.push_back(kind.oracle == Oracle::Host ? host : emulated);
                }
            }
            run.cases_hash = generated.value();
            if (disagreements) {
                fmt::print(stderr,
                           "replay_record: {} {} cases differ from the host: not recorded (run "
                           "diff_test for the details)\n",
                           disagreements, kind.name);
                return 1;
            }
            fmt::print("replay_record: {}: {} cases, oracle {}\n", kind.name, run.hashes.size(),
                       oracle_name(kind.oracle));
            runs.push_back(std::move(run));
        }
        write_results(argv[2], runs);
    } catch (const std::exception& ex) { // also difftest::SkipTest: no i386 support here
        fmt::print(stderr, "replay_record: {}\n", ex.what());
        return 1;
    }
    fmt::print("replay_record: wrote {}\n", argv[2]);
    return 0;
}
