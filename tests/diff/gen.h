// Random user-mode instruction sequences for the differential test. The generator keeps track of
// the flags the Intel SDM leaves undefined, so that no instruction consumes one and only defined
// state is compared; every memory access stays inside the data page.
#pragma once
#include "common/types.h"
#include "diff_case.h"
#include <vector>

namespace vmi86::difftest {

class Rng {
public:
    explicit Rng(u64 seed) : s_(seed) {}
    u64 next();
    u32 below(u32 n) { return u32(next() % n); }
    bool chance(unsigned percent) { return below(100) < percent; }

private:
    u64 s_;
};

struct TestCase {
    std::vector<u8> code;
    u32 regs[8] = {};
    u32 eflags = 0;
    u64 data_seed = 0;
    u32 undefined_flags = 0; // arithmetic flags left undefined at the end of the sequence
    // Non-zero: the data-page offset of an FNSAVE image whose registers hold transcendental
    // results, compared within 1 ulp instead of bit for bit.
    u32 x87_ulp_area = 0;
};

// The seed of case `index` of a run seeded with `run_seed`.
inline u64 case_seed(u64 run_seed, u64 index) {
    u64 state = run_seed ^ (index * 0xD1B54A32D192ED03ull);
    return diffwire::splitmix64(state);
}

// The case for `seed`: the same seed always gives the same case.
TestCase generate(u64 seed);
// An x87 sequence ending in FNSAVE (gen_x87.cpp); max_ops cuts the random part short (to find
// the first instruction of a failing case that differs).
TestCase generate_x87(u64 seed, unsigned max_ops = ~0u);
// One x87 transcendental (FSIN, FCOS, FSINCOS, FPTAN, FPATAN, FYL2X, FYL2XP1, F2XM1) on operands
// from its defined domain and the special values, ending in FNSAVE.
TestCase generate_x87_transcendental(u64 seed);
// MMX and SSE/SSE2 integer, move and logic instructions on registers loaded with edge values,
// ending in FXSAVE (gen_simd.cpp).
TestCase generate_simd(u64 seed);
// An SSE/SSE2 floating-point sequence ending in FXSAVE (gen_sse_float.cpp), or in #XM when an
// unmasked exception occurs; max_ops cuts the random part short.
TestCase generate_sse_float(u64 seed, unsigned max_ops = ~0u);

} // namespace vmi86::difftest
