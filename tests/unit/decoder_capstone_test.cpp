// Cross-checks the decoder against Capstone: on a million random 16-byte strings per code size
// (fixed seed) and on every opcode x ModRM byte, both must agree on whether the instruction is
// valid and, if it is, how long it is. Capstone knows every x86 extension and the decoder only
// the Pentium 4's (the P6 integer and system ISA, x87, MMX, SSE, SSE2), so later extensions are
// counted apart; the places where Capstone is wrong are listed in exceptions() with the Intel
// SDM's reason.
// VMI86_DECODER_SAMPLES sets the random strings per code size (default 1000000; the sanitizer
// builds use fewer), VMI86_DECODER_SHOW how many disagreements to print (default 20).
#include "cpu/decode/decoder.h"
#include "cpu/decode/opcode_tables.h"
#include <algorithm>
#include <array>
#include <capstone/capstone.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <doctest/doctest.h>
#include <random>
#include <string>
#include <vector>

using namespace vmi86;

namespace {

constexpr unsigned kBytes = 16; // one byte more than the longest legal instruction

constexpr u8 kPrefixBytes[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3};

bool is_prefix(u8 b) {
    return std::find(std::begin(kPrefixBytes), std::end(kPrefixBytes), b) != std::end(kPrefixBytes);
}

// An encoding as the test sees it, parsed independently of the decoder under test.
struct Encoding {
    unsigned prefixes = 0; // number of prefix bytes
    bool lock = false;
    u16 opcode = 0; // 0x000..0x0FF, or 0x100 | byte for the 0F map
    u8 modrm = 0;   // the byte after the opcode (meaningful only where the opcode has one)
    u8 mod() const { return modrm >> 6; }
    u8 reg() const { return (modrm >> 3) & 7; }
};

Encoding parse(const u8* b) {
    Encoding e;
    while (e.prefixes < kBytes - 1 && is_prefix(b[e.prefixes])) {
        e.lock |= b[e.prefixes++] == 0xF0;
    }
    unsigned i = e.prefixes;
    if (b[i] == 0x0F && i + 1 < kBytes) {
        e.opcode = 0x100 | b[++i];
    } else {
        e.opcode = b[i];
    }
    e.modrm = i + 1 < kBytes ? b[i + 1] : 0;
    return e;
}

struct Verdict {
    bool valid = false;
    unsigned len = 0;
};

bool same(const Verdict& a, const Verdict& b) {
    return a.valid == b.valid && (!a.valid || a.len == b.len);
}

// What the decoder under test makes of the bytes.
struct VmiVerdict : Verdict {
    DecodeStatus status = DecodeStatus::Invalid;
};

VmiVerdict vmi86_decode(const u8* bytes, bool code32) {
    DecodedInsn d;
    VmiVerdict v;
    v.status = decode(bytes, kBytes, code32, d);
    v.valid = v.status == DecodeStatus::Ok;
    v.len = v.valid ? d.len : 0;
    return v;
}

// What Capstone makes of the bytes.
struct CsVerdict : Verdict {
    unsigned id = X86_INS_INVALID;
    std::string text;
    std::vector<u8> groups;
    bool mem_dest = false; // the first operand is in memory
};

class Capstone {
public:
    Capstone() {
        REQUIRE(cs_open(CS_ARCH_X86, CS_MODE_16, &h16_) == CS_ERR_OK);
        REQUIRE(cs_open(CS_ARCH_X86, CS_MODE_32, &h32_) == CS_ERR_OK);
        cs_option(h16_, CS_OPT_DETAIL, CS_OPT_ON);
        cs_option(h32_, CS_OPT_DETAIL, CS_OPT_ON);
        insn_ = cs_malloc(h32_);
    }
    ~Capstone() {
        cs_free(insn_, 1);
        cs_close(&h16_);
        cs_close(&h32_);
    }
    Capstone(const Capstone&) = delete;
    Capstone& operator=(const Capstone&) = delete;

