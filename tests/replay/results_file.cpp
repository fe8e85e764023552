#include "results_file.h"
#include <charconv>
#include <fmt/core.h>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace vmi86::replay {

std::string_view oracle_name(Oracle oracle) {
    return oracle == Oracle::Host ? "host" : "vmi86-x86";
}

namespace {

bool parse_hex(std::string_view text, u64& out) {
    if (text.starts_with("0x")) text.remove_prefix(2);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
    return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

} // namespace

std::vector<RecordedRun> read_results(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(fmt::format("cannot open {}", path));
    std::vector<RecordedRun> runs;
    u64 expected = 0; // hashes still due for the last kind
    std::string line;
    for (unsigned lineno = 1; std::getline(in, line); ++lineno) {
        auto bad = [&](std::string_view why) {
            return std::runtime_error(fmt::format("{}:{}: {}: '{}'", path, lineno, why, line));
        };
        if (line.empty() || line[0] == '#') continue;
        if (expected) {
            u64 hash;
            if (line.size() != 16 || !parse_hex(line, hash)) throw bad("expected a 64-bit hash");
            runs.back().hashes.push_back(hash);
            --expected;
            continue;
        }
        std::istringstream fields(line);
        std::string kind_word, name, oracle_word, oracle, seed_word, seed, cases_word, cases,
            generated_word, generated;
        fields >> kind_word >> name >> oracle_word >> oracle >> seed_word >> seed >> cases_word >>
            cases >> generated_word >> generated;
        RecordedRun run{name};
        if (kind_word != "kind" || oracle_word != "oracle" || seed_word != "run-seed" ||
            cases_word != "cases" || generated_word != "generated" ||
            !parse_hex(seed, run.run_seed) || !parse_hex(generated, run.cases_hash) ||
            std::from_chars(cases.data(), cases.data() + cases.size(), expected).ec != std::errc())
            throw bad(
                "expected 'kind NAME oracle ORACLE run-seed 0xSEED cases N generated 0xHASH'");
        if (oracle == oracle_name(Oracle::Host))
            run.oracle = Oracle::Host;
        else if (oracle == oracle_name(Oracle::Vmi86OnX86))
            run.oracle = Oracle::Vmi86OnX86;
        else
            throw bad("unknown oracle");
        run.hashes.reserve(expected);
        runs.push_back(std::move(run));
    }
    if (expected) throw std::runtime_error(fmt::format("{}: {} hashes missing", path, expected));
    return runs;
}

void write_results(const std::string& path, const std::vector<RecordedRun>& runs) {
    std::ofstream out(path);
    out << "# vmi86 floating-point replay results: recorded on an x86 host by replay_record,\n"
           "# replayed by replay_test on every host (tests/replay/README.md). One kind line,\n"
           "# then one outcome hash per case.\n";
    for (const RecordedRun& run : runs) {
        out << fmt::format("kind {} oracle {} run-seed {:#x} cases {} generated {:#018x}\n",
                           run.kind, oracle_name(run.oracle), run.run_seed, run.hashes.size(),
                           run.cases_hash);
        for (u64 hash : run.hashes) out << fmt::format("{:016x}\n", hash);
    }
    if (!out.flush()) throw std::runtime_error(fmt::format("cannot write {}", path));
}

} // namespace vmi86::replay
