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
//   segment loads, I/O, privileged and host-specific instructions (CPUID, RDTSC), TF
//   and AC through POPF, the undocumented F6/F7 /1 and shift /6 aliases.
//
// Usage: diff_test PATH/TO/diff_native. Environment: the count of each kind of sequence
// (VMI86_DIFF_CASES for the integer ones, default 100000; the others in main's table),
// VMI86_DIFF_SEED, VMI86_DIFF_FIRST (index of the first case: reproduces one case with
// VMI86_DIFF_CASES=1), VMI86_DIFF_VERBOSE=1 (print every case).
#include "diff_case.h"
#include "emulated_runner.h"
#include "gen.h"
#include "native_runner.h"
#include "outcome.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/core.h>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>
#ifdef VMI86_HAVE_CAPSTONE
#include <capstone/capstone.h>
#endif

namespace {

using namespace vmi86;
using namespace vmi86::difftest;
using diffwire::kCodeAddr;
using diffwire::kDataAddr;
using diffwire::kDataSize;
using diffwire::kNoFault;

u64 env_u64(const char* name, u64 def) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 0) : def;
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

// How the host reported a native fault: the signal, si_code and the trap's error code.
std::string host_fault(const Outcome& n) {
    return fmt::format("signal {} si_code {} error code {:#x}", n.host_signal, n.host_si_code,
                       n.host_error_code);
}

std::vector<std::string> compare(const TestCase& tc, const Outcome& n, const Outcome& e,
                                 u64& ulp_tolerated) {
    std::vector<std::string> d;
    if (n.vector != e.vector) {
        d.push_back(
            fmt::format("end: native {} vmi86 {}",
                        n.vector == kNoFault ? "completed" : fmt::format("fault {}", n.vector),
                        e.vector == kNoFault      ? "completed"
                        : e.vector == kHungVector ? fmt::format("hung at {:08x}", e.fault_eip)
                                                  : fmt::format("fault {}", e.vector)));
        if (e.vector != kNoFault && e.vector != kHungVector)
            d.push_back(fmt::format("vmi86 fault at {:08x}", e.fault_eip));
        if (n.vector != kNoFault)
            d.push_back(fmt::format("native fault at {:08x} ({})", n.fault_eip, host_fault(n)));
        return d;
    }
    const bool faulted = n.vector != kNoFault;
    if (faulted && n.fault_eip != e.fault_eip)
        d.push_back(fmt::format("fault eip: native {:08x} vmi86 {:08x} (native {})", n.fault_eip,
                                e.fault_eip, host_fault(n)));
    if (faulted && n.fault_addr != e.fault_addr)
        d.push_back(fmt::format("cr2: native {:08x} vmi86 {:08x} (native {})", n.fault_addr,
                                e.fault_addr, host_fault(n)));
    for (unsigned i = 0; i < 8; ++i)
        if (n.regs[i] != e.regs[i])
            d.push_back(
                fmt::format("{}: native {:08x} vmi86 {:08x}", kRegNames[i], n.regs[i], e.regs[i]));
    if (!faulted) {
        const u32 mask = compared_eflags(tc);
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
    const unsigned x87_max_ops = unsigned(env_u64("VMI86_DIFF_X87_MAX_OPS", ~0u));
    const unsigned sse_float_max_ops = unsigned(env_u64("VMI86_DIFF_SSE_FLOAT_MAX_OPS", ~0u));
    const u64 seed = env_u64("VMI86_DIFF_SEED", 0x766D693836ull);
    const u64 first = env_u64("VMI86_DIFF_FIRST", 0);
    const bool verbose = env_u64("VMI86_DIFF_VERBOSE", 0) != 0;
    // The kinds of sequences, run one after the other, each with its own count variable and
    // seed salt (a new kind gets a new salt, so the cases of the others stay the same).
    struct CaseKind {
        const char* name;
        const char* count_env;
        u64 default_count;
        u64 seed_salt;
        std::function<TestCase(u64 seed)> generate;
        u64 passed = 0, failed = 0;
    };
    CaseKind kinds[] = {
        {"integer", "VMI86_DIFF_CASES", 100000, 0, [](u64 s) { return generate(s); }},
        {"x87", "VMI86_DIFF_X87_CASES", 100000, 0x87,
         [&](u64 s) { return generate_x87(s, x87_max_ops); }},
        {"x87 transcendental", "VMI86_DIFF_X87_TRANSCENDENTAL_CASES", 20000, 0xF5,
         [](u64 s) { return generate_x87_transcendental(s); }},
        {"MMX/SSE integer", "VMI86_DIFF_SIMD_CASES", 100000, 0x51D,
         [](u64 s) { return generate_simd(s); }},
        {"sse float", "VMI86_DIFF_SSE_FLOAT_CASES", 60000, 0x55EF,
         [&](u64 s) { return generate_sse_float(s, sse_float_max_ops); }},
    };
    constexpr u64 kBatch = 10000;
    EmulatedRunner emu;
    u64 passed = 0, failed = 0, faulted = 0, ulp_tolerated = 0;
    try {
        for (CaseKind& kind : kinds) {
            const u64 count = env_u64(kind.count_env, kind.default_count);
            for (u64 base = first; base < first + count; base += kBatch) {
                u64 n = std::min(kBatch, first + count - base);
                std::vector<TestCase> cases;
                cases.reserve(n);
                for (u64 i = 0; i < n; ++i)
                    cases.push_back(kind.generate(case_seed(seed ^ kind.seed_salt, base + i)));
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
                        ++kind.passed;
                        if (native[i].vector != kNoFault) ++faulted;
                    } else {
                        if (failed < 20 && !verbose) {
                            fmt::print("[{} sequences] ", kind.name);
                            report(base + i, cases[i], d);
                        }
                        ++failed;
                        ++kind.failed;
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
    for (const CaseKind& kind : kinds)
        fmt::print("diff: {} sequences: {} passed, {} failed\n", kind.name, kind.passed,
                   kind.failed);
    fmt::print("diff: {} passed, {} failed ({} passed cases end in the same fault; x87 "
               "transcendental results within 1 ulp, not identical: {})\n",
               passed, failed, faulted, ulp_tolerated);
    return failed ? 1 : 0;
}