    CsVerdict decode(const u8* bytes, bool code32) {
        CsVerdict v;
        const u8* code = bytes;
        size_t size = kBytes;
        u64 address = 0;
        if (!cs_disasm_iter(code32 ? h32_ : h16_, &code, &size, &address, insn_)) return v;
        const cs_detail& det = *insn_->detail;
        v.valid = true;
        v.len = insn_->size;
        v.id = insn_->id;
        v.text = std::string(insn_->mnemonic) + " " + insn_->op_str;
        v.groups.assign(det.groups, det.groups + det.groups_count);
        v.mem_dest = det.x86.op_count > 0 && det.x86.operands[0].type == X86_OP_MEM;
        return v;
    }

private:
    csh h16_ = 0, h32_ = 0;
    cs_insn* insn_ = nullptr;
};

// One byte string and both verdicts on it.
struct Case {
    std::array<u8, kBytes> bytes;
    bool code32;
    Capstone* capstone; // to decode edited copies
    Encoding enc = parse(bytes.data());
    VmiVerdict vmi = vmi86_decode(bytes.data(), code32);
    CsVerdict cs = capstone->decode(bytes.data(), code32);

    // The same case with the prefix bytes rewritten by edit(prefix bytes).
    template <class F> Case with_prefixes(F edit) const {
        std::array<u8, kBytes> b = bytes;
        edit(b.data(), enc.prefixes);
        return Case{b, code32, capstone};
    }

