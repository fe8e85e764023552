// The VMI fast path's MMU calls against the ROM's own code: random, well-behaved paravirtual
// programs (address-space switches with SetCR3, PTE and PDE stores announced with SetPxE or a
// store + UpdatePxE, InvalPage where the running space changed, FlushTLB, and loads and stores
// through the remapped pages) must end in the same state whether the calls run natively (the
// tagged TLB keeps each space's translations across SetCR3) or the ROM's privileged instructions
// run (every CR3 write flushes). A translation kept when an announced store should have dropped
// it makes a load read the wrong page, and the checksums differ.
#include "test_machine_helpers.h"
#include "vmi/platform.h"
#include "vmi/rom_detect.h"
#include "vmi/rom_image.h"
#include "vmi/vmi.h"
#include <doctest/doctest.h>
#include <random>

using namespace vmi86;
using namespace vmi86::vmi;

namespace {

constexpr u32 kRomBase = 0xC8000;
constexpr u32 kCode = 0x10000, kStack = 0x80000;
// Ten address spaces (more than the eight TLBs kept) share the identity map of the first 4 MiB
// (code, stack, ROM, the paging structures) and map 16 pages at kWindow through one of three
// page tables, which their directories' PDE 1 may switch between: spaces share tables as they
// share the kernel's.
constexpr unsigned kSpaces = 10, kTables = 3;
constexpr u32 kDirs = 0x100000, kTablesBase = kDirs + kSpaces * 0x1000;
constexpr u32 kLowTable = kTablesBase + kTables * 0x1000;
constexpr u32 dir(unsigned space) { return kDirs + space * 0x1000; }
constexpr u32 table(unsigned t) { return kTablesBase + t * 0x1000; }
constexpr u32 kWindow = 0x400000, kWindowPages = 16;
constexpr u32 kDataPages = 0x200000, kNumDataPages = 64;
constexpr u32 PTE_PRESENT_WRITABLE = 3;

// One machine: the ROM mapped and found as a guest would find it; `fast` runs its calls natively.
struct VmiMachine {
    test::BareCpu m{16};
    std::optional<DetectedRom> rom;
    std::unique_ptr<Vmi> vmi;

    explicit VmiMachine(bool fast) {
        m.mem.map_rom(kRomBase, build_rom_image().bytes);
        rom = scan_for_vmi_rom(m.mem, m.log);
        REQUIRE(rom);
        if (fast) {
            vmi = std::make_unique<Vmi>(*rom, m.mem, Platform{}, m.log);
            m.cpu.vmi = vmi.get();
        }
    }
    void put32(u32 addr, u32 v) { store_le<u32>(m.mem.ram() + addr, v); }
};

// Emits x86 code at kCode.
struct Program {
    std::vector<u8> code;
    const DetectedRom& rom;

    u32 here() const { return kCode + u32(code.size()); }
    void u32le(u32 v) {
        for (int i = 0; i < 4; ++i) code.push_back(u8(v >> (8 * i)));
    }
    void mov(Gpr r, u32 imm) {
        code.push_back(u8(0xB8 + r));
        u32le(imm);
    }
    void call(unsigned vmi_call) {
        const u32 target = kRomBase + rom.slot[vmi_call];
        code.push_back(0xE8);
        u32le(target - (here() + 4));
    }
    void add_ebx_from(u32 addr) { // add ebx, [addr]
        code.insert(code.end(), {0x03, 0x1D});
        u32le(addr);
    }
    void store_ebx_to(u32 addr) { // mov [addr], ebx
        code.insert(code.end(), {0x89, 0x1D});
        u32le(addr);
    }
    void store_eax_at_edx() { code.insert(code.end(), {0x89, 0x02}); }
};

// A random program; the generator tracks which space runs and which table each directory uses,
// so it invalidates exactly where a native kernel would have to.
std::vector<u8> random_program(const DetectedRom& rom, std::mt19937& rng, unsigned steps) {
    Program p{{}, rom};
    unsigned space = 0;
    unsigned table_of[kSpaces];
    for (unsigned d = 0; d < kSpaces; ++d) table_of[d] = d % kTables;
    auto window_page = [](unsigned i) { return kWindow + i * 0x1000; };
    auto data_pte = [&] {
        return (kDataPages + (rng() % kNumDataPages) * 0x1000) | PTE_PRESENT_WRITABLE;
    };
    for (unsigned step = 0; step < steps; ++step) {
        const unsigned what = rng() % 16, i = rng() % kWindowPages;
        const u32 offset = (rng() % 1024) * 4;
        if (what < 2) { // switch spaces (sometimes to the one running: a reload)
            space = rng() % (rng() % 4 ? 3 : kSpaces); // mostly among three
            p.mov(EAX, dir(space));
            p.call(SetCR3);
        } else if (what < 6) { // a PTE store, announced one way or the other
            const unsigned t = rng() % kTables;
            const u32 pte = table(t) + 4 * i;
            p.mov(EAX, data_pte());
            p.mov(EDX, pte);
            if (what < 4) {
                p.call(SetPxE);
            } else {
                p.store_eax_at_edx();
                p.mov(EAX, pte);
                p.call(UpdatePxE);
            }
            // The running space must drop its translation; the other one learns at SetCR3.
            if (table_of[space] == t && rng() % 8) {
                p.mov(EAX, window_page(i));
                p.call(InvalPage);
            } else if (table_of[space] == t) {
                p.mov(EAX, 0);
                p.call(FlushTLB);
            }
        } else if (what == 6) { // a PDE store: a directory points at the other table
            const unsigned d = rng() % kSpaces, t = rng() % kTables;
            table_of[d] = t;
            p.mov(EAX, table(t) | PTE_PRESENT_WRITABLE);
            p.mov(EDX, dir(d) + 4 * (kWindow >> 22));
            p.call(SetPxE);
            if (d == space) {
                p.mov(EAX, 0);
                p.call(FlushTLB);
            }
        } else if (what < 14) {
            p.add_ebx_from(window_page(i) + offset);
        } else {
            p.store_ebx_to(window_page(i) + offset);
        }
    }
    p.code.push_back(0xF4); // hlt (IF is clear: the run ends)
    return p.code;
}

void set_up(VmiMachine& v, const std::vector<u8>& code, std::mt19937& rng) {
    for (u32 page = 0; page < kNumDataPages; ++page)
        for (u32 w = 0; w < 1024; ++w) v.put32(kDataPages + page * 0x1000 + 4 * w, rng());
    for (u32 i = 0; i < 1024; ++i) v.put32(kLowTable + 4 * i, (i << 12) | 3);
    for (unsigned d = 0; d < kSpaces; ++d) {
        for (u32 i = 0; i < 1024; ++i) v.put32(dir(d) + 4 * i, 0);
        v.put32(dir(d), kLowTable | 3);
        v.put32(dir(d) + 4 * (kWindow >> 22), table(d % kTables) | 3);
    }
    for (unsigned t = 0; t < kTables; ++t) {
        for (u32 i = 0; i < 1024; ++i) v.put32(table(t) + 4 * i, 0);
        for (u32 i = 0; i < kWindowPages; ++i)
            v.put32(table(t) + 4 * i, (kDataPages + (rng() % kNumDataPages) * 0x1000) | 3);
    }
    v.m.poke(kCode, code);
    v.m.flat32(kCode);
    Cpu& c = v.m.cpu;
    c.s.gpr[ESP].r32 = kStack;
    c.s.cr3 = dir(0);
    c.write_cr0(c.s.cr0 | CR0_PG);
}

} // namespace

