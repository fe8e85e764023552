// The narrow interface through which the engine hands VMI ROM calls to src/vmi (DESIGN §5). The
// engine asks only when it decodes a block (a block-cache miss), so it costs nothing per executed
// block; an entry point becomes a one-pseudo-instruction block whose handler runs the call, so
// chaining, caching and invalidation treat it as any other block. A `call rel32` aimed at an
// entry becomes one pseudo-instruction in the caller's block that runs the call in place.
#pragma once
#include "common/types.h"
#include "cpu/decode/insn.h"

namespace vmi86 {

class Cpu;

class VmiFastPath {
public:
    // How the caller's block goes on after a call run at its call site.
    enum class Continuation : u8 {
        EndBlock,      // control transfers, paging-mode and alarm changes
        Continue,      // nothing the block's later instructions depend on changed
        IfCodeMapped,  // the TLB changed: on while the block's page still maps where it did
        IfNoInterrupt, // IF may have been set: on unless an interrupt is pending (taken now)
    };
    // Runs a call from a call site the engine recognised, with EIP already at the return
    // address: the call and its `ret` cancel out, so nothing is pushed, and a fault is reported
    // at the call site (for IRET and SYSEXIT that is what VMI specifies). Returns false, having
    // done nothing, for calls that read stack arguments: the engine then makes the real call.
    using SiteFunction = bool (*)(Cpu&);
    // Per call: the pseudo-instruction that replaces a `call rel32` to its entry (a handler and
    // its chained form, cpu/vmi_call_site.h, instantiated with the call's SiteFunction so the
    // call's work is inlined into it) and how the caller's block goes on.
    struct CallKind {
        Handler handler = nullptr;
        Handler chained = nullptr;
        Continuation continuation = Continuation::EndBlock;
    };

    virtual ~VmiFastPath() = default;
    // The call whose entry point is at physical address `phys`, or -1. `page_has_entries` is
    // the cheap test the decoder uses to stop a block before an entry it would run into.
    virtual int entry_at(u32 phys) const = 0;
    virtual bool page_has_entries(u32 phys) const = 0;
    // Runs call `call` on the CPU (the CPU is at the entry, in 32-bit protected mode), then
    // returns to the caller as the ROM's `ret` would, or performs the call's own transfer (IRET,
    // SYSEXIT). A GuestFault it throws is delivered at cpu.insn_eip.
    virtual void execute(Cpu& cpu, unsigned call) = 0;

    // Indexed by call number (every value entry_at() returns); set by the implementation.
    const CallKind* calls = nullptr;
};

} // namespace vmi86