    // The same case with the prefixes removed (NOPs fill the end).
    Case without_prefixes() const {
        std::array<u8, kBytes> b;
        b.fill(0x90);
        std::copy(bytes.begin() + enc.prefixes, bytes.end(), b.begin());
        return Case{b, code32, capstone};
    }
};

// Capstone instructions from ISA extensions a Pentium II does not have: the category, or null.
const char* out_of_scope(const Encoding& enc, const CsVerdict& cs) {
    if (!cs.valid) return nullptr;
    // VEX (C4/C5), EVEX (62) and XOP (8F) reuse LES/LDS/BOUND/POP encodings that are #UD or
    // different here; Capstone 4 leaves some of them without a group.
    if ((enc.opcode == 0xC4 && cs.id != X86_INS_LES) ||
        (enc.opcode == 0xC5 && cs.id != X86_INS_LDS) ||
        (enc.opcode == 0x62 && cs.id != X86_INS_BOUND) ||
        (enc.opcode == 0x8F && cs.id != X86_INS_POP))
        return "AVX/XOP (VEX/EVEX/XOP)";
    // FISTTP (DB/DD/DF /1) came with SSE3; Capstone does not tag it with the SSE3 group.
    if (cs.id == X86_INS_FISTTP) return "SSE family";
    for (u8 g : cs.groups) {
        switch (g) {
        case X86_GRP_SSE3:
        case X86_GRP_SSSE3:
        case X86_GRP_SSE41:
        case X86_GRP_SSE42:
        case X86_GRP_SSE4A:
        case X86_GRP_AES:
        case X86_GRP_PCLMUL:
        case X86_GRP_SHA: return "SSE3 and later SSE";
        case X86_GRP_AVX:
        case X86_GRP_AVX2:
        case X86_GRP_AVX512:
        case X86_GRP_FMA:
        case X86_GRP_FMA4:
        case X86_GRP_F16C:
        case X86_GRP_XOP:
        case X86_GRP_CDI:
        case X86_GRP_ERI:
        case X86_GRP_DQI:
        case X86_GRP_BWI:
        case X86_GRP_PFI:
        case X86_GRP_VLX:
        case X86_GRP_NOVLX: return "AVX/XOP (VEX/EVEX/XOP)";
        case X86_GRP_3DNOW: return "3DNow!";
        case X86_GRP_VM:
        case X86_GRP_SGX: return "VMX/SVM/SGX";
        case X86_GRP_RTM: return "TSX (RTM)";
        case X86_GRP_ADX:
        case X86_GRP_BMI:
        case X86_GRP_BMI2:
        case X86_GRP_TBM:
        case X86_GRP_FSGSBASE:
        case X86_GRP_SMAP: return "later integer extensions";
        default: break;
        }
    }
    // Instructions Capstone puts in no extension group.
    switch (cs.id) {
    case X86_INS_SYSCALL:
    case X86_INS_SYSRET: return "SYSCALL/SYSRET (AMD K6)";
    case X86_INS_GETSEC:
    case X86_INS_ENCLS:
    case X86_INS_ENCLU: return "VMX/SVM/SGX";
    case X86_INS_XTEST: return "TSX (RTM)";
    case X86_INS_SWAPGS:
    case X86_INS_CLAC:
    case X86_INS_STAC: return "later system ext. (SWAPGS, SMAP, INVPCID)";
    case X86_INS_INVPCID: return "later system ext. (SWAPGS, SMAP, INVPCID)";
    case X86_INS_CLFLUSHOPT:
    case X86_INS_CLWB:
    case X86_INS_PCOMMIT: return "SSE family";
    case X86_INS_XSTORE:
    case X86_INS_XCRYPTECB:
    case X86_INS_XCRYPTCBC:
    case X86_INS_XCRYPTCFB:
    case X86_INS_XCRYPTOFB:
    case X86_INS_XCRYPTCTR:
    case X86_INS_XSHA1:
    case X86_INS_XSHA256:
    case X86_INS_MONTMUL: return "VIA PadLock";
    case X86_INS_FXSAVE:
    case X86_INS_FXRSTOR:
    case X86_INS_XSAVE:
    case X86_INS_XSAVEOPT:
    case X86_INS_XSAVEC:
    case X86_INS_XSAVES:
    case X86_INS_XRSTOR:
    case X86_INS_XRSTORS:
    case X86_INS_XGETBV:
    case X86_INS_XSETBV: return "FXSR/XSAVE state";
    case X86_INS_PREFETCH:
    case X86_INS_PREFETCHW: return "3DNow!";
    case X86_INS_RDRAND:
    case X86_INS_RDSEED:
    case X86_INS_POPCNT:
    case X86_INS_LZCNT:
    case X86_INS_TZCNT:
    case X86_INS_MOVBE:
    case X86_INS_CRC32:
    case X86_INS_RDTSCP: return "later integer extensions";
    default: return nullptr;
    }
}

// What a case counts as.
struct Outcome {
    enum Kind { Agree, X87Agree, X87Skipped, OutOfScope, Exception, Disagree } kind;
    const char* category = nullptr; // OutOfScope
    size_t exception = 0;           // Exception: index in exceptions()
};

Outcome classify(const Case& c);

// A known Capstone 4 mistake: which disagreements it explains, and why Capstone is wrong.
struct Exception {
    const char* name;
    const char* reason; // from the Intel SDM
    bool (*applies)(const Case&);
};

bool lockable(unsigned id) {
    switch (id) {
    case X86_INS_ADD:
    case X86_INS_ADC:
    case X86_INS_AND:
    case X86_INS_BTC:
    case X86_INS_BTR:
    case X86_INS_BTS:
    case X86_INS_CMPXCHG:
    case X86_INS_CMPXCHG8B:
    case X86_INS_DEC:
    case X86_INS_INC:
    case X86_INS_NEG:
    case X86_INS_NOT:
    case X86_INS_OR:
    case X86_INS_SBB:
    case X86_INS_SUB:
    case X86_INS_XOR:
    case X86_INS_XADD:
    case X86_INS_XCHG: return true;
    default: return false;
    }
}

// An opcode of the 0F map whose instruction depends on a mandatory prefix (MMX/SSE).
bool is_simd_opcode(u16 opcode) { return opcode > 0xFF && opcode_tables().simd[opcode & 0xFF]; }

bool resolved(const Outcome& o) {
    return o.kind == Outcome::Agree || o.kind == Outcome::X87Agree || o.kind == Outcome::Exception;
}

const std::vector<Exception>& exceptions() {
    static const std::vector<Exception> list = {
        {"LOCK on a non-lockable instruction",
         "SDM Vol. 2A LOCK: #UD unless the instruction is ADD, ADC, AND, BTC, BTR, BTS, "
         "CMPXCHG, CMPXCHG8B, DEC, INC, NEG, NOT, OR, SBB, SUB, XOR, XADD or XCHG with a memory "
         "destination; Capstone accepts LOCK on anything",
         [](const Case& c) {
             if (!c.enc.lock || c.vmi.valid || !c.cs.valid) return false;
             if (lockable(c.cs.id) && c.cs.mem_dest) return false;
             // Without the LOCK (a DS override in its place) the case must be explained.
             Case plain = c.with_prefixes([](u8* p, unsigned n) {
                 for (unsigned i = 0; i < n; ++i)
                     if (p[i] == 0xF0) p[i] = 0x3E;
             });
             return plain.vmi.valid && resolved(classify(plain));
         }},
        {"prefix order: 66 before F2/F3",
         "SDM Vol. 2A 2.1.1: prefixes from groups 1-4 may be placed in any order; Capstone takes "
         "66 F2/66 F3 as an SSE mandatory-prefix pair and rejects or mis-sizes the instruction",
         [](const Case& c) {
             bool has66 = false, rep_after_66 = false;
             for (unsigned i = 0; i < c.enc.prefixes; ++i) {
                 has66 |= c.bytes[i] == 0x66;
                 rep_after_66 |= has66 && (c.bytes[i] == 0xF2 || c.bytes[i] == 0xF3);
             }
             if (!rep_after_66) return false;
             // Group-1 prefixes first, the others after them, each in their order.
             Case sorted = c.with_prefixes([](u8* p, unsigned n) {
                 std::stable_partition(p, p + n, [](u8 b) { return b >= 0xF0; });
             });
             return same(sorted.vmi, c.vmi) && resolved(classify(sorted));
         }},
        {"UD0 after a prefix",
         "SDM Vol. 2B UD: 0F FF is UD0, a defined (always #UD) instruction; prefixes do not "
         "make it another encoding (2.1.1), but Capstone rejects UD0 after any prefix",
         [](const Case& c) {
             if (c.enc.opcode != 0x1FF || c.enc.prefixes == 0 || c.enc.lock || !c.vmi.valid ||
                 c.cs.valid)
                 return false;
             // Capstone's unprefixed UD0 must have the length the decoder found.
             Case bare = c.without_prefixes();
             return bare.cs.valid && bare.cs.len + c.enc.prefixes == c.vmi.len;
         }},
        {"UD1 without its ModRM",
         "SDM Vol. 2B UD: 0F B9 /r is UD1 r32, r/m32, with a ModRM byte (and SIB, "
         "displacement); Capstone decodes it as UD2B with none",
         [](const Case& c) {
             // The ModRM bytes may also take the instruction past 15 bytes: #GP, not UD1.
             return c.enc.opcode == 0x1B9 && c.cs.valid && c.cs.len == c.enc.prefixes + 2 &&
                    ((c.vmi.valid && c.vmi.len > c.cs.len) ||
                     c.vmi.status == DecodeStatus::TooLong);
         }},
        {"hint NOP 0F 18-1F with a register operand",
         "SDM Vol. 2B NOP (0F 1F /0 NOP r/m32) and Table A-3: 0F 19-1F are 'NOP Ev' and 0F 18 "
         "beyond PREFETCHh m8 is a reserved NOP, all executed as NOPs by P6-family processors; Ev "
         "admits a register, but Capstone rejects most mod=11 forms",
         [](const Case& c) {
             return c.enc.opcode >= 0x118 && c.enc.opcode <= 0x11F && c.enc.mod() == 3 &&
                    c.vmi.valid && !c.cs.valid;
         }},
        {"SIMD opcode with a prefix that selects no instruction",
         "SDM Vol. 2A 2.1.2 and Table A-3: 66, F2 and F3 select the instruction of an MMX/SSE "
         "opcode; a combination the map leaves empty (F3 0F EB, 66 0F 77, F2 0F 54) is #UD, as "
         "QEMU and Bochs have it; Capstone ignores the prefix and decodes the other form",
         [](const Case& c) {
             if (!is_simd_opcode(c.enc.opcode) || c.vmi.valid || !c.cs.valid) return false;
             // Without its 66/F2/F3 prefixes (DS overrides in their place) the instruction must
             // exist, with Capstone's length.
             Case plain = c.with_prefixes([](u8* p, unsigned n) {
                 for (unsigned i = 0; i < n; ++i)
                     if (p[i] == 0x66 || p[i] == 0xF2 || p[i] == 0xF3) p[i] = 0x3E;
             });
             // (A LOCK left in place makes the plain case invalid too: then it must be explained.)
             return resolved(classify(plain)) && (!plain.vmi.valid || plain.vmi.len == c.cs.len);
         }},
        {"mandatory prefix not next to the opcode",
         "SDM Vol. 2A 2.1.1: prefixes of groups 1-4 may come in any order, a mandatory 66/F2/F3 "
         "too (2.1.2); Capstone 4 takes it as mandatory only right before 0F and otherwise "
         "decodes the MMX form (F3 26 0F 6F as MOVQ, not MOVDQU) or nothing (66 26 0F 6D)",
         [](const Case& c) {
             if (!is_simd_opcode(c.enc.opcode)) return false;
             auto mandatory = [](u8 b) { return b == 0x66 || b == 0xF2 || b == 0xF3; };
             bool apart = false;
             for (unsigned i = 0; i + 1 < c.enc.prefixes; ++i)
                 apart |= mandatory(c.bytes[i]) && !mandatory(c.bytes[i + 1]);
             if (!apart) return false;
             // The other prefixes first, then F2/F3, then 66, each in their order.
             Case sorted = c.with_prefixes([&](u8* p, unsigned n) {
                 auto rank = [](u8 b) { return b == 0x66 ? 2 : (b == 0xF2 || b == 0xF3) ? 1 : 0; };
                 std::stable_sort(p, p + n, [&](u8 a, u8 b) { return rank(a) < rank(b); });
             });
             return same(sorted.vmi, c.vmi) && resolved(classify(sorted));
         }},
        {"mandatory prefix in 16-bit code",
         "SDM Vol. 2A 2.1.2: 66, F2 and F3 select the SSE/SSE2 forms in every mode; Capstone 4 "
         "in 16-bit mode decodes some of them as the MMX form or not at all (66 0F 6C, 66 0F D6, "
         "F3 0F D6)",
         [](const Case& c) {
             if (c.code32 || !is_simd_opcode(c.enc.opcode) || !c.vmi.valid || same(c.vmi, c.cs))
                 return false;
             bool mandatory = false;
             for (unsigned i = 0; i < c.enc.prefixes; ++i)
                 mandatory |= c.bytes[i] == 0x66 || c.bytes[i] == 0xF2 || c.bytes[i] == 0xF3;
             if (!mandatory) return false;
             // The same instruction in 32-bit code with the same address size, its mandatory
             // prefixes last (see "mandatory prefix not next to the opcode").
             std::array<u8, kBytes> b = c.bytes;
             const unsigned n = c.enc.prefixes;
             auto rank = [](u8 x) { return x == 0x66 ? 2 : (x == 0xF2 || x == 0xF3) ? 1 : 0; };
             std::stable_sort(b.begin(), b.begin() + n,
                              [&](u8 x, u8 y) { return rank(x) < rank(y); });
             unsigned extra = 0;
             auto segment = [](u8 x) {
                 return x == 0x26 || x == 0x2E || x == 0x36 || x == 0x3E || x == 0x64 || x == 0x65;
             };
             if (std::find(b.begin(), b.begin() + n, 0x67) != b.begin() + n) {
                 std::replace(b.begin(), b.begin() + n, u8(0x67), u8(0x3E));
             } else if (segment(b[0])) {
                 b[0] = 0x67; // in place of an override, which does not change the length
             } else {
                 b[0] = 0x67;
                 std::copy(c.bytes.begin(), c.bytes.end() - 1, b.begin() + 1);
                 std::stable_sort(b.begin() + 1, b.begin() + 1 + n,
                                  [&](u8 x, u8 y) { return rank(x) < rank(y); });
                 extra = 1;
             }
             Case in32{b, true, c.capstone};
             return in32.cs.valid && in32.cs.len == c.vmi.len + extra;
         }},
        {"fence with ModRM rm other than 0",
         "SDM Vol. 2A LFENCE/MFENCE/SFENCE: the processor ignores the r/m field of the ModR/M "
         "byte, so 0F AE E8-EF, F0-F7 and F8-FF are all fences; Capstone accepts only rm = 0 "
         "(prefixes are ignored, as QEMU does)",
         [](const Case& c) {
             if (c.enc.opcode != 0x1AE || c.enc.mod() != 3 || c.enc.reg() < 5 || !c.vmi.valid ||
                 c.cs.valid)
                 return false;
             // Capstone decodes the fence with rm = 0 and without prefixes (which it also
             // rejects in some orders).
             std::array<u8, kBytes> b;
             b.fill(0x90);
             std::copy(c.bytes.begin() + c.enc.prefixes, c.bytes.end(), b.begin());
             b[2] &= 0xF8;
             Case bare{b, c.code32, c.capstone};
             return bare.cs.valid && bare.cs.len + c.enc.prefixes == c.vmi.len;
         }},
        {"MOV to CS",
         "SDM Vol. 2B MOV: #UD if an attempt is made to load the CS register (8E /1); Capstone "
         "decodes it",
         [](const Case& c) {
             return c.enc.opcode == 0x8E && c.enc.reg() == 1 /* CS */ && !c.vmi.valid && c.cs.valid;
         }},
        {"MOV CR1/CR5-CR7",
         "SDM Vol. 2B MOV (control registers): #UD if an attempt is made to access CR1, CR5, "
         "CR6 or CR7; Capstone decodes them",
         [](const Case& c) {
             u8 r = c.enc.reg();
             return (c.enc.opcode == 0x120 || c.enc.opcode == 0x122) && (r == 1 || r >= 5) &&
                    !c.vmi.valid && c.cs.valid;
         }},
    };
    return list;
}

Outcome classify(const Case& c) {
    // 16 bytes always hold a whole instruction or show it is too long.
    if (c.vmi.status == DecodeStatus::NeedMore) return {Outcome::Disagree};
    // Some later instructions reuse P6 encodings (PAUSE is REP NOP, PREFETCHh a hint NOP, TZCNT
    // REP BSF): where the decoder also decodes the bytes, the lengths must still agree.
    const char* later = out_of_scope(c.enc, c.cs);
    if (later && (!c.vmi.valid || c.vmi.len == c.cs.len)) return {Outcome::OutOfScope, later};
    // The x87 encodings Capstone rejects (reserved register forms) are not compared: the
    // decoder follows the SDM's x87 opcode maps there (aliases or #UD).
    bool x87 = c.enc.opcode >= 0xD8 && c.enc.opcode <= 0xDF;
    if (x87 && !c.cs.valid) return {Outcome::X87Skipped};
    if (same(c.vmi, c.cs)) return {x87 ? Outcome::X87Agree : Outcome::Agree};
    const auto& list = exceptions();
    for (size_t i = 0; i < list.size(); ++i)
        if (list[i].applies(c)) return {Outcome::Exception, nullptr, i};
    return {Outcome::Disagree};
}

// The bytes: mostly structured so that prefixes, the 0F map, group opcodes, every ModRM/SIB/
// displacement form and long instructions are common (uniform bytes are nearly all one-byte
// opcodes), plus some uniform noise.
class Generator {
public:
    explicit Generator(u64 seed) : rng_(seed) {}

