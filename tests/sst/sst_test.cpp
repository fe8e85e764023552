// Runs the hardware-captured SingleStepTests 80286 real-mode suite through vmi86's CPU.
//
// Each test is one instruction (followed by an F4) executed on a real 80C286 from a known state.
// We load that state, run until our CPU halts on the injected HLT, and compare registers and
// memory with the captured final state. See ../shared/testdata/README.md for the format.
//
// Usage: sst_test DATA_DIR [--only FORM] [--verbose]
#include "common/log.h"
#include "cpu/cpu.h"
#include "devices/bus/io_space.h"
#include "devices/bus/memory_bus.h"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace vmi86;

namespace {

constexpr u32 kRamSize = 16u << 20;
// FLAGS bits 12-15: a 286 in real mode keeps them clear; a 386+ keeps IOPL and NT there.
constexpr u16 kFlagsHigh = 0xF000;
// Enough for one instruction, its exception delivery and the HLT: a REP string instruction with
// CX = 65535 retires once per 4096-iteration chunk.
constexpr u64 kInsnBudget = 1000;

// The registers of the test format, in the order they are printed.
enum RegId { AX, BX, CX, DX, CS_, SS_, DS_, ES_, SP, BP, SI, DI, IP, FLAGS, kRegCount };
constexpr const char* kRegNames[kRegCount] = {"ax", "bx", "cx", "dx", "cs", "ss", "ds",
                                              "es", "sp", "bp", "si", "di", "ip", "flags"};

struct Regs {
    u16 v[kRegCount] = {};
};

struct TestCase {
    std::string name;
    std::vector<u8> bytes;
    Regs initial;
    Regs final_;
    std::vector<std::pair<u32, u8>> ram_initial;
    std::vector<std::pair<u32, u8>> ram_final;
    int exception = -1; // the vector the 286 raised, if any
};

// Why a form, or some tests of a form, cannot match a P6-class CPU. `applies` null: the whole
// form is skipped. `ignore` non-zero: the tests run and only those registers (1 << RegId) are
// left out of the comparison.
struct Skip {
    const char* form;
    std::function<bool(const TestCase&)> applies;
    const char* reason;
    u32 ignore = 0;
};

// The parts of a test's instruction the skip rules look at.
struct InsnBytes {
    bool lock = false;
    bool rep = false; // F2 or F3
    int seg = -1;     // the last segment override prefix (ES CS SS DS), -1 for none
    u8 opcode = 0;
    u8 modrm = 0; // 0 if the instruction has none
    unsigned reg() const { return (modrm >> 3) & 7; }
    bool mem() const { return (modrm >> 6) != 3; }
};

InsnBytes insn_bytes(const TestCase& t) {
    InsnBytes ib;
    size_t i = 0;
    for (; i < t.bytes.size(); ++i) {
        u8 b = t.bytes[i];
        if (b == 0xF0)
            ib.lock = true;
        else if (b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E)
            ib.seg = (b >> 3) & 3;
        else if (b == 0xF2 || b == 0xF3)
            ib.rep = true;
        else
            break;
    }
    if (i < t.bytes.size()) ib.opcode = t.bytes[i];
    if (i + 1 < t.bytes.size()) ib.modrm = t.bytes[i + 1];
    return ib;
}

// SDM Vol. 2, LOCK: only these read-modify-write forms, with a memory destination, may be
// locked; anything else raises #UD on a P6.
bool lock_allowed(const InsnBytes& ib) {
    // ADD OR ADC SBB AND SUB XOR r/m,reg and XCHG.
    static constexpr u8 kRmwOps[] = {0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19,
                                     0x20, 0x21, 0x28, 0x29, 0x30, 0x31, 0x86, 0x87};
    if (!ib.mem()) return false;
    if (std::find(std::begin(kRmwOps), std::end(kRmwOps), ib.opcode) != std::end(kRmwOps))
        return true;
    if (ib.opcode >= 0x80 && ib.opcode <= 0x83) return ib.reg() != 7;                  // not CMP
    if (ib.opcode == 0xF6 || ib.opcode == 0xF7) return ib.reg() == 2 || ib.reg() == 3; // NOT NEG
    if (ib.opcode == 0xFE || ib.opcode == 0xFF) return ib.reg() <= 1;                  // INC DEC
    return false;
}

bool lock_is_ud_on_p6(const TestCase& t) {
    InsnBytes ib = insn_bytes(t);
    return ib.lock && !lock_allowed(ib);
}

bool sreg_fs_gs(const TestCase& t) {
    unsigned r = insn_bytes(t).reg();
    return r == 4 || r == 5;
}

// One-byte opcodes (286 map) followed by a ModRM byte.
bool has_modrm(u8 op) {
    if (op < 0x40) return (op & 7) < 4;
    return op == 0x62 || op == 0x69 || op == 0x6B || (op >= 0x80 && op <= 0x8F) || op == 0xC0 ||
           op == 0xC1 || (op >= 0xC4 && op <= 0xC7) || (op >= 0xD0 && op <= 0xD3) ||
           (op >= 0xD8 && op <= 0xDF) || op == 0xF6 || op == 0xF7 || op == 0xFE || op == 0xFF;
}

// Whether the instruction addresses memory through SS: an implicit stack access, or a ModRM
// memory operand with an SS override or (without override) based on BP.
bool ss_relative(const TestCase& t) {
    const InsnBytes ib = insn_bytes(t);
    const u8 op = ib.opcode;
    if ((op >= 0x50 && op <= 0x61) || op == 0x06 || op == 0x07 || op == 0x0E || op == 0x16 ||
        op == 0x17 || op == 0x1E || op == 0x1F || op == 0x68 || op == 0x6A || op == 0x8F ||
        op == 0x9A || op == 0x9C || op == 0x9D || (op >= 0xC2 && op <= 0xC3) ||
        (op >= 0xC8 && op <= 0xCF) || op == 0xE8 ||
        (op == 0xFF && (ib.reg() == 2 || ib.reg() == 3 || ib.reg() == 6)))
        return true;
    if (!has_modrm(op) || !ib.mem()) return ib.seg == 2;
    if (ib.seg >= 0) return ib.seg == 2;
    unsigned rm = ib.modrm & 7, mod = ib.modrm >> 6;
    return rm == 2 || rm == 3 || (rm == 6 && mod != 0);
}

// Instruction bytes before the injected F4.
size_t insn_length(const TestCase& t) { return t.bytes.size() - 1; }

bool is_string_op(u8 op) {
    return (op >= 0xA4 && op <= 0xA7) || (op >= 0xAA && op <= 0xAF) || (op >= 0x6C && op <= 0x6F);
}

// Forms whose metadata status is not `normal` and that run anyway, because a P6 executes them
// as the 286 does: 82 (alias of 80), C0-D3 /6 (SAL alias of SHL), F6/F7 /1 (TEST alias), and
// 8F, C6, C7 with reg != 0 (#UD on both). Some forms not in the data (0F, 64-67, F1, D9-DF)
// have entries so that a fuller data set is handled too.
const std::vector<Skip>& skip_table() {
    static const std::vector<Skip> table = {
        {"*", lock_is_ud_on_p6,
         "LOCK on an instruction that is not a locked read-modify-write of memory: the 286 "
         "ignores the prefix, a P6 raises #UD (SDM Vol. 2, LOCK)"},
        {"*", [](const TestCase& t) { return insn_length(t) > 10; },
         "instruction longer than 10 bytes (redundant prefixes): the 286 raises #GP, a P6 "
         "accepts up to 15 bytes"},
        {"*",
         [](const TestCase& t) {
             InsnBytes ib = insn_bytes(t);
             return t.exception == 13 && is_string_op(ib.opcode) && !ib.rep;
         },
         "string instruction faulting on a word at offset FFFF: the 286 has already stepped "
         "SI/DI when it raises #GP, a P6 faults with them unchanged (SI, DI not compared)",
         (1u << SI) | (1u << DI)},
        {"*",
         [](const TestCase& t) {
             InsnBytes ib = insn_bytes(t);
             return t.exception == 13 && is_string_op(ib.opcode) && ib.rep;
         },
         "REP string instruction faulting on a word at offset FFFF: the 286 has already stepped "
         "SI/DI and CX when it raises #GP, a P6 faults with them unchanged (SI, DI, CX not "
         "compared)",
         (1u << SI) | (1u << DI) | (1u << CX)},
        {"D8", nullptr,
         "x87 escape (status fpu): the 286 without a 287 fetches the operand and goes on; a P6 "
         "has an integrated FPU, which vmi86 does not model yet (it raises #UD)"},
        {"D9", nullptr, "x87 escape (status fpu): as D8"},
        {"DA", nullptr, "x87 escape (status fpu): as D8"},
        {"DB", nullptr, "x87 escape (status fpu): as D8"},
        {"DC", nullptr, "x87 escape (status fpu): as D8"},
        {"DD", nullptr, "x87 escape (status fpu): as D8"},
        {"DE", nullptr, "x87 escape (status fpu): as D8"},
        {"DF", nullptr, "x87 escape (status fpu): as D8"},
        {"0F", nullptr,
         "0F (status extension): the 286 two-byte map (real-mode LOADALL 0F05, 286 SMSW/LMSW "
         "forms) differs from a 386+'s; not POP CS on either"},
        {"64", nullptr, "status undefined on the 286; FS override prefix on a 386+"},
        {"65", nullptr, "status undefined on the 286; GS override prefix on a 386+"},
        {"66", nullptr, "status undefined on the 286; operand-size prefix on a 386+"},
        {"67", nullptr, "status undefined on the 286; address-size prefix on a 386+"},
        {"F1", nullptr, "status prefix on the 286 (metadata); INT1/ICEBP on a 386+"},
        {"8C", sreg_fs_gs,
         "MOV r/m,Sreg with reg 4/5: FS and GS exist on a 386+, the 286 raises #UD"},
        {"8E", sreg_fs_gs,
         "MOV Sreg,r/m with reg 4/5: FS and GS exist on a 386+, the 286 raises #UD"},
    };
    return table;
}

bool read_gzip(const fs::path& path, std::string& out) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return false;
    char buf[1 << 16];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
    bool ok = n == 0;
    gzclose(f);
    return ok;
}

