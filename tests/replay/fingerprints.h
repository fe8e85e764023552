// 64-bit fingerprints (FNV-1a) of test cases and of their outcomes, so that the recorded results
// of many thousands of cases fit in a small file. Integers are hashed as little-endian bytes: the
// values do not depend on the host's byte order.
#pragma once
#include "common/types.h"
#include "gen.h"
#include "outcome.h"

namespace vmi86::replay {

class Fnv1a {
public:
    void byte(u8 b) { h_ = (h_ ^ b) * 0x100000001B3ull; }
    void u32le(u32 v) {
        for (int i = 0; i < 4; ++i) byte(u8(v >> (8 * i)));
    }
    void u64le(u64 v) {
        u32le(u32(v));
        u32le(u32(v >> 32));
    }
    u64 value() const { return h_; }

private:
    u64 h_ = 0xCBF29CE484222325ull;
};

// The state the differential test compares after a case: the end (completed or fault vector),
// the fault EIP and CR2 of a fault, the registers, the defined EFLAGS of a completed case and the
// data page.
u64 outcome_hash(const difftest::TestCase& tc, const difftest::Outcome& o);

// Adds a generated case (code, initial state, what is compared) to `h`: the recorder and the
// replay fingerprint all cases of a kind, so that a generator that makes different cases on
// another host is told apart from vmi86 computing different results.
void add_case(Fnv1a& h, const difftest::TestCase& tc);

} // namespace vmi86::replay
