// Lazy arithmetic flags: computed from the last flag-setting operation only when read.
#include "cpu/cpu.h"

namespace vmi86 {

bool Cpu::cf() const {
    const LazyFlags& l = s.lazy;
    u32 m = lazy_mask();
    switch (l.op) {
    case FlagOp::None: return s.eflags & FLAG_CF;
    case FlagOp::Add: return (l.result & m) < (l.src1 & m);
    case FlagOp::Adc:
        return l.carry_in ? (l.result & m) <= (l.src1 & m) : (l.result & m) < (l.src1 & m);
    case FlagOp::Sub: return (l.src1 & m) < (l.src2 & m);
    case FlagOp::Sbb:
        return l.carry_in ? (l.src1 & m) <= (l.src2 & m) : (l.src1 & m) < (l.src2 & m);
    case FlagOp::Logic: return false;
    case FlagOp::Inc:
    case FlagOp::Dec: return l.carry_in;
    case FlagOp::Neg: return (l.src1 & m) != 0;
    case FlagOp::Explicit: return l.src1 & FLAG_CF;
    }
    return false;
}

bool Cpu::sf() const {
    if (s.lazy.op == FlagOp::None) return s.eflags & FLAG_SF;
    return (s.lazy.result >> (8 * s.lazy.size - 1)) & 1;
}

bool Cpu::pf() const {
    if (s.lazy.op == FlagOp::None) return s.eflags & FLAG_PF;
    return parity_even(u8(s.lazy.result));
}

bool Cpu::of() const {
    const LazyFlags& l = s.lazy;
    u32 sb = 1u << (8 * l.size - 1);
    u32 m = lazy_mask();
    switch (l.op) {
    case FlagOp::None: return s.eflags & FLAG_OF;
    case FlagOp::Add:
    case FlagOp::Adc: return ((l.src1 ^ l.result) & (l.src2 ^ l.result)) & sb;
    case FlagOp::Sub:
    case FlagOp::Sbb: return ((l.src1 ^ l.src2) & (l.src1 ^ l.result)) & sb;
    case FlagOp::Logic: return false;
    case FlagOp::Inc: return (l.result & m) == sb;
    case FlagOp::Dec: return (l.result & m) == sb - 1;
    case FlagOp::Neg: return (l.src1 & m) == sb;
    case FlagOp::Explicit: return l.src1 & FLAG_OF;
    }
    return false;
}

bool Cpu::af() const {
    const LazyFlags& l = s.lazy;
    switch (l.op) {
    case FlagOp::None: return s.eflags & FLAG_AF;
    case FlagOp::Add:
    case FlagOp::Adc:
    case FlagOp::Sub:
    case FlagOp::Sbb: return (l.src1 ^ l.src2 ^ l.result) & 0x10;
    case FlagOp::Logic: return false;
    case FlagOp::Inc: return (l.result & 0xF) == 0;
    case FlagOp::Dec: return (l.result & 0xF) == 0xF;
    case FlagOp::Neg: return (l.src1 ^ l.result) & 0x10;
    case FlagOp::Explicit: return l.src1 & FLAG_AF;
    }
    return false;
}

// All six at once (PUSHF, interrupts, GetInterruptMask): one dispatch on the operation instead
// of one per flag; each case computes what cf(), af() and of() do.
u32 Cpu::eflags() const {
    const LazyFlags& l = s.lazy;
    if (l.op == FlagOp::None) return s.eflags;
    const u32 m = lazy_mask(), sb = 1u << (8 * l.size - 1);
    const u32 r = l.result & m, a = l.src1 & m, b = l.src2 & m;
    u32 f = s.eflags & ~FLAGS_ARITH;
    if (r == 0) f |= FLAG_ZF;
    if (l.result & sb) f |= FLAG_SF;
    if (parity_even(u8(l.result))) f |= FLAG_PF;
    bool c = false, o = false, h = false;
    switch (l.op) {
    case FlagOp::None: break;
    case FlagOp::Add:
    case FlagOp::Adc:
        c = l.op == FlagOp::Adc && l.carry_in ? r <= a : r < a;
        o = ((l.src1 ^ l.result) & (l.src2 ^ l.result)) & sb;
        h = (l.src1 ^ l.src2 ^ l.result) & 0x10;
        break;
    case FlagOp::Sub:
    case FlagOp::Sbb:
        c = l.op == FlagOp::Sbb && l.carry_in ? a <= b : a < b;
        o = ((l.src1 ^ l.src2) & (l.src1 ^ l.result)) & sb;
        h = (l.src1 ^ l.src2 ^ l.result) & 0x10;
        break;
    case FlagOp::Logic: break;
    case FlagOp::Inc:
        c = l.carry_in;
        o = r == sb;
        h = (l.result & 0xF) == 0;
        break;
    case FlagOp::Dec:
        c = l.carry_in;
        o = r == sb - 1;
        h = (l.result & 0xF) == 0xF;
        break;
    case FlagOp::Neg:
        c = a != 0;
        o = a == sb;
        h = (l.src1 ^ l.result) & 0x10;
        break;
    case FlagOp::Explicit: return f | (l.src1 & (FLAG_CF | FLAG_AF | FLAG_OF));
    }
    return f | (c ? FLAG_CF : 0) | (h ? FLAG_AF : 0) | (o ? FLAG_OF : 0);
}

void Cpu::set_eflags_arith(u32 f) {
    s.eflags = (eflags() & ~FLAGS_ARITH) | (f & FLAGS_ARITH);
    s.lazy.op = FlagOp::None;
}

bool Cpu::condition_slow(unsigned cc) const {
    bool r;
    switch (cc >> 1) {
    case 0: r = of(); break;
    case 1: r = cf(); break;
    case 2: r = zf(); break;
    case 3: r = cf() || zf(); break;
    case 4: r = sf(); break;
    case 5: r = pf(); break;
    case 6: r = sf() != of(); break;
    default: r = zf() || (sf() != of()); break;
    }
    return (cc & 1) ? !r : r;
}

void Cpu::write_eflags(u32 value, u32 mask) {
    // POPF and IRET replace all six arithmetic flags: no need to work out the old ones.
    u32 f = (mask & FLAGS_ARITH) == FLAGS_ARITH ? s.eflags : eflags();
    f = (f & ~mask) | (value & mask);
    s.eflags = (f & 0x003F7FD5u) | 2; // reserved bits: 1 is set, 3, 5, 15, 22+ are clear
    s.lazy.op = FlagOp::None;
    update_mode();
}

} // namespace vmi86