void parse_regs(const json& j, Regs& r) {
    for (unsigned i = 0; i < kRegCount; ++i)
        if (auto it = j.find(kRegNames[i]); it != j.end()) r.v[i] = it->get<u16>();
}

std::vector<TestCase> load_form(const fs::path& path) {
    std::string text;
    if (!read_gzip(path, text)) throw std::runtime_error("cannot read " + path.string());
    json arr = json::parse(text);
    std::vector<TestCase> tests;
    tests.reserve(arr.size());
    for (const json& j : arr) {
        TestCase t;
        t.name = j.at("name").get<std::string>();
        t.bytes = j.at("bytes").get<std::vector<u8>>();
        parse_regs(j.at("initial").at("regs"), t.initial);
        t.final_ = t.initial;
        parse_regs(j.at("final").at("regs"), t.final_);
        for (const json& e : j.at("initial").at("ram"))
            t.ram_initial.emplace_back(e[0].get<u32>(), e[1].get<u8>());
        for (const json& e : j.at("final").at("ram"))
            t.ram_final.emplace_back(e[0].get<u32>(), e[1].get<u8>());
        if (auto it = j.find("exception"); it != j.end()) {
            t.exception = it->at("number").get<int>();
        }
        tests.push_back(std::move(t));
    }
    return tests;
}

