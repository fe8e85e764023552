// The narrow interface through which the engine hands VMI ROM calls to src/vmi (DESIGN §5). The
// engine asks only when it decodes a block (a block-cache miss), so it costs nothing per executed
// block; an entry point becomes a one-pseudo-instruction block whose handler runs the call, so
// chaining, caching and invalidation treat it as any other block.
#pragma once
#include "common/types.h"

namespace vmi86 {

class Cpu;

class VmiFastPath {
public:
    virtual ~VmiFastPath() = default;
    // The call whose entry point is at physical address `phys`, or -1. `page_has_entries` is
    // the cheap test the decoder uses to stop a block before an entry it would run into.
    virtual int entry_at(u32 phys) const = 0;
    virtual bool page_has_entries(u32 phys) const = 0;
    // Runs call `call` on the CPU (the CPU is at the entry, in 32-bit protected mode), then
    // returns to the caller as the ROM's `ret` would, or performs the call's own transfer (IRET,
    // SYSEXIT). A GuestFault it throws is delivered at cpu.insn_eip.
    virtual void execute(Cpu& cpu, unsigned call) = 0;
    // The same from a call site the engine recognised, with EIP already at the return address:
    // the call and its `ret` cancel out, so nothing is pushed, and a fault is reported at the
    // call site (for IRET and SYSEXIT that is what VMI specifies). False (nothing done) for calls
    // that read stack arguments; the engine then makes the real call and uses execute().
    virtual bool execute_at_call_site(Cpu& cpu, unsigned call) = 0;
    // Whether the block may go on after this call returns (no change to paging, interrupt
    // delivery or control flow beyond the `ret`), so a call site needs no dispatch at all.
    virtual bool call_may_continue_block(unsigned call) const = 0;
};

} // namespace vmi86
