// diff_test: the differential test against the host CPU. Generates random user-mode instruction
// sequences (gen.cpp), runs them natively through the 32-bit helper diff_native and in vmi86 (CPL
// 3, flat 32-bit protected mode, the same linear addresses), and compares the registers, the
// flags the SDM defines and the data page. Faults are compared by vector, faulting EIP, registers
// and memory.
//
// Not compared, and why:
// - flags the SDM leaves undefined (gen.cpp tracks them per instruction and never generates a
//   consumer of an undefined flag); EFLAGS of a case that faults mid-sequence;
// - undefined results, which the generator avoids: BSF/BSR of 0, BSWAP r16, SHLD/SHRD r16 with a
//   count above 16;
// - implementation-specific fault behaviour, also avoided: BOUND operands crossing into an
//   unmapped page (#BR or #PF first), POPA with ESP at a page end (Intel's POPA writes some
//   registers before its #PF);
// - not generated at all: 16-bit addressed memory (the data page is above 64 KiB), FS/GS and
//   segment loads, x87/SSE, I/O, privileged and host-specific instructions (CPUID, RDTSC), TF
//   and AC through POPF, the undocumented F6/F7 /1 and shift /6 aliases.
//
// Usage: diff_test PATH/TO/diff_native. Environment: VMI86_DIFF_CASES (default 100000),
// VMI86_DIFF_SEED, VMI86_DIFF_FIRST (index of the first case: reproduces one case with
// VMI86_DIFF_CASES=1), VMI86_DIFF_VERBOSE=1 (print every case).
#include "cpu/cpu.h"
#include "diff_case.h"
#include "gen.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/core.h>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>
#ifdef VMI86_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

extern char** environ;

namespace {

using namespace vmi86;
using namespace vmi86::difftest;
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

struct Outcome {
    u32 regs[8] = {};
    u32 eflags = 0;
    u32 vector = kNoFault;
    u32 fault_eip = 0;
    u32 fault_addr = 0;
    std::vector<u8> data;
};

u64 descriptor(u32 base, u32 limit, u8 access, u8 flags) {
    u32 lo = (limit & 0xFFFF) | (base << 16);
    u32 hi = ((base >> 16) & 0xFF) | (u32(access) << 8) | (limit & 0xF0000) | (u32(flags) << 20) |
             (base & 0xFF000000u);
    return u64(lo) | (u64(hi) << 32);
}

class Emulator {
public:
    Emulator() : cpu_(mem_, io_, log_) {
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
    }

    Outcome run(const TestCase& tc) {
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
            o.vector = 0x100; // hung, halted or lost: never matches the native side
            o.fault_eip = s.eip;
        }
        o.data.assign(ram + kDataAddr, ram + kDataAddr + kDataSize);
        return o;
    }

private:
    MemoryBus mem_;
    IoSpace io_;
    Log log_;
    Cpu cpu_;
    u64 code0_, data0_, code3_, data3_;
};

u64 case_seed(u64 seed, u64 index) {
    u64 st = seed ^ (index * 0xD1B54A32D192ED03ull);
    return diffwire::splitmix64(st);
}

u64 env_u64(const char* name, u64 def) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 0) : def;
}

