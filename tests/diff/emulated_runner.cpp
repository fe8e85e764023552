#include "emulated_runner.h"
#include "common/bits.h"
#include <cstring>

namespace vmi86::difftest {

namespace {

using diffwire::kCodeAddr;
using diffwire::kDataAddr;
using diffwire::kDataSize;
using diffwire::kNoFault;

// Guest layout besides the code and data pages: descriptor tables, the TSS (ring-0 stack for
// exceptions), one 16-byte slot per exception vector (the vector is known from EIP) and page
// tables. Paging maps only what the native helper maps for the user, so accesses outside the
// data page are page faults on both sides.
constexpr u32 kRamSize = 8u << 20;
constexpr u32 kGdt = 0x10000, kIdt = 0x11000, kTss = 0x12000, kHandlers = 0x13000;
constexpr u32 kPageDir = 0x14000, kPageTable0 = 0x15000, kPageTable1 = 0x16000;
constexpr u32 kRing0Stack = 0x30000;
constexpr u32 kCodePages = 3; // as diff_native maps: 2 * 4096 + kMaxCode bytes
// Linux's i386 user selectors, so PUSH CS/DS/ES/SS and MOV r/m,Sreg agree with the host.
constexpr u16 kCode0 = 0x08, kData0 = 0x10, kCode3 = 0x23, kData3 = 0x2B, kTssSel = 0x30;
constexpr u64 kMaxSteps = 100000;

u64 descriptor(u32 base, u32 limit, u8 access, u8 flags) {
    u32 lo = (limit & 0xFFFF) | (base << 16);
    u32 hi = ((base >> 16) & 0xFF) | (u32(access) << 8) | (limit & 0xF0000) | (u32(flags) << 20) |
             (base & 0xFF000000u);
    return u64(lo) | (u64(hi) << 32);
}

} // namespace

EmulatedRunner::EmulatedRunner() : cpu_(mem_, io_, log_) {
    mem_.allocate_ram(kRamSize);
    u8* ram = mem_.ram();
    auto put64 = [&](u32 addr, u64 v) { std::memcpy(ram + addr, &v, 8); };
    auto put32 = [&](u32 addr, u32 v) { std::memcpy(ram + addr, &v, 4); };
    code0_ = descriptor(0, 0xFFFFF, 0x9A, 0xC);
    data0_ = descriptor(0, 0xFFFFF, 0x92, 0xC);
    code3_ = descriptor(0, 0xFFFFF, 0xFB, 0xC);
    data3_ = descriptor(0, 0xFFFFF, 0xF3, 0xC);
    const u64 tss = descriptor(kTss, 103, 0x8B, 0);
    put64(kGdt + kCode0, code0_);
    put64(kGdt + kData0, data0_);
    put64(kGdt + (kCode3 & ~7), code3_);
    put64(kGdt + (kData3 & ~7), data3_);
    put64(kGdt + kTssSel, tss);
    for (u32 v = 0; v < 32; ++v) {
        u32 target = kHandlers + v * 16;
        u32 lo = (target & 0xFFFF) | (u32(kCode0) << 16);
        // Present 32-bit interrupt gates, DPL 3 for INT3 and INTO as Linux has them.
        u32 hi = (target & 0xFFFF0000u) | (v == 3 || v == 4 ? 0xEE00 : 0x8E00);
        put64(kIdt + v * 8, u64(lo) | (u64(hi) << 32));
        ram[target] = 0xF4;
    }
    put32(kTss + 4, kRing0Stack);
    put32(kTss + 8, kData0);
    constexpr u32 P = 1, W = 2, U = 4;
    put32(kPageDir, kPageTable0 | P | W | U);
    put32(kPageDir + 4, kPageTable1 | P | W | U);
    for (u32 page = kGdt; page < kRing0Stack; page += 0x1000)
        put32(kPageTable0 + (page >> 12) * 4, page | P | W);
    for (u32 i = 0; i < kCodePages; ++i)
        put32(kPageTable1 + ((kCodeAddr >> 12) & 0x3FF) * 4 + i * 4,
              (kCodeAddr + i * 0x1000) | P | W | U);
    put32(kPageTable1 + ((kDataAddr >> 12) & 0x3FF) * 4, kDataAddr | P | W | U);
    CpuState& s = cpu_.s;
    s.cr0 = CR0_PE | CR0_ET | CR0_NE; // x87 errors as #MF, as under Linux
    s.gdtr = {kGdt, 0x3F};
    s.idtr = {kIdt, 32 * 8 - 1};
    Cpu::set_cache_from_descriptor(s.tr, kTssSel, tss);
    cpu_.write_cr3(kPageDir);
    cpu_.write_cr0(CR0_PE | CR0_ET | CR0_NE | CR0_PG);
    cpu_.write_cr4(CR4_OSFXSR | CR4_OSXMMEXCPT); // SSE state and #XM enabled, as under Linux
}

Outcome EmulatedRunner::run(const TestCase& tc) {
    u8* ram = mem_.ram();
    std::memset(ram + kCodeAddr, 0xF4, tc.code.size() + 16);
    std::memcpy(ram + kCodeAddr, tc.code.data(), tc.code.size());
    diffwire::fill_data(tc.data_seed, ram + kDataAddr);
    cpu_.blocks().clear();
    CpuState& s = cpu_.s;
    Cpu::set_cache_from_descriptor(s.seg[CS], kCode3, code3_);
    for (unsigned sr : {SS, DS, ES}) Cpu::set_cache_from_descriptor(s.seg[sr], kData3, data3_);
    for (unsigned sr : {FS, GS}) {
        s.seg[sr] = SegmentCache{};
        s.seg[sr].selector = 0;
        s.seg[sr].valid = false;
        s.seg[sr].access = 0;
        s.seg[sr].attr = 0;
    }
    for (unsigned i = 0; i < 8; ++i) s.gpr[i].r64 = tc.regs[i];
    s.eflags = tc.eflags;
    s.lazy.op = FlagOp::None;
    s.eip = kCodeAddr;
    s.halted = false;
    cpu_.set_cpl(3);

    Outcome o;
    // The code is followed by HLT, a #GP at CPL 3: the engine runs whole blocks (the path
    // guests take), and the exception handler's HLT stops it.
    const u32 end = kCodeAddr + u32(tc.code.size());
    cpu_.run(kMaxSteps);
    if (s.cpl == 0 && s.eip > kHandlers && s.eip <= kHandlers + 32 * 16) {
        o.vector = (s.eip - 1 - kHandlers) / 16;
        static constexpr u32 with_error = (1u << 8) | (0x1Fu << 10) | (1u << 17);
        u32 frame = s.gpr[ESP].r32 + ((with_error >> o.vector) & 1 ? 4 : 0);
        auto get = [&](u32 off) { return load_le<u32>(ram + frame + off); };
        o.fault_eip = get(0);
        o.eflags = get(8);
        for (unsigned i = 0; i < 8; ++i) o.regs[i] = s.gpr[i].r32;
        o.regs[ESP] = get(12);
        o.fault_addr = o.vector == kPF ? s.cr2 : 0;
        if (o.vector == kGP && o.fault_eip == end) o.vector = kNoFault; // the end marker
    } else {
        o.vector = kHungVector;
        o.fault_eip = s.eip;
    }
    o.data.assign(ram + kDataAddr, ram + kDataAddr + kDataSize);
    return o;
}

} // namespace vmi86::difftest
