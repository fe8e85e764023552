// Core mechanisms the instruction tests do not isolate: lazy flags, paging A/D bits and faults,
// self-modifying code invalidation, the memory bus edge cases.
#include "test_machine_helpers.h"
#include <doctest/doctest.h>

using namespace vmi86;
using vmi86::test::BareCpu;

TEST_CASE("memory bus: unmapped reads float high, ROM ignores writes, A20 wraps") {
    BareCpu m(2);
    CHECK(m.mem.read(0x10000000, 4) == 0xFFFFFFFFu);
    m.mem.write(0x10000000, 4, 0x12345678); // dropped
    std::vector<u8> rom(4096, 0xAB);
    m.mem.map_rom(0xFFFFF000u, rom);
    m.mem.write(0xFFFFF000u, 1, 0);
    CHECK(m.mem.read(0xFFFFF000u, 1) == 0xAB);
    m.mem.write(0x000005, 1, 0x5A);
    m.mem.set_a20(false);
    CHECK(m.mem.read(0x100005 & m.mem.a20_mask(), 1) == 0x5A);
}

TEST_CASE("lazy flags: ADD/SUB/INC keep CF semantics") {
    BareCpu m;
    m.flat32(0x1000);
    // mov eax, 0xFFFFFFFF; add eax, 1; inc ebx; hlt
    m.poke(0x1000, {0xB8, 0xFF, 0xFF, 0xFF, 0xFF, 0x83, 0xC0, 0x01, 0x43, 0xF4});
    m.cpu.run(100);
    u32 f = m.cpu.eflags();
    CHECK(m.cpu.s.gpr[EAX].r32 == 0);
    CHECK((f & FLAG_CF) != 0); // from the ADD, kept by INC
    CHECK((f & FLAG_ZF) == 0); // from the INC (EBX 0 -> 1)
    CHECK(m.cpu.s.halted);
}

TEST_CASE("paging: A and D bits, #PF error code and CR2") {
    BareCpu m;
    m.flat32(0x1000);
    // Page directory at 0x10000, one page table at 0x11000 identity-mapping the first 4 MiB,
    // with page 0x300000 read-only and page 0x301000 not present.
    for (u32 i = 0; i < 1024; ++i) {
        u32 pte = (i << 12) | 0x7; // present, writable, user
        if (i == 0x300) pte = (i << 12) | 0x5;
        if (i == 0x301) pte = 0;
        m.poke(0x11000 + 4 * i, {u8(pte), u8(pte >> 8), u8(pte >> 16), u8(pte >> 24)});
    }
    m.poke(0x10000, {0x07, 0x10, 0x01, 0x00});
    // IDT with #PF (vector 14) at 0x2000: pop the error code into EDX, hlt.
    u32 idt = 0x20000;
    u64 gate = 0x00008E0000080000ull | 0x2000; // interrupt gate, selector 0x08, offset 0x2000
    for (int b = 0; b < 8; ++b) m.mem.ram()[idt + 14 * 8 + b] = u8(gate >> (8 * b));
    m.cpu.s.idtr = {idt, 0x7FF};
    m.cpu.s.gdtr = {0x30000, 0x17};
    m.poke(0x30008, {0xFF, 0xFF, 0, 0, 0, 0x9B, 0xCF, 0});
    m.poke(0x2000, {0x5A, 0xF4}); // pop edx; hlt
    m.cpu.write_cr3(0x10000);
    m.cpu.write_cr0(m.cpu.s.cr0 | CR0_PG | CR0_WP);
    // mov eax, [0x200000]; mov [0x200004], eax; mov [0x300000], eax (read-only: #PF)
    m.poke(0x1000, {0xA1, 0x00, 0x00, 0x20, 0x00, 0xA3, 0x04, 0x00, 0x20, 0x00, 0xA3, 0x00, 0x00, 0x30, 0x00, 0xF4});
    m.cpu.run(100);
    CHECK(m.cpu.s.cr2 == 0x300000);
    CHECK(m.cpu.s.gpr[EDX].r32 == 0x3); // present | write, supervisor
    u32 pte200 = m.peek32(0x11000 + 4 * 0x200);
    CHECK((pte200 & 0x60) == 0x60); // accessed and dirty
    u32 pte300 = m.peek32(0x11000 + 4 * 0x300);
    CHECK((pte300 & 0x40) == 0); // the faulting write did not set D
}

TEST_CASE("self-modifying code: a store into the next instruction takes effect") {
    BareCpu m;
    m.flat32(0x1000);
    // mov byte [0x100C], 0x42 ; (patches the imm8 of the mov below) ; nop ; mov al, 0x00 ; hlt
    m.poke(0x1000, {0xC6, 0x05, 0x0C, 0x10, 0x00, 0x00, 0x42, 0x90, 0x90, 0x90, 0x90, 0xB0, 0x00, 0xF4});
    m.cpu.run(100);
    CHECK(m.cpu.s.gpr[EAX].r8.lo == 0x42);
    // Run the same code again: the block cache must hold the patched version only.
    m.cpu.s.halted = false;
    m.cpu.s.eip = 0x100B;
    m.cpu.run(100);
    CHECK(m.cpu.s.gpr[EAX].r8.lo == 0x42);
}
