// Random SSE/SSE2 floating-point sequences for the differential test. A sequence writes operand
// slots into the data page (singles, doubles and integers of every class: zeros, denormals,
// normals near the limits, infinities, QNaN/SNaN), loads a random MXCSR (every rounding mode,
// DAZ/FTZ, sometimes unmasked exceptions: the sequence then usually ends in #XM), loads the XMM
// registers, runs random arithmetic, compare and conversion instructions (register and memory
// sources, the MMX and general-register forms too) and ends with FXSAVE: the compared data page
// then holds MXCSR, XMM0-7 and MM0-7. The FXSAVE fields that differ between the host process and
// the emulator for reasons outside SSE (x87 instruction and operand pointers, MXCSR_MASK of the
// CPU model) are zeroed. RCPPS/RSQRTPS are not generated: their results are
// implementation-specific.
#include "diff_case.h"
#include "gen.h"
#include "sse_float_operands.h"

namespace vmi86::difftest {

namespace {

using diffwire::kDataAddr;

constexpr u32 kSlots = 0x000; // 16 operand slots of 16 bytes
constexpr unsigned kNumSlots = 16;
constexpr u32 kMxcsrWords = 0x100; // two MXCSR values
constexpr u32 kSaveArea = 0xC00;   // the final FXSAVE image (512 bytes, 16-aligned)

// How an instruction's r/m operand is read, and its register operand.
enum class Src : u8 { Xmm, Mmx, Gpr };
enum class Dst : u8 { Xmm, Mmx, Gpr, None };

struct Form {
    u8 prefix; // 0, 0x66, 0xF2 or 0xF3
    u8 opcode; // after 0F
    Dst dst;
    Src src;
    u8 mem_bytes; // size of a memory source; 16 means an aligned m128
    bool imm8;
};

constexpr Form kArithForms[] = {
    {0, 0, Dst::Xmm, Src::Xmm, 16, false},
    {0xF3, 0, Dst::Xmm, Src::Xmm, 4, false},
    {0x66, 0, Dst::Xmm, Src::Xmm, 16, false},
    {0xF2, 0, Dst::Xmm, Src::Xmm, 8, false},
};
constexpr u8 kArithOpcodes[] = {0x58, 0x59, 0x5C, 0x5D,
                                0x5E, 0x5F, 0x51}; // add mul sub min div max sqrt

constexpr Form kOtherForms[] = {
    {0, 0x2E, Dst::None, Src::Xmm, 4, false},    // ucomiss
    {0, 0x2F, Dst::None, Src::Xmm, 4, false},    // comiss
    {0x66, 0x2E, Dst::None, Src::Xmm, 8, false}, // ucomisd
    {0x66, 0x2F, Dst::None, Src::Xmm, 8, false}, // comisd
    {0, 0x2A, Dst::Xmm, Src::Mmx, 8, false},     // cvtpi2ps
    {0xF3, 0x2A, Dst::Xmm, Src::Gpr, 4, false},  // cvtsi2ss
    {0x66, 0x2A, Dst::Xmm, Src::Mmx, 8, false},  // cvtpi2pd
    {0xF2, 0x2A, Dst::Xmm, Src::Gpr, 4, false},  // cvtsi2sd
    {0, 0x2C, Dst::Mmx, Src::Xmm, 8, false},     // cvttps2pi
    {0xF3, 0x2C, Dst::Gpr, Src::Xmm, 4, false},  // cvttss2si
    {0x66, 0x2C, Dst::Mmx, Src::Xmm, 16, false}, // cvttpd2pi
    {0xF2, 0x2C, Dst::Gpr, Src::Xmm, 8, false},  // cvttsd2si
    {0, 0x2D, Dst::Mmx, Src::Xmm, 8, false},     // cvtps2pi
    {0xF3, 0x2D, Dst::Gpr, Src::Xmm, 4, false},  // cvtss2si
    {0x66, 0x2D, Dst::Mmx, Src::Xmm, 16, false}, // cvtpd2pi
    {0xF2, 0x2D, Dst::Gpr, Src::Xmm, 8, false},  // cvtsd2si
    {0, 0x5A, Dst::Xmm, Src::Xmm, 8, false},     // cvtps2pd
    {0xF3, 0x5A, Dst::Xmm, Src::Xmm, 4, false},  // cvtss2sd
    {0x66, 0x5A, Dst::Xmm, Src::Xmm, 16, false}, // cvtpd2ps
    {0xF2, 0x5A, Dst::Xmm, Src::Xmm, 8, false},  // cvtsd2ss
    {0, 0x5B, Dst::Xmm, Src::Xmm, 16, false},    // cvtdq2ps
    {0x66, 0x5B, Dst::Xmm, Src::Xmm, 16, false}, // cvtps2dq
    {0xF3, 0x5B, Dst::Xmm, Src::Xmm, 16, false}, // cvttps2dq
    {0xF3, 0xE6, Dst::Xmm, Src::Xmm, 8, false},  // cvtdq2pd
    {0xF2, 0xE6, Dst::Xmm, Src::Xmm, 16, false}, // cvtpd2dq
    {0x66, 0xE6, Dst::Xmm, Src::Xmm, 16, false}, // cvttpd2dq
};

class SseFloatGen {
public:
    SseFloatGen(u64 seed, unsigned max_ops) : r_(seed), max_ops_(max_ops) {}
    u64 operator()() { return r_.next(); } // the random source of sse_float_operands.h