    void fill(u8* b) {
        for (unsigned i = 0; i < kBytes; i += 8) {
            u64 r = rng_();
            std::memcpy(b + i, &r, 8);
        }
        if (below(100) < 5) return;
        unsigned pos = 0, r = below(100);
        unsigned prefixes = r < 40   ? 0
                            : r < 70 ? 1
                            : r < 85 ? 2
                            : r < 95 ? 3 + below(3)
                                     : 6 + below(10);
        for (; pos < prefixes; ++pos) b[pos] = kPrefixBytes[below(std::size(kPrefixBytes))];
        if (pos >= kBytes - 1) return;
        r = below(100);
        if (r < 30) {
            b[pos++] = u8(rng_()); // any one-byte opcode
        } else if (r < 60) {
            b[pos++] = 0x0F;
            b[pos++] = u8(rng_());
        } else if (r < 70) {
            b[pos++] = u8(0xD8 + below(8));
        } else {
            // Opcodes whose ModRM reg field, mod field or operand size matter most.
            static constexpr u16 kInteresting[] = {
                0x62,  0x63,  0x69,  0x6B,  0x80,  0x81,  0x82,  0x83,  0x8C,  0x8D,  0x8E,
                0x8F,  0x9A,  0xA0,  0xA1,  0xA2,  0xA3,  0xC0,  0xC1,  0xC2,  0xC4,  0xC5,
                0xC6,  0xC7,  0xC8,  0xCA,  0xD0,  0xD1,  0xD2,  0xD3,  0xD4,  0xD5,  0xE8,
                0xE9,  0xEA,  0xF6,  0xF7,  0xFE,  0xFF,  0x100, 0x101, 0x102, 0x103, 0x10D,
                0x118, 0x119, 0x11F, 0x120, 0x121, 0x122, 0x123, 0x124, 0x126, 0x1A4, 0x1AC,
                0x1B2, 0x1B4, 0x1BA, 0x1C7, 0x1B9, 0x1FF, 0x1AE, 0x10F, 0x180, 0x1C0, 0x1B0};
            u16 op = kInteresting[below(std::size(kInteresting))];
            if (op > 0xFF) b[pos++] = 0x0F;
            b[pos++] = u8(op);
        }
        if (pos >= kBytes - 2) return;
        // ModRM: favour the forms with a SIB byte or a displacement.
        r = below(100);
        u8& modrm = b[pos];
        if (r < 20)
            modrm = u8((modrm & 0xF8) | 4); // SIB
        else if (r < 30)
            modrm = u8((modrm & 0x38) | 5); // mod 0 rm 5: disp32
        else if (r < 40)
            modrm = u8((modrm & 0x38) | 6); // mod 0 rm 6: disp16
        else if (r < 55)
            modrm |= 0xC0; // register operand
        if ((modrm & 7) == 4 && below(4) == 0) b[pos + 1] = u8((b[pos + 1] & 0xF8) | 5);
    }

private:
    unsigned below(unsigned n) { return unsigned(rng_() % n); }
    std::mt19937_64 rng_;
};

std::string hex(const u8* b) {
    std::string s;
    char t[4];
    for (unsigned i = 0; i < kBytes; ++i) {
        std::snprintf(t, sizeof t, "%02x", b[i]);
        s += t;
    }
    return s;
}

unsigned env_count(const char* name, unsigned fallback) {
    const char* v = std::getenv(name);
    return v && *v ? unsigned(std::strtoul(v, nullptr, 0)) : fallback;
}

// The counts per outcome, per code size, and the first disagreements.
class Tally {
public:
    explicit Tally(unsigned show) : show_(show), exceptions_(exceptions().size()) {}

