// Random-code stress: thousands of random 4 KiB code pages run as guests in several CPU modes,
// each for a bounded number of instructions. The assertions are that every run ends (budget,
// HLT or shutdown) within its budget and that the emulator survives; under AddressSanitizer and
// UndefinedBehaviorSanitizer any memory error or undefined behaviour aborts the test.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "test_machine_helpers.h"
#include <cstdlib>
#include <doctest/doctest.h>
#include <fmt/core.h>
#include <random>

using namespace vmi86;
using vmi86::test::BareCpu;

namespace {

constexpr u32 kCodeAddr = 0x10000;
constexpr u32 kDataAddr = 0x20000;
constexpr u32 kGdt = 0x40000, kIdt = 0x41000, kTss = 0x42000, kPageDir = 0x43000, kPageTable = 0x44000;
constexpr u64 kBudget = 1000;

u32 pages_to_run() {
    if (const char* e = std::getenv("VMI86_STRESS_PAGES")) return u32(std::strtoul(e, nullptr, 10));
    return 10000;
}

void put64(BareCpu& m, u32 addr, u64 v) {
    for (int i = 0; i < 8; ++i) m.mem.ram()[addr + i] = u8(v >> (8 * i));
}
void put32(BareCpu& m, u32 addr, u32 v) {
    for (int i = 0; i < 4; ++i) m.mem.ram()[addr + i] = u8(v >> (8 * i));
}

enum class Mode { Real, Flat32, Paged32User, V86, Count };

// Valid system tables, so random code reaches the deep paths (gates, privilege changes, task
// switches, page walks) instead of shutting down at the first exception.
void build_tables(BareCpu& m, std::mt19937& rng) {
    put64(m, kGdt + 0x00, 0);
    put64(m, kGdt + 0x08, 0x00CF9B000000FFFFull); // ring 0 code
    put64(m, kGdt + 0x10, 0x00CF93000000FFFFull); // ring 0 data
    put64(m, kGdt + 0x18, 0x00CFFB000000FFFFull); // ring 3 code
    put64(m, kGdt + 0x20, 0x00CFF3000000FFFFull); // ring 3 data
    u64 tss = 0x0000890000000067ull | (u64(kTss & 0xFFFF) << 16) | (u64((kTss >> 16) & 0xFF) << 32);
    put64(m, kGdt + 0x28, tss);
    put64(m, kGdt + 0x30, 0x00008C0000080000ull | (kCodeAddr & 0xFFFF) | (u64(kCodeAddr >> 16) << 48) | (3ull << 45)); // call gate
    put64(m, kGdt + 0x38, 0x0000850000280000ull | (3ull << 45)); // task gate -> TSS
    put64(m, kGdt + 0x40, 0x00409A000000FFFFull); // 16-bit code
    put32(m, kTss + 4, 0x80000);                   // ESP0
    put32(m, kTss + 8, 0x10);                      // SS0
    put32(m, kTss + 0x66, 0x68);                   // I/O bitmap right after the TSS
    for (unsigned v = 0; v < 256; ++v) {
        u32 target = kCodeAddr + (rng() & 0xFFF);
        u64 type = (rng() & 1) ? 0xE : 0xF;
        u64 gate = (target & 0xFFFF) | (0x08ull << 16) | (type << 40) | (3ull << 45) | (1ull << 47) |
                   (u64(target >> 16) << 48);
        if ((rng() & 15) == 0) gate = 0x0000850000280000ull | (3ull << 45); // task gate
        if ((rng() & 31) == 0) gate &= ~(1ull << 47);                     // not present
        put64(m, kIdt + 8 * v, gate);
        put32(m, 4 * v, (0x1000u << 16) | (rng() & 0xFFF)); // real-mode IVT into the code page
    }
    for (u32 i = 0; i < 1024; ++i) {
        u32 pte = (i << 12) | 0x7;
        if ((rng() & 63) == 0) pte &= ~2u; // some read-only pages
        if ((rng() & 63) == 0) pte &= ~1u; // some missing pages
        if (i == (kCodeAddr >> 12) || i == (kGdt >> 12) || i == (kIdt >> 12) || i == (kTss >> 12)) pte = (i << 12) | 0x7;
        put32(m, kPageTable + 4 * i, pte);
    }
    put32(m, kPageDir, kPageTable | 7);
    put32(m, kPageDir + 4, 0x00400000u | 0x87); // a 4 MiB page
}

void enter_mode(BareCpu& m, Mode mode, std::mt19937& rng) {
    Cpu& c = m.cpu;
    c.reset();
    c.s.gdtr = {kGdt, 0x47};
    c.s.idtr = {mode == Mode::Real ? 0u : kIdt, mode == Mode::Real ? 0x3FFu : 0x7FFu};
    for (int r = 0; r < 8; ++r) c.s.gpr[r].r32 = rng();
    c.s.gpr[ESP].r32 = 0x30000 + (rng() & 0xFFF);
    switch (mode) {
    case Mode::Real:
        for (unsigned sr = 0; sr < 6; ++sr) c.load_segment_real(sr, 0x1000);
        c.s.eip = 0;
        break;
    case Mode::Flat32:
    case Mode::Paged32User:
    case Mode::V86: {
        c.s.cr0 = CR0_ET | CR0_PE;
        Cpu::set_cache_from_descriptor(c.s.seg[CS], 0x08, 0x00CF9B000000FFFFull);
        for (unsigned sr : {ES, SS, DS, FS, GS}) Cpu::set_cache_from_descriptor(c.s.seg[sr], 0x10, 0x00CF93000000FFFFull);
        u64 tss = 0x00008B0000000067ull | (u64(kTss & 0xFFFF) << 16) | (u64((kTss >> 16) & 0xFF) << 32);
        Cpu::set_cache_from_descriptor(c.s.tr, 0x28, tss);
        c.s.eip = kCodeAddr;
        if (mode == Mode::Paged32User) {
            c.s.cr4 = CR4_PSE | ((rng() & 1) ? CR4_PGE : 0);
            c.s.cr3 = kPageDir;
            c.s.cr0 |= CR0_PG | ((rng() & 1) ? CR0_WP : 0);
            Cpu::set_cache_from_descriptor(c.s.seg[CS], 0x1B, 0x00CFFB000000FFFFull);
            for (unsigned sr : {ES, SS, DS, FS, GS}) Cpu::set_cache_from_descriptor(c.s.seg[sr], 0x23, 0x00CFF3000000FFFFull);
            c.s.eflags |= FLAG_IF;
            c.set_cpl(3);
        } else if (mode == Mode::V86) {
            c.s.eflags |= FLAG_VM | ((rng() & 1) ? FLAG_IOPL : 0);
            c.set_cpl(3);
            for (unsigned sr = 0; sr < 6; ++sr) c.load_segment_real(sr, 0x1000);
            c.s.eip = 0;
        } else {
            c.set_cpl(0);
        }
        c.flush_tlb(true);
        break;
    }
    case Mode::Count: break;
    }
}

} // namespace