// metadata.json: status and flags-mask per opcode, or per ModRM reg for group opcodes.
struct FormInfo {
    std::string status = "normal";
    u16 flags_mask = 0xFFFF;
};

FormInfo form_info(const json& meta, const std::string& form) {
    FormInfo fi;
    const json& ops = meta.at("opcodes");
    std::string op = form.substr(0, 2);
    if (!ops.contains(op)) return fi;
    const json* e = &ops.at(op);
    if (form.size() > 3 && e->contains("reg")) e = &e->at("reg").at(form.substr(3));
    if (e->contains("status")) fi.status = e->at("status").get<std::string>();
    if (e->contains("flags-mask")) fi.flags_mask = e->at("flags-mask").get<u16>();
    return fi;
}

class Runner {
public:
    Runner() : cpu_(mem_, io_, log_) {}
    void init() { mem_.allocate_ram(kRamSize); }

    // Runs one test; returns an empty string on a match, else what differs.
    std::string run(const TestCase& t, u16 flags_mask, u32 ignore = 0) {
        load(t);
        cpu_.run(kInsnBudget);
        std::string diff = compare(t, flags_mask, ignore);
        restore(t);
        return diff;
    }

    // Bytes outside the tests' lists that are not zero: writes to addresses the test did not
    // expect. Clears them so later tests start clean.
    std::vector<std::pair<u32, u8>> stray_bytes() {
        std::vector<std::pair<u32, u8>> out;
        u8* ram = mem_.ram();
        const u64* w = reinterpret_cast<const u64*>(ram);
        for (u32 i = 0; i < kRamSize / 8; ++i) {
            if (!w[i]) continue;
            for (u32 a = i * 8; a < i * 8 + 8; ++a)
                if (ram[a]) out.emplace_back(a, ram[a]);
        }
        for (auto [a, v] : out) ram[a] = 0;
        return out;
    }

