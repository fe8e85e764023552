// Pushes onto a stack that is not (yet) SS: the new stack of a privilege change. Each push checks
// the segment limit (#SS with the given error code) and writes at the given privilege.
#pragma once
#include "cpu/cpu.h"

namespace vmi86 {

struct StackWriter {
    Cpu& cpu;
    SegmentCache ss;
    u32 esp;
    bool user;
    u32 fault_error;
    void push(unsigned size, u32 v) {
        u32 mask = ss.big() ? 0xFFFFFFFFu : 0xFFFFu;
        u32 nsp = (esp - size) & mask;
        if (nsp < ss.lim_lo || u64(nsp) + size - 1 > ss.lim_hi) cpu.fault(kSS, fault_error);
        cpu.write_lin_slow(ss.base + nsp, size, v, user);
        esp = nsp;
    }
};

} // namespace vmi86