// The host cannot run the native side: ctest reports the test as skipped (exit status 77).
struct SkipTest : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Runs the cases natively; returns one Outcome per case.
std::vector<Outcome> run_native(const std::string& helper, const std::vector<TestCase>& cases) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp && *tmp ? tmp : "/tmp";
    std::string in_path = dir + "/vmi86-diff-XXXXXX";
    int fd = mkstemp(in_path.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    std::string out_path = in_path + ".out";
    {
        FILE* f = std::fopen(in_path.c_str(), "wb");
        for (const TestCase& tc : cases) {
            diffwire::CaseHeader h{};
            std::memcpy(h.regs, tc.regs, sizeof h.regs);
            h.eflags = tc.eflags;
            h.code_len = u32(tc.code.size());
            h.data_seed_lo = u32(tc.data_seed);
            h.data_seed_hi = u32(tc.data_seed >> 32);
            std::fwrite(&h, sizeof h, 1, f);
            std::fwrite(tc.code.data(), 1, tc.code.size(), f);
        }
        std::fclose(f);
    }
    pid_t pid;
    const char* argv[] = {helper.c_str(), in_path.c_str(), out_path.c_str(), nullptr};
    if (posix_spawn(&pid, helper.c_str(), nullptr, nullptr, const_cast<char**>(argv), environ)) {
        std::remove(in_path.c_str());
        throw SkipTest("cannot start " + helper + " (no i386 support on this host?)");
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::remove(in_path.c_str());
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 127)) {
        std::remove(out_path.c_str());
        throw SkipTest(helper + " cannot run here");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::remove(out_path.c_str());
        throw std::runtime_error(fmt::format("{} failed (status {:#x})", helper, status));
    }
    std::vector<Outcome> out;
    FILE* f = std::fopen(out_path.c_str(), "rb");
    std::vector<u8> initial(kDataSize);
    for (const TestCase& tc : cases) {
        diffwire::ResultHeader h;
        if (std::fread(&h, sizeof h, 1, f) != 1) throw std::runtime_error("short native results");
        Outcome o;
        std::memcpy(o.regs, h.regs, sizeof o.regs);
        o.eflags = h.eflags;
        o.vector = h.vector;
        o.fault_eip = h.fault_eip;
        o.fault_addr = h.vector == kPF ? h.fault_addr : 0;
        diffwire::fill_data(tc.data_seed, initial.data());
        o.data = initial;
        for (u32 i = 0; i < h.ndelta; ++i) {
            diffwire::DataDelta d;
            if (std::fread(&d, sizeof d, 1, f) != 1) throw std::runtime_error("short deltas");
            o.data[d.offset] = d.value;
        }
        out.push_back(std::move(o));
    }
    std::fclose(f);
    std::remove(out_path.c_str());
    return out;
}