    // The first of `where` that is not zero now.
    std::optional<std::pair<u32, u8>> check_bytes(const std::vector<std::pair<u32, u8>>& where) {
        for (auto [a, v] : where)
            if (mem_.ram()[a]) return std::pair<u32, u8>(a, mem_.ram()[a]);
        return std::nullopt;
    }

private:
    void load(const TestCase& t) {
        cpu_.reset();
        CpuState& s = cpu_.s;
        const Regs& r = t.initial;
        s.gpr[EAX].r32 = r.v[AX];
        s.gpr[EBX].r32 = r.v[BX];
        s.gpr[ECX].r32 = r.v[CX];
        s.gpr[EDX].r32 = r.v[DX];
        s.gpr[ESP].r32 = r.v[SP];
        s.gpr[EBP].r32 = r.v[BP];
        s.gpr[ESI].r32 = r.v[SI];
        s.gpr[EDI].r32 = r.v[DI];
        cpu_.load_segment_real(ES, r.v[ES_]);
        cpu_.load_segment_real(CS, r.v[CS_]);
        cpu_.load_segment_real(SS, r.v[SS_]);
        cpu_.load_segment_real(DS, r.v[DS_]);
        s.eip = r.v[IP];
        // The 286 had bits 12-15 clear when it ran the test (whatever the file says), and pushes
        // them so (INT, exceptions, PUSHF): load them clear so pushed FLAGS images match.
        cpu_.write_eflags(r.v[FLAGS] & ~kFlagsHigh, 0xFFFFFFFFu);
        s.idtr.base = 0; // the real-mode IVT
        s.idtr.limit = 0x3FF;
        u8* ram = mem_.ram();
        for (auto [a, v] : t.ram_initial) ram[a] = v;
        // In real mode the 286 reports every segment-limit violation as interrupt 13; a P6
        // raises #SS (12) when the segment is SS. Alias vector 12 to the handler the test gave
        // vector 13, so the same handler runs with the same frame either way.
        alias_ss_ = t.exception == 13 && ss_relative(t);
        if (alias_ss_) std::copy(ram + 13 * 4, ram + 14 * 4, ram + 12 * 4);
    }

    void restore(const TestCase& t) {
        u8* ram = mem_.ram();
        for (auto [a, v] : t.ram_initial) ram[a] = 0;
        for (auto [a, v] : t.ram_final) ram[a] = 0;
        if (alias_ss_) std::fill(ram + 12 * 4, ram + 13 * 4, u8(0));
    }

