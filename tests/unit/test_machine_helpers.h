// A bare CPU with RAM and no devices, for unit tests that poke at the core directly.
#pragma once
#include "cpu/cpu.h"
#include <cstring>
#include <vector>

namespace vmi86::test {

struct BareCpu {
    Log log;
    MemoryBus mem;
    IoSpace io;
    Cpu cpu{mem, io, log};

    explicit BareCpu(u32 ram_mb = 16) { mem.allocate_ram(u64(ram_mb) << 20); }

    void poke(u32 addr, const std::vector<u8>& bytes) { std::memcpy(mem.ram() + addr, bytes.data(), bytes.size()); }
    u32 peek32(u32 addr) const {
        u32 v;
        std::memcpy(&v, const_cast<MemoryBus&>(mem).ram() + addr, 4);
        return v;
    }

    // Flat 32-bit protected mode at CPL 0, paging off, code at `eip`.
    void flat32(u32 eip) {
        cpu.reset();
        Cpu::set_cache_from_descriptor(cpu.s.seg[CS], 0x08, 0x00CF9B000000FFFFull);
        for (unsigned sr : {ES, SS, DS, FS, GS})
            Cpu::set_cache_from_descriptor(cpu.s.seg[sr], 0x10, 0x00CF93000000FFFFull);
        cpu.s.cr0 = CR0_ET | CR0_PE;
        cpu.s.eip = eip;
        cpu.s.gpr[ESP].r32 = 0x80000;
        cpu.set_cpl(0);
    }
};

} // namespace vmi86::test