constexpr const char* kRegNames[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

std::string flags_str(u32 f) {
    std::string s;
    static constexpr struct {
        u32 bit;
        char c;
    } names[] = {{FLAG_OF, 'O'}, {FLAG_DF, 'D'}, {FLAG_SF, 'S'}, {FLAG_ZF, 'Z'},
                 {FLAG_AF, 'A'}, {FLAG_PF, 'P'}, {FLAG_CF, 'C'}};
    for (auto n : names) s += (f & n.bit) ? n.c : '-';
    return fmt::format("{:08x} [{}]", f, s);
}

// The differences between the native and the emulated outcome (empty: they agree).
// Distance in units in the last place of two 80-bit values (0 when bit-identical; large for
// different signs or classes).
u64 ulps80(const u8* a, const u8* b) {
    auto linear = [](const u8* p, bool& sign) {
        u64 mant;
        u16 se;
        std::memcpy(&mant, p, 8);
        std::memcpy(&se, p + 8, 2);
        sign = se >> 15;
        const unsigned exp = se & 0x7FFF;
        return exp == 0 ? (unsigned __int128)mant : ((unsigned __int128)(exp - 1) << 63) + mant;
    };
    bool sa, sb;
    const auto x = linear(a, sa), y = linear(b, sb);
    if (sa != sb) return x == y && x == 0 ? 0 : ~0ull;
    const auto d = x > y ? x - y : y - x;
    return d > ~0ull ? ~0ull : u64(d);
}

std::vector<std::string> compare(const TestCase& tc, const Outcome& n, const Outcome& e,
                                 u64& ulp_tolerated) {
    std::vector<std::string> d;
    if (n.vector != e.vector) {
        d.push_back(
            fmt::format("end: native {} vmi86 {}",
                        n.vector == kNoFault ? "completed" : fmt::format("fault {}", n.vector),
                        e.vector == kNoFault ? "completed"
                        : e.vector == 0x100  ? fmt::format("hung at {:08x}", e.fault_eip)
                                             : fmt::format("fault {}", e.vector)));
        if (e.vector != kNoFault && e.vector != 0x100)
            d.push_back(fmt::format("vmi86 fault at {:08x}", e.fault_eip));
        if (n.vector != kNoFault) d.push_back(fmt::format("native fault at {:08x}", n.fault_eip));
        return d;
    }
    const bool faulted = n.vector != kNoFault;
    if (faulted && n.fault_eip != e.fault_eip)
        d.push_back(fmt::format("fault eip: native {:08x} vmi86 {:08x}", n.fault_eip, e.fault_eip));
    if (faulted && n.fault_addr != e.fault_addr)
        d.push_back(fmt::format("cr2: native {:08x} vmi86 {:08x}", n.fault_addr, e.fault_addr));
    for (unsigned i = 0; i < 8; ++i)
        if (n.regs[i] != e.regs[i])
            d.push_back(
                fmt::format("{}: native {:08x} vmi86 {:08x}", kRegNames[i], n.regs[i], e.regs[i]));
    if (!faulted) {
        // Flags the SDM leaves undefined are not compared; RF/VM/VIF/VIP are not user state.
        u32 mask = (FLAGS_ARITH & ~tc.undefined_flags) | FLAG_DF | FLAG_IF | FLAG_TF | FLAG_IOPL |
                   FLAG_NT | FLAG_AC | FLAG_ID | 2;
        if ((n.eflags ^ e.eflags) & mask)
            d.push_back(fmt::format("eflags: native {} vmi86 {} (compared {:08x})",
                                    flags_str(n.eflags), flags_str(e.eflags), mask));
    }
    std::vector<u8> emu_data(e.data.begin(), e.data.end());
    if (tc.x87_ulp_area && !faulted) {
        // Transcendental results: within 1 ulp of the host's counts as equal.
        for (u32 r = 0; r < 8; ++r) {
            const u32 off = tc.x87_ulp_area + 28 + 10 * r;
            if (std::memcmp(&n.data[off], &emu_data[off], 10) == 0) continue;
            if (ulps80(&n.data[off], &emu_data[off]) > 1) continue;
            std::memcpy(&emu_data[off], &n.data[off], 10);
            ++ulp_tolerated;
            // Its tag too: one ulp can move a value between zero, denormal and normal.
            const unsigned top = (n.data[tc.x87_ulp_area + 5] >> 3) & 7;
            const unsigned bit = 2 * ((top + r) & 7), tw = tc.x87_ulp_area + 8 + bit / 8;
            const u8 mask = u8(3u << (bit % 8));
            emu_data[tw] = u8((emu_data[tw] & ~mask) | (n.data[tw] & mask));
        }
    }
    unsigned shown = 0, total = 0;
    for (u32 i = 0; i < kDataSize; ++i) {
        if (n.data[i] == emu_data[i]) continue;
        if (shown++ < 12)
            d.push_back(fmt::format("mem {:08x}: native {:02x} vmi86 {:02x}", kDataAddr + i,
                                    n.data[i], emu_data[i]));
        ++total;
    }
    if (total > shown) d.push_back(fmt::format("... {} bytes differ", total));
    return d;
}

void report(u64 index, const TestCase& tc, const std::vector<std::string>& diffs) {
    fmt::print("{} case {}:\n  code:", diffs.empty() ? "PASS" : "FAIL", index);
    for (u8 c : tc.code) fmt::print(" {:02x}", c);
    fmt::print("\n");
#ifdef VMI86_HAVE_CAPSTONE
    csh h;
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK) {
        cs_insn* insn;
        size_t n = cs_disasm(h, tc.code.data(), tc.code.size(), kCodeAddr, 0, &insn);
        for (size_t i = 0; i < n; ++i)
            fmt::print("    {:08x}  {} {}\n", insn[i].address, insn[i].mnemonic, insn[i].op_str);
        if (n) cs_free(insn, n);
        cs_close(&h);
    }
#endif
    fmt::print("  initial:");
    for (unsigned i = 0; i < 8; ++i) fmt::print(" {}={:08x}", kRegNames[i], tc.regs[i]);
    fmt::print(" eflags={}\n", flags_str(tc.eflags));
    for (const std::string& s : diffs) fmt::print("  {}\n", s);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        fmt::print(stderr, "usage: diff_test PATH/TO/diff_native\n");
        return 2;
    }
    const u64 total = env_u64("VMI86_DIFF_CASES", 100000);
    const u64 total_x87 = env_u64("VMI86_DIFF_X87_CASES", 100000);
    const u64 total_transcendental = env_u64("VMI86_DIFF_X87_TRANSCENDENTAL_CASES", 20000);
    const unsigned x87_max_ops = unsigned(env_u64("VMI86_DIFF_X87_MAX_OPS", ~0u));
    const u64 seed = env_u64("VMI86_DIFF_SEED", 0x766D693836ull);
    const u64 first = env_u64("VMI86_DIFF_FIRST", 0);
    const bool verbose = env_u64("VMI86_DIFF_VERBOSE", 0) != 0;
    constexpr u64 kBatch = 10000;
    Emulator emu;
    u64 passed = 0, failed = 0, faulted = 0;
    u64 passed_x87 = 0, failed_x87 = 0, ulp_tolerated = 0;
    try {
        for (const int kind : {0, 1, 2}) { // integer sequences, x87 sequences, transcendentals
            const bool x87 = kind != 0;
            const u64 count = kind == 0 ? total : kind == 1 ? total_x87 : total_transcendental;
            for (u64 base = first; base < first + count; base += kBatch) {
                u64 n = std::min(kBatch, first + count - base);
                std::vector<TestCase> cases;
                cases.reserve(n);
                for (u64 i = 0; i < n; ++i)
                    cases.push_back(
                        kind == 2   ? generate_x87_transcendental(case_seed(seed ^ 0xF5, base + i))
                        : kind == 1 ? generate_x87(case_seed(seed ^ 0x87, base + i), x87_max_ops)
                                    : generate(case_seed(seed, base + i)));
                std::vector<Outcome> native = run_native(argv[1], cases);
                for (u64 i = 0; i < n; ++i) {
                    Outcome e = emu.run(cases[i]);
                    std::vector<std::string> d = compare(cases[i], native[i], e, ulp_tolerated);
                    if (verbose) {
                        report(base + i, cases[i], d);
                        fmt::print("  end: {} undefined flags {}\n",
                                   native[i].vector == kNoFault
                                       ? "completed"
                                       : fmt::format("fault {} at {:08x}", native[i].vector,
                                                     native[i].fault_eip),
                                   flags_str(cases[i].undefined_flags));
                    }
                    if (d.empty()) {
                        ++passed;
                        passed_x87 += x87;
                        if (native[i].vector != kNoFault) ++faulted;
                    } else {
                        if (failed < 20 && !verbose) report(base + i, cases[i], d);
                        ++failed;
                        failed_x87 += x87;
                    }
                }
            }
        }
    } catch (const SkipTest& ex) {
        fmt::print("diff: skipped: {}\n", ex.what());
        return 77;
    } catch (const std::exception& ex) {
        fmt::print(stderr, "diff: {}\n", ex.what());
        return 2;
    }
    fmt::print("diff: {} passed, {} failed ({} passed cases end in the same fault); x87 sequences: "
               "{} passed, {} failed (transcendental results within 1 ulp, not identical: {})\n",
               passed, failed, faulted, passed_x87, failed_x87, ulp_tolerated);
    return failed ? 1 : 0;
}