    std::string compare(const TestCase& t, u16 flags_mask, u32 ignore) {
        const CpuState& s = cpu_.s;
        std::string diff;
        if (!s.halted) diff += fmt::format(" did-not-halt(retired {})", s.retired);
        Regs got;
        got.v[AX] = s.gpr[EAX].r16;
        got.v[BX] = s.gpr[EBX].r16;
        got.v[CX] = s.gpr[ECX].r16;
        got.v[DX] = s.gpr[EDX].r16;
        got.v[SP] = s.gpr[ESP].r16;
        got.v[BP] = s.gpr[EBP].r16;
        got.v[SI] = s.gpr[ESI].r16;
        got.v[DI] = s.gpr[EDI].r16;
        got.v[CS_] = s.seg[CS].selector;
        got.v[SS_] = s.seg[SS].selector;
        got.v[DS_] = s.seg[DS].selector;
        got.v[ES_] = s.seg[ES].selector;
        // The 286 stops with IP one past the F4 it fetched; our HLT has executed, which leaves
        // EIP one past it as well, so IP compares directly. A HLT at FFFF leaves EIP = 10000 on
        // a 386+ (the next fetch would fault) where the 286 wraps IP to 0: compare 16 bits.
        got.v[IP] = u16(s.eip);
        got.v[FLAGS] = u16(cpu_.eflags());
        const u16 fmask = flags_mask & ~kFlagsHigh;
        for (unsigned i = 0; i < kRegCount; ++i) {
            u16 want = t.final_.v[i], have = got.v[i];
            if (i == FLAGS) {
                want &= fmask;
                have &= fmask;
            }
            if (want != have && !(ignore & (1u << i)))
                diff += fmt::format(" {}={:04x}(want {:04x})", kRegNames[i], have, want);
        }
        if (s.gpr[EAX].r32 >> 16 || s.gpr[EBX].r32 >> 16 || s.gpr[ECX].r32 >> 16 ||
            s.gpr[EDX].r32 >> 16 || s.gpr[ESP].r32 >> 16 || s.gpr[EBP].r32 >> 16 ||
            s.gpr[ESI].r32 >> 16 || s.gpr[EDI].r32 >> 16 || s.eip > 0x10000)
            diff +=
                fmt::format(" upper-16-bits-changed(eax {:x} ecx {:x} edx {:x} ebx {:x} esp {:x} "
                            "ebp {:x} esi {:x} edi {:x} eip {:x})",
                            s.gpr[EAX].r32, s.gpr[ECX].r32, s.gpr[EDX].r32, s.gpr[EBX].r32,
                            s.gpr[ESP].r32, s.gpr[EBP].r32, s.gpr[ESI].r32, s.gpr[EDI].r32, s.eip);
        // Memory: every byte the test names must hold its final value (the initial one unless
        // the final list changes it).
        std::map<u32, u8> want;
        for (auto [a, v] : t.ram_initial) want[a] = v;
        for (auto [a, v] : t.ram_final) want[a] = v;
        // An exception pushes FLAGS first, at SS:SP-2 (the file's flag_address drops bit 0).
        const Regs& in = t.initial;
        const u32 flags_lo = (u32(in.v[SS_]) << 4) + u16(in.v[SP] - 2);
        const u32 flags_hi = (u32(in.v[SS_]) << 4) + u16(in.v[SP] - 1);
        const u8* ram = mem_.ram();
        for (auto [a, v] : want) {
            u8 m = 0xFF;
            // The FLAGS image an exception pushed: compared as FLAGS are.
            if (t.exception >= 0 && a == flags_lo) m = u8(fmask);
            if (t.exception >= 0 && a == flags_hi) m = u8(fmask >> 8);
            if (((ram[a] ^ v) & m) != 0)
                diff += fmt::format(" [{:06x}]={:02x}(want {:02x})", a, ram[a], v);
        }
        return diff;
    }

    bool alias_ss_ = false;
    MemoryBus mem_;
    IoSpace io_;
    Log log_;
    Cpu cpu_;
};

struct Totals {
    u64 passed = 0, failed = 0, skipped = 0;
};

} // namespace