    void add(const Case& c) {
        Outcome o = classify(c);
        bool m = c.code32;
        ++total_[m];
        switch (o.kind) {
        case Outcome::Agree: ++agree_[m]; break;
        case Outcome::X87Agree: ++x87_agree_[m]; break;
        case Outcome::X87Skipped: ++x87_skipped_[m]; break;
        case Outcome::Exception: ++exceptions_[o.exception][m]; break;
        case Outcome::OutOfScope: {
            auto it = std::find_if(later_.begin(), later_.end(),
                                   [&](auto& p) { return p.first == o.category; });
            if (it == later_.end()) it = later_.insert(later_.end(), {o.category, Count{}});
            ++it->second[m];
            break;
        }
        case Outcome::Disagree:
            if (disagreements() < show_) {
                std::printf("DISAGREE %s-bit %s: vmi86 %s len %u, capstone %s len %u: %s\n",
                            m ? "32" : "16", hex(c.bytes.data()).c_str(),
                            c.vmi.valid ? "valid" : "invalid", c.vmi.len,
                            c.cs.valid ? "valid" : "invalid", c.cs.len,
                            c.cs.valid ? c.cs.text.c_str() : "(bad)");
            }
            ++disagree_[m];
            break;
        }
    }

    u64 disagreements() const { return disagree_[0] + disagree_[1]; }

