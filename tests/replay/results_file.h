// The recorded results file: a text file, so a re-recording shows as a readable diff.
//
//   # comment lines
//   kind NAME oracle host|vmi86-x86 run-seed 0xSEED cases N generated 0xHASH
//   N lines of one 16-digit hex outcome hash each (case 0 first)
// where `generated` fingerprints the N generated cases themselves (fingerprints.h).
//   ... further kinds
#pragma once
#include "common/types.h"
#include "recorded_kinds.h"
#include <string>
#include <vector>

namespace vmi86::replay {

struct RecordedRun {
    std::string kind;
    Oracle oracle = Oracle::Host;
    u64 run_seed = 0;
    u64 cases_hash = 0;      // of the generated cases
    std::vector<u64> hashes; // one per case
};

// Throws std::runtime_error naming the file and line of a malformed entry.
std::vector<RecordedRun> read_results(const std::string& path);
void write_results(const std::string& path, const std::vector<RecordedRun>& runs);

std::string_view oracle_name(Oracle oracle);

} // namespace vmi86::replay