int main(int argc, char** argv) {
    std::string dir, only;
    bool verbose = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--only" && i + 1 < argc)
            only = argv[++i];
        else if (a == "--verbose")
            verbose = true;
        else
            dir = a;
    }
    if (dir.empty()) {
        std::fprintf(stderr, "usage: sst_test DATA_DIR [--only FORM] [--verbose]\n");
        return 2;
    }
    const fs::path root(dir);
    if (!fs::is_directory(root) || !fs::exists(root / "metadata.json")) {
        std::fprintf(stderr,
                     "sst: FAIL: test data not found at %s (expected the SingleStepTests 80286 "
                     "files and metadata.json; see shared/testdata/README.md)\n",
                     dir.c_str());
        return 1;
    }
    json meta;
    try {
        std::ifstream in(root / "metadata.json");
        meta = json::parse(in);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "sst: FAIL: cannot parse metadata.json: %s\n", e.what());
        return 1;
    }

    std::vector<std::string> forms;
    for (const auto& e : fs::directory_iterator(root)) {
        std::string fn = e.path().filename().string();
        if (fn.size() > 8 && fn.ends_with(".json.gz")) forms.push_back(fn.substr(0, fn.size() - 8));
    }
    std::sort(forms.begin(), forms.end());
    if (!only.empty()) {
        if (std::find(forms.begin(), forms.end(), only) == forms.end()) {
            std::fprintf(stderr, "sst: FAIL: no form %s in %s\n", only.c_str(), dir.c_str());
            return 1;
        }
        forms = {only};
    }
    if (forms.empty()) {
        std::fprintf(stderr, "sst: FAIL: no *.json.gz test files in %s\n", dir.c_str());
        return 1;
    }

    auto start = std::chrono::steady_clock::now();
    Runner runner;
    runner.init();
    Totals total;
    std::vector<std::string> skip_lines;
    std::map<const Skip*, std::pair<u64, std::vector<std::string>>> partial_skips; // count, forms
    for (const std::string& form : forms) {
        const FormInfo fi = form_info(meta, form);
        const Skip* whole = nullptr;
        std::vector<const Skip*> partial;
        for (const Skip& sk : skip_table()) {
            if (form != sk.form && std::string_view(sk.form) != "*") continue;
            if (sk.applies)
                partial.push_back(&sk);
            else
                whole = &sk;
        }
        std::vector<TestCase> tests;
        try {
            tests = load_form(root / (form + ".json.gz"));
        } catch (const std::exception& e) {
            std::printf("%s: cannot load: %s\n", form.c_str(), e.what());
            ++total.failed;
            continue;
        }
        if (whole) {
            total.skipped += tests.size();
            skip_lines.push_back(fmt::format("  {} ({} tests, status {}): {}", form, tests.size(),
                                             fi.status, whole->reason));
            continue;
        }
        if (fi.status != "normal" && verbose)
            std::printf("%s: status %s, run: a P6 executes it as documented\n", form.c_str(),
                        fi.status.c_str());
        u64 skipped = 0;
        std::map<const Skip*, u64> skipped_by;
        std::vector<std::string> diffs(tests.size());
        auto skip_of = [&](const TestCase& t) -> const Skip* {
            for (const Skip* p : partial)
                if (!p->ignore && p->applies(t)) return p;
            return nullptr;
        };
        auto ignore_of = [&](const TestCase& t) {
            u32 ignore = 0;
            for (const Skip* p : partial)
                if (p->ignore && p->applies(t)) ignore |= p->ignore;
            return ignore;
        };
        for (size_t i = 0; i < tests.size(); ++i) {
            if (const Skip* sk = skip_of(tests[i])) {
                ++skipped;
                ++skipped_by[sk];
                continue;
            }
            for (const Skip* p : partial)
                if (p->ignore && p->applies(tests[i])) ++skipped_by[p];
            diffs[i] = runner.run(tests[i], fi.flags_mask, ignore_of(tests[i]));
        }
        // Writes outside every test's named bytes: rerun to find the first test that made one.
        if (auto stray = runner.stray_bytes(); !stray.empty()) {
            size_t culprit = tests.size();
            for (size_t i = 0; i < tests.size() && culprit == tests.size(); ++i) {
                if (skip_of(tests[i])) continue;
                runner.run(tests[i], fi.flags_mask, ignore_of(tests[i]));
                if (runner.check_bytes(stray)) culprit = i;
            }
            runner.stray_bytes();
            if (culprit == tests.size()) // not reproduced: blame the first test run
                for (culprit = 0; culprit + 1 < tests.size() && skip_of(tests[culprit]);) ++culprit;
            diffs[culprit] +=
                fmt::format(" stray-write[{:06x}]={:02x}", stray[0].first, stray[0].second);
        }
        u64 failed = 0;
        std::string first;
        for (size_t i = 0; i < tests.size(); ++i) {
            if (diffs[i].empty()) continue;
            ++failed;
            if (first.empty()) first = fmt::format("#{} '{}':{}", i, tests[i].name, diffs[i]);
            if (verbose)
                std::printf("  %s #%zu '%s':%s\n", form.c_str(), i, tests[i].name.c_str(),
                            diffs[i].c_str());
        }
        for (auto [sk, n] : skipped_by) {
            auto& [count, forms_list] = partial_skips[sk];
            count += n;
            forms_list.push_back(form);
        }
        total.skipped += skipped;
        total.failed += failed;
        total.passed += tests.size() - skipped - failed;
        if (failed)
            std::printf("%s: %llu failed, first %s\n", form.c_str(), (unsigned long long)failed,
                        first.c_str());
    }
    std::vector<std::string> masked_lines;
    for (const auto& [sk, v] : partial_skips) {
        const auto& [count, fl] = v;
        std::string where;
        for (size_t i = 0; i < fl.size() && i < 8; ++i) where += " " + fl[i];
        if (fl.size() > 8) where += fmt::format(" and {} more forms", fl.size() - 8);
        (sk->ignore ? masked_lines : skip_lines)
            .push_back(fmt::format("  {} tests in{}: {}", count, where, sk->reason));
    }
    if (!masked_lines.empty()) {
        std::printf("run with registers left out of the comparison:\n");
        for (const std::string& l : masked_lines) std::printf("%s\n", l.c_str());
    }
    if (!skip_lines.empty()) {
        std::printf("skipped:\n");
        for (const std::string& l : skip_lines) std::printf("%s\n", l.c_str());
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("(%.1f s)\n", secs);
    std::printf("sst: %llu passed, %llu failed, %llu skipped\n", (unsigned long long)total.passed,
                (unsigned long long)total.failed, (unsigned long long)total.skipped);
    return total.failed ? 1 : 0;
}