    TestCase run() {
        TestCase tc;
        for (unsigned i = 0; i < 8; ++i) tc.regs[i] = u32(r_.next());
        tc.regs[4] = 0x00500F00; // ESP inside the data page, unused
        tc.eflags = 0x202;
        tc.data_seed = r_.next();
        // FNINIT, eight FLDZ, FNINIT: MM0-7 hold 0 on both sides.
        code_.insert(code_.end(), {0xDB, 0xE3});
        for (int i = 0; i < 8; ++i) code_.insert(code_.end(), {0xD9, 0xEE});
        code_.insert(code_.end(), {0xDB, 0xE3});
        for (unsigned s = 0; s < kNumSlots; ++s) write_slot(s);
        // DAZ a quarter of the time: the Pentium 4 model has it, as the host does.
        const unsigned unmasked_percent = 12;
        mov_mem32(kMxcsrWords, sse::testing::random_mxcsr(*this, unmasked_percent, true));
        mov_mem32(kMxcsrWords + 4, sse::testing::random_mxcsr(*this, unmasked_percent, true));
        mem_op(0, 0xAE, 2, kMxcsrWords);                             // ldmxcsr
        for (unsigned x = 0; x < 8; ++x) mem_op(0, 0x28, x, slot()); // movaps xmm, m128
        const unsigned ops = 1 + r_.below(16);
        for (unsigned i = 0; i < ops && i < max_ops_; ++i) op();
        mem_op(0, 0xAE, 0, kSaveArea); // fxsave
        // FOP, FIP, FCS, FDP, FDS (x87 pointers: selectors differ) and MXCSR_MASK.
        code_.insert(code_.end(), {0x66, 0xC7, 0x05});
        imm32(kDataAddr + kSaveArea + 6);
        code_.insert(code_.end(), {0, 0});
        for (u32 off = 8; off < 24; off += 4) mov_mem32(kSaveArea + off, 0);
        mov_mem32(kSaveArea + 28, 0);
        tc.code = code_;
        return tc;
    }

private:
    Rng r_;
    unsigned max_ops_;
    std::vector<u8> code_;