TEST_CASE("random code pages never crash or hang the emulator") {
    BareCpu m(16);
    std::mt19937 rng(0x5EED1234);
    const u32 pages = pages_to_run();
    u64 total = 0, halted = 0;
    unsigned per_mode[unsigned(Mode::Count)] = {};
    for (u32 page = 0; page < pages; ++page) {
        Mode mode = Mode(page % unsigned(Mode::Count));
        for (u32 i = 0; i < 4096; i += 4) put32(m, kCodeAddr + i, rng());
        for (u32 i = 0; i < 0x10000; i += 4) put32(m, kDataAddr + i, rng());
        build_tables(m, rng);
        enter_mode(m, mode, rng);
        u64 before = m.cpu.s.retired;
        m.cpu.run(kBudget);
        // A second slice: runs that stopped at HLT stay stopped; the rest continue where they were.
        if (!m.cpu.s.halted) m.cpu.run(kBudget);
        u64 ran = m.cpu.s.retired - before;
        // The budget bounds the work: at most two slices plus one block and one REP chunk each.
        REQUIRE(ran <= 2 * (kBudget + 64 + 4096));
        total += ran;
        halted += m.cpu.s.halted;
        ++per_mode[unsigned(mode)];
    }
    fmt::print("stress: {} pages (real {}, flat32 {}, paged user {}, v86 {}), {} instructions, {} halted\n", pages,
               per_mode[0], per_mode[1], per_mode[2], per_mode[3], total, halted);
    CHECK(total > u64(pages) * 10);
}
