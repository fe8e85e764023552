// Threaded dispatch inside a block: each instruction's `chained` handler runs the instruction,
// then jumps straight to the next instruction's chained handler (a sibling call), so every
// handler ends in its own indirect jump, which the host's branch predictor learns per
// instruction kind instead of sharing one dispatch branch. A block's last instruction has its
// plain handler as `chained`, and returns to Cpu::run.
#pragma once
#include "cpu/cpu.h"

namespace vmi86 {

template <Handler H> [[gnu::flatten]] void run_chained(Cpu& c, const DecodedInsn& d) {
    H(c, d);
    if (c.block_invalidated) [[unlikely]] {
        c.chain_stop = &d; // the rest of the block is stale: Cpu::run counts up to here
        return;
    }
    const DecodedInsn& next = (&d)[1];
    c.insn_eip = c.s.eip;
    c.s.eip += next.len;
    next.chained(c, next);
}

} // namespace vmi86
