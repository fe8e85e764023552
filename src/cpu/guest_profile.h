// Where the guest spends its instructions: retired-instruction counts per block start address
// (linear), for --profile. Counting per block rather than per instruction keeps the cost to one
// map update per block executed.
#pragma once
#include "common/types.h"
#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <vector>

namespace vmi86 {

class GuestProfile {
public:
    void add(u32 linear_eip, u64 instructions) { counts_[linear_eip] += instructions; }

    // Writes "instructions percent address" lines, most-executed blocks first.
    void write(std::FILE* out) const {
        std::vector<std::pair<u32, u64>> rows(counts_.begin(), counts_.end());
        std::sort(rows.begin(), rows.end(),
                  [](const auto& a, const auto& b) { return a.second > b.second; });
        u64 total = 0;
        for (const auto& r : rows) total += r.second;
        for (const auto& [eip, n] : rows)
            std::fprintf(out, "%llu %.3f %08x\n", static_cast<unsigned long long>(n),
                         total ? 100.0 * double(n) / double(total) : 0.0, eip);
    }

private:
    std::unordered_map<u32, u64> counts_;
};

} // namespace vmi86
