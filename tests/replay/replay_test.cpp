// replay_test: replays the floating-point results recorded on an x86 host (fp_results.txt)
// through vmi86 on whatever host it runs on: each case is regenerated from its seed, run by
// vmi86's interpreter and its outcome hash must equal the recorded one. Portable C++ only (no
// host CPU code, no capstone), so the same test runs natively and cross-built for AArch64.
//
// Usage: replay_test PATH/TO/fp_results.txt. Exit status 0: every case identical.
//        replay_test --dump KIND INDEX: prints vmi86's whole end state of one case, to compare
//        between hosts with diff.
#include "emulated_runner.h"
#include "fingerprints.h"
#include "recorded_kinds.h"
#include "results_file.h"
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fmt/core.h>
#include <string>
#include <sys/utsname.h>

using namespace vmi86;
using namespace vmi86::replay;

namespace {

// The architecture this binary was compiled for, and (from uname) the one it runs on: under
// qemu-user both say aarch64 while the machine underneath is x86-64.
std::string_view compiled_for() {
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#elif defined(__i386__)
    return "i386";
#else
    return "other";
#endif
}

std::string running_on() {
    utsname u{};
    return uname(&u) == 0 ? std::string(u.machine) : std::string("unknown");
}

const RecordedKind* find_kind(std::string_view name) {
    for (const RecordedKind& kind : kRecordedKinds)
        if (kind.name == name) return &kind;
    return nullptr;
}

// What to look at when a case differs: its code and vmi86's end state on this host.
void describe(const difftest::TestCase& tc, const difftest::Outcome& o) {
    fmt::print("  code:");
    for (u8 b : tc.code) fmt::print(" {:02x}", b);
    fmt::print("\n  vmi86 here: end {}",
               o.vector == diffwire::kNoFault
                   ? std::string("completed")
                   : fmt::format("vector {} at {:08x}", o.vector, o.fault_eip));
    for (u32 r : o.regs) fmt::print(" {:08x}", r);
    fmt::print(" eflags {:08x}\n", o.eflags);
}

void dump(const RecordedKind& kind, u64 index) {
    const difftest::TestCase tc = kind.generate(difftest::case_seed(kind.run_seed, index));
    const difftest::Outcome o = difftest::EmulatedRunner().run(tc);
    describe(tc, o);
    for (u32 off = 0; off < o.data.size(); off += 16) {
        fmt::print("  data {:03x}:", off);
        for (u32 i = off; i < off + 16 && i < o.data.size(); ++i) fmt::print(" {:02x}", o.data[i]);
        fmt::print("\n");
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string_view(argv[1]) == "--dump" && find_kind(argv[2])) {
        dump(*find_kind(argv[2]), std::strtoull(argv[3], nullptr, 0));
        return 0;
    }
    if (argc != 2) {
        fmt::print(stderr, "usage: replay_test PATH/TO/fp_results.txt | --dump KIND INDEX\n");
        return 2;
    }
    fmt::print("replay: host: {} (compiled for {})\n", running_on(), compiled_for());
    const auto start = std::chrono::steady_clock::now();
    std::vector<RecordedRun> runs;
    try {
        runs = read_results(argv[1]);
    } catch (const std::exception& ex) {
        fmt::print("replay: FAIL: {}\n", ex.what());
        return 1;
    }
    // A kind added to recorded_kinds.h without re-recording, or a stale recording, fails.
    bool stale = false;
    for (const RecordedKind& kind : kRecordedKinds) {
        auto recorded = std::find_if(runs.begin(), runs.end(),
                                     [&](const RecordedRun& r) { return r.kind == kind.name; });
        if (recorded == runs.end() || recorded->oracle != kind.oracle ||
            recorded->run_seed != kind.run_seed || recorded->hashes.size() != kind.cases) {
            fmt::print("replay: FAIL: kind {} is not recorded as recorded_kinds.h describes it: "
                       "re-record (tests/replay/README.md)\n",
                       kind.name);
            stale = true;
        }
    }
    if (stale) return 1;

    difftest::EmulatedRunner emulator;
    u64 replayed = 0, differing = 0;
    bool generators_differ = false;
    for (const RecordedRun& run : runs) {
        const RecordedKind* kind = find_kind(run.kind);
        if (!kind) {
            fmt::print("replay: FAIL: recorded kind {} is unknown to recorded_kinds.h\n", run.kind);
            return 1;
        }
        u64 run_differing = 0;
        Fnv1a generated;
        for (u64 i = 0; i < run.hashes.size(); ++i) {
            const u64 seed = difftest::case_seed(run.run_seed, i);
            const difftest::TestCase tc = kind->generate(seed);
            add_case(generated, tc);
            const difftest::Outcome outcome = emulator.run(tc);
            const u64 hash = outcome_hash(tc, outcome);
            ++replayed;
            if (hash == run.hashes[i]) continue;
            if (differing++ < 5) {
                fmt::print("replay: FAIL: {} case {} (case seed {:#018x}): outcome hash {:016x}, "
                           "recorded ({}) {:016x}\n",
                           run.kind, i, seed, hash, oracle_name(run.oracle), run.hashes[i]);
                describe(tc, outcome);
            }
            ++run_differing;
        }
        fmt::print("replay: {}: {} cases, oracle {}, {} identical, {} differ\n", run.kind,
                   run.hashes.size(), oracle_name(run.oracle), run.hashes.size() - run_differing,
                   run_differing);
        if (generated.value() != run.cases_hash) {
            // Then the differences above are the generator's, not vmi86's.
            fmt::print("replay: FAIL: the {} cases generated here are not the recorded ones: the "
                       "generator changed since the recording (re-record) or depends on the host "
                       "(e.g. two random draws in one expression, whose order C++ leaves "
                       "unspecified)\n",
                       run.kind);
            generators_differ = true;
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    fmt::print("replay: {} on {}: {} cases replayed, {} differ ({:.1f} s)\n",
               differing || generators_differ ? "FAIL" : "PASS", running_on(), replayed, differing,
               seconds);
    return differing || generators_differ ? 1 : 0;
}