    void imm32(u32 v) {
        for (int i = 0; i < 4; ++i) code_.push_back(u8(v >> (8 * i)));
    }
    void mov_mem32(u32 off, u32 v) {
        code_.insert(code_.end(), {0xC7, 0x05});
        imm32(kDataAddr + off);
        imm32(v);
    }
    void opcode(u8 prefix, u8 op) {
        if (prefix) code_.push_back(prefix);
        code_.insert(code_.end(), {0x0F, op});
    }
    // prefix 0F op /reg with an absolute memory operand.
    void mem_op(u8 prefix, u8 op, unsigned reg, u32 off) {
        opcode(prefix, op);
        code_.push_back(u8((reg << 3) | 5));
        imm32(kDataAddr + off);
    }
    void reg_op(u8 prefix, u8 op, unsigned reg, unsigned rm) {
        opcode(prefix, op);
        code_.push_back(u8(0xC0 | (reg << 3) | rm));
    }

    u32 slot() { return kSlots + 16 * r_.below(kNumSlots); }
    // A memory operand of `bytes` inside a slot (m128 aligned).
    u32 mem_operand(unsigned bytes) {
        return slot() + (bytes >= 16 ? 0 : bytes * r_.below(16 / bytes));
    }
    // General registers other than ESP.
    unsigned gpr() {
        static constexpr unsigned kRegs[] = {0, 1, 2, 3, 5, 6, 7};
        return kRegs[r_.below(7)];
    }

    // A slot of four singles, two doubles or four integers; lanes sometimes close to the
    // previous slot's (cancellation, ties, equal values).
    void write_slot(unsigned s) {
        u32 v[4];
        switch (r_.below(5)) {
        case 0:
        case 1:
            for (unsigned i = 0; i < 4; ++i) {
                v[i] = r_.chance(15) && s ? sse::testing::nearby_float<sse::Single>(*this, prev_[i])
                                          : sse::testing::random_float<sse::Single>(*this, false);
            }
            break;
        case 2:
        case 3:
            for (unsigned i = 0; i < 4; i += 2) {
                const u64 prev = prev_[i] | u64(prev_[i + 1]) << 32;
                const u64 d = r_.chance(15) && s
                                  ? sse::testing::nearby_float<sse::Double>(*this, prev)
                                  : sse::testing::random_float<sse::Double>(*this, r_.chance(30));
                v[i] = u32(d);
                v[i + 1] = u32(d >> 32);
            }
            break;
        default:
            for (unsigned i = 0; i < 4; ++i) v[i] = u32(sse::testing::random_int32(*this));
            break;
        }
        for (unsigned i = 0; i < 4; ++i) {
            mov_mem32(kSlots + 16 * s + 4 * i, v[i]);
            prev_[i] = v[i];
        }
    }
    u32 prev_[4] = {};

    void emit(const Form& f, u8 op) {
        unsigned reg;
        switch (f.dst) {
        case Dst::Gpr: reg = gpr(); break;
        default: reg = r_.below(8); break; // XMM, MMX, or the compared XMM of COMIS
        }
        if (r_.chance(30)) {
            mem_op(f.prefix, op, reg, mem_operand(f.mem_bytes));
        } else {
            reg_op(f.prefix, op, reg, f.src == Src::Gpr ? gpr() : r_.below(8));
        }
        if (f.imm8) code_.push_back(u8(r_.chance(90) ? r_.below(8) : r_.below(256)));
    }

    void op() {
        switch (r_.below(20)) {
        case 0: // the second MXCSR
            mem_op(0, 0xAE, 2, kMxcsrWords + 4);
            return;
        case 1:
        case 2:
        case 3: { // compares
            Form f = kArithForms[r_.below(4)];
            f.imm8 = true;
            emit(f, 0xC2);
            return;
        }
        case 4:
        case 5:
        case 6:
        case 7:
        case 8:
        case 9: { // conversions, COMIS/UCOMIS
            const Form& f = kOtherForms[r_.below(sizeof kOtherForms / sizeof kOtherForms[0])];
            emit(f, f.opcode);
            return;
        }
        default: { // arithmetic
            const Form& f = kArithForms[r_.below(4)];
            emit(f, kArithOpcodes[r_.below(sizeof kArithOpcodes)]);
            return;
        }
        }
    }
};

} // namespace

TestCase generate_sse_float(u64 seed, unsigned max_ops) { return SseFloatGen(seed, max_ops).run(); }

} // namespace vmi86::difftest
