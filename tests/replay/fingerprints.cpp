#include "fingerprints.h"

namespace vmi86::replay {

u64 outcome_hash(const difftest::TestCase& tc, const difftest::Outcome& o) {
    Fnv1a h;
    h.u32le(o.vector);
    const bool faulted = o.vector != diffwire::kNoFault;
    if (faulted) {
        h.u32le(o.fault_eip);
        h.u32le(o.fault_addr);
    }
    for (u32 r : o.regs) h.u32le(r);
    if (!faulted) h.u32le(o.eflags & difftest::compared_eflags(tc));
    for (u8 b : o.data) h.byte(b);
    return h.value();
}

void add_case(Fnv1a& h, const difftest::TestCase& tc) {
    h.u32le(u32(tc.code.size()));
    for (u8 b : tc.code) h.byte(b);
    for (u32 r : tc.regs) h.u32le(r);
    h.u32le(tc.eflags);
    h.u64le(tc.data_seed);
    h.u32le(tc.undefined_flags);
    h.u32le(tc.x87_ulp_area);
}

} // namespace vmi86::replay
