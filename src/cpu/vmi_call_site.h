// The pseudo-instruction a `call rel32` to a VMI entry becomes (Cpu::decode_block): the call runs
// in the caller's block. src/vmi instantiates it once per call with that call's site function, so
// the call's native handler is inlined into the instruction the block dispatches to.
#pragma once
#include "cpu/chained_dispatch.h"
#include "cpu/cpu.h"

namespace vmi86 {

// d.disp = the entry's physical address, d.imm = the call's relative target.
template <VmiFastPath::SiteFunction Run, VmiFastPath::Continuation Continuation>
void vmi_call_at_site(Cpu& c, const DecodedInsn& d) {
    // Checked when it runs (the mapping may have changed since the block was decoded). Faults
    // of a call run here are reported at the call site, as the native instruction's.
    if (!c.vmi_entry_mapped(d) || !Run(c)) {
        if (!c.vmi_call_through_entry(d)) return;
    }
    if constexpr (Continuation == VmiFastPath::Continuation::IfCodeMapped) {
        c.vmi_end_block_unless_code_mapped();
    } else if constexpr (Continuation == VmiFastPath::Continuation::IfNoInterrupt) {
        // A pending interrupt is taken at the next block boundary.
        if (c.s.intr_line && (c.s.eflags & FLAG_IF)) c.block_invalidated = true;
    }
}

template <VmiFastPath::SiteFunction Run, VmiFastPath::Continuation Continuation>
constexpr VmiFastPath::CallKind vmi_call_kind() {
    return {vmi_call_at_site<Run, Continuation>, run_chained<vmi_call_at_site<Run, Continuation>>,
            Continuation};
}

} // namespace vmi86