    void print(const char* title) const {
        auto row = [](const std::string& what, const Count& k) {
            std::printf("  %-66s %8llu %8llu %8llu\n", what.c_str(), (unsigned long long)k[0],
                        (unsigned long long)k[1], (unsigned long long)(k[0] + k[1]));
        };
        std::printf("%s (Capstone %d.%d.%d)\n", title, CS_VERSION_MAJOR, CS_VERSION_MINOR,
                    CS_VERSION_EXTRA);
        std::printf("  %-66s %8s %8s %8s\n", "", "16-bit", "32-bit", "total");
        row("byte strings", total_);
        row("agree (validity, and length if valid)", agree_);
        row("x87 escape: agree (validity, and length if valid)", x87_agree_);
        row("x87 escape Capstone rejects: not compared", x87_skipped_);
        for (auto& [cat, k] : later_) row("out of scope: " + cat, k);
        const auto& list = exceptions();
        for (size_t i = 0; i < list.size(); ++i)
            row("Capstone mistake: " + std::string(list[i].name), exceptions_[i]);
        row("DISAGREEMENTS", disagree_);
        for (const Exception& e : list) std::printf("  * %s: %s\n", e.name, e.reason);
    }

private:
    using Count = std::array<u64, 2>; // [16-bit, 32-bit]
    unsigned show_;
    Count total_{}, agree_{}, x87_agree_{}, x87_skipped_{}, disagree_{};
    std::vector<std::pair<std::string, Count>> later_;
    std::vector<Count> exceptions_;
};

} // namespace