TEST_CASE("VMI fast path: random MMU programs end as the ROM's code leaves them") {
    const unsigned kPrograms = 150, kSteps = 800;
    u64 calls = 0, rom_extra_instructions = 0;
    for (unsigned n = 0; n < kPrograms; ++n) {
        CAPTURE(n);
        VmiMachine fast(true), rom(false);
        std::mt19937 gen(1000 + n);
        const std::vector<u8> code = random_program(*fast.rom, gen, kSteps);
        std::mt19937 data_fast(2000 + n), data_rom(2000 + n);
        set_up(fast, code, data_fast);
        set_up(rom, code, data_rom);
        fast.m.cpu.run(1'000'000);
        rom.m.cpu.run(1'000'000);
        REQUIRE(fast.m.cpu.s.halted);
        REQUIRE(rom.m.cpu.s.halted);
        // Same place, same registers the calls leave alone, same CR3.
        CHECK(fast.m.cpu.s.eip == rom.m.cpu.s.eip);
        CHECK(fast.m.cpu.s.gpr[EBX].r32 == rom.m.cpu.s.gpr[EBX].r32);
        CHECK(fast.m.cpu.s.gpr[ESP].r32 == rom.m.cpu.s.gpr[ESP].r32);
        CHECK(fast.m.cpu.s.cr3 == rom.m.cpu.s.cr3);
        // Same memory: data pages written through the window, the paging structures (with the
        // accessed and dirty bits the walks set).
        unsigned differing_words = 0;
        for (u32 a = kDataPages; a < kDataPages + kNumDataPages * 0x1000; a += 4)
            differing_words += fast.m.peek32(a) != rom.m.peek32(a);
        for (u32 a = kDirs; a < kLowTable; a += 4)
            differing_words += fast.m.peek32(a) != rom.m.peek32(a);
        CHECK(differing_words == 0);
        for (unsigned call = 0; call < kNumEntries; ++call) calls += fast.vmi->count(call);
        rom_extra_instructions += rom.m.cpu.s.retired - fast.m.cpu.s.retired;
    }
    // The calls did run natively in one machine and as the ROM's code in the other.
    CHECK(calls > u64(kPrograms) * kSteps / 4);
    CHECK(rom_extra_instructions > calls);
}

TEST_CASE("VMI fast path: calls with random arguments never crash the emulator") {
    // Every call the ROM has a slot for, with random registers (page tables, CR3, descriptor
    // tables and stacks pointing anywhere): the guest faults, resets or halts, but each run ends
    // within its budget and the sanitizers see no error.
    u64 calls = 0, retired = 0;
    for (unsigned n = 0; n < 200; ++n) {
        CAPTURE(n);
        VmiMachine fast(true);
        std::mt19937 rng(3000 + n);
        Program p{{}, *fast.rom};
        for (unsigned step = 0; step < 64; ++step) {
            unsigned call;
            do call = rng() % kNumCalls;
            while (!fast.rom->slot[call]);
            for (Gpr r : {EAX, ECX, EDX}) {
                const u32 v = rng();
                // Half the time somewhere in RAM, where paging structures and tables could be.
                p.mov(r, rng() % 2 ? v : v % (16u << 20));
            }
            p.call(call);
        }
        p.code.push_back(0xF4);
        std::mt19937 data(4000 + n);
        set_up(fast, p.code, data);
        const u64 ran = fast.m.cpu.run(20'000);
        CHECK(ran <= 20'000 + 64);
        retired += ran;
        for (unsigned c = 0; c < kNumEntries; ++c) calls += fast.vmi->count(c);
    }
    CHECK(calls > 200);
    CHECK(retired > 200 * 10);
}
