// Shared pieces of the interpreter handlers. Handlers are templates on operand size S (1, 2, 4)
// instantiated by the opcode tables; each is handler(Cpu&, const DecodedInsn&).
#pragma once
#include "cpu/cpu.h"

namespace vmi86::handlers {

template <unsigned S> constexpr u32 msb() { return 1u << (8 * S - 1); }

// Sets SF, ZF, PF from a result and the given CF/OF/AF, lazily.
template <unsigned S> inline void set_flags_szp(Cpu& c, u32 r, bool cf, bool of, bool af) {
    u32 explicit_bits = (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0) | (af ? FLAG_AF : 0);
    c.set_lazy<S>(FlagOp::Explicit, r & size_mask<S>(), explicit_bits, 0);
}

inline void set_cf(Cpu& c, bool cf) {
    u32 f = c.eflags();
    c.s.eflags = cf ? (f | FLAG_CF) : (f & ~FLAG_CF);
    c.s.lazy.op = FlagOp::None;
}

inline void set_zf(Cpu& c, bool zf) {
    u32 f = c.eflags();
    c.s.eflags = zf ? (f | FLAG_ZF) : (f & ~FLAG_ZF);
    c.s.lazy.op = FlagOp::None;
}

// Read-modify-write of the ModRM operand: the address is computed once; f(old) returns the new
// value. The write happens before the caller commits flags, so a faulting write changes nothing.
// The segment is checked for writing before the read, as the CPU does (#GP before #PF).
template <unsigned S, typename F> inline u32 rmw_E(Cpu& c, const DecodedInsn& d, F f) {
    if (d.mod == 3) {
        u32 old = c.reg<S>(d.rm);
        c.set_reg<S>(d.rm, f(old));
        return old;
    }
    u32 lin = c.seg_check<S>(d.seg, c.ea(d), true);
    u32 old = c.read_lin<S>(lin);
    c.write_lin<S>(lin, f(old));
    return old;
}

inline void require_cpl0(Cpu& c) {
    if (c.s.cpl != 0) c.fault(kGP, 0);
}

inline void require_protected(Cpu& c) {
    if (!c.protected_mode() || c.v86()) c.fault(kUD);
}

// Near branch target: truncated to the operand size, checked against the CS limit.
template <unsigned S> inline void near_jump(Cpu& c, u32 target) {
    if constexpr (S == 2) target &= 0xFFFF;
    c.set_eip_checked(target);
}

} // namespace vmi86::handlers