TEST_CASE("decoder agrees with Capstone on random byte strings") {
    // VMI86_DECODER_SAMPLES (per code size) scales the run down for the sanitizer builds.
    const unsigned samples = env_count("VMI86_DECODER_SAMPLES", 1'000'000);
    Capstone capstone;
    Generator gen(0x766D69383664ull);
    Tally tally(env_count("VMI86_DECODER_SHOW", 20));
    for (unsigned n = 0; n < 2 * samples; ++n) {
        std::array<u8, kBytes> b;
        gen.fill(b.data());
        tally.add(Case{b, (n & 1) != 0, &capstone});
    }
    char title[96];
    std::snprintf(title, sizeof title, "decoder vs Capstone: %u random byte strings per code size",
                  samples);
    tally.print(title);
    CHECK(tally.disagreements() == 0);
}

TEST_CASE("decoder agrees with Capstone on every opcode and ModRM byte") {
    // Every one- and two-byte opcode with every ModRM byte, after a few prefix combinations,
    // followed by random bytes: the structured cases the random strings may miss.
    static constexpr std::array<std::array<u8, 2>, 8> kPrefixSets = {
        {{}, {0x66}, {0x67}, {0xF0}, {0xF3}, {0xF2}, {0x66, 0x67}, {0x2E, 0x66}}};
    const unsigned samples = env_count("VMI86_DECODER_SAMPLES", 1'000'000);
    const unsigned sets = std::clamp(unsigned(u64(samples) * 8 / 1'000'000), 1u, 8u);
    Capstone capstone;
    std::mt19937_64 rng(0x6D6F6472);
    Tally tally(env_count("VMI86_DECODER_SHOW", 20));
    for (unsigned p = 0; p < sets; ++p) {
        for (unsigned op = 0; op < 0x200; ++op) {
            for (unsigned modrm = 0; modrm < 256; ++modrm) {
                for (bool code32 : {false, true}) {
                    std::array<u8, kBytes> b;
                    for (u8& x : b) x = u8(rng());
                    unsigned pos = 0;
                    for (u8 x : kPrefixSets[p])
                        if (x) b[pos++] = x;
                    if (op > 0xFF) b[pos++] = 0x0F;
                    b[pos++] = u8(op);
                    b[pos] = u8(modrm);
                    tally.add(Case{b, code32, &capstone});
                }
            }
        }
    }
    char title[96];
    std::snprintf(title, sizeof title,
                  "decoder vs Capstone: every opcode x ModRM after %u prefix sets", sets);
    tally.print(title);
    CHECK(tally.disagreements() == 0);
}
