// Random x87 sequences for the differential test. A sequence writes its operands (80-bit, double,
// single, integer and BCD values of every class: zeros, denormals, infinities, QNaN/SNaN,
// unsupported encodings) into the data page, loads a random control word (precision, rounding,
// sometimes unmasked exceptions), runs random x87 instructions on them, including stack
// overflow and underflow, and ends with FNSAVE: the compared data page then holds the control
// word, status word, tag word and ST0-7. The image's instruction and operand pointers (which
// hold selectors that differ between the host process and the emulator) are zeroed, and the
// condition codes the SDM leaves undefined after the last instruction that wrote them are masked.
#include "diff_case.h"
#include "gen.h"

namespace vmi86::difftest {

namespace {

using diffwire::kDataAddr;

constexpr u32 kSlots = 0x800;        // 8 operand slots of 16 bytes
constexpr u32 kControlWords = 0x7F0; // two control words
constexpr u32 kScratch = 0xC00;      // stores
constexpr u32 kSaveArea = 0xE00;     // the final FNSAVE image (108 bytes)

constexpr u16 C0 = 0x0100, C1 = 0x0200, C2 = 0x0400, C3 = 0x4000;
constexpr u16 kAllCc = C0 | C1 | C2 | C3;

// Each random draw is sequenced (its own statement, or an operand of a sequenced operator):
// C++ leaves the order of function arguments unspecified and GCC takes them in different orders
// on x86-64 and AArch64, where the replay test (tests/replay) generates the same cases. The order
// kept is x86-64 GCC's, so the cases are the ones diff_test has always run there.
class X87Gen {
public:
    X87Gen(u64 seed, unsigned max_ops) : r_(seed), max_ops_(max_ops) {}

    TestCase run_transcendental() {
        TestCase tc;
        for (unsigned i = 0; i < 8; ++i) tc.regs[i] = u32(r_.next());
        tc.regs[4] = 0x00500F00;
        tc.eflags = 0x202;
        tc.data_seed = r_.next();
        const unsigned op = r_.below(8);
        for (unsigned s = 0; s < 2; ++s) {
            u64 mant;
            u16 se;
            domain_value(op, s, mant, se);
            const u32 off = kSlots + 16 * s;
            mov_mem32(off, u32(mant));
            mov_mem32(off + 4, u32(mant >> 32));
            mov_mem32(off + 8, se);
        }
        mov_mem32(kControlWords, u32(0x37F | (r_.below(4) << 10)));
        code_.insert(code_.end(), {0xDB, 0xE3});
        for (int i = 0; i < 8; ++i) code_.insert(code_.end(), {0xD9, 0xEE});
        code_.insert(code_.end(), {0xDB, 0xE3});
        mem_insn(0xD9, 5, kControlWords);
        mem_insn(0xDB, 5, kSlots + 16); // y (ST1 of the two-operand ones)
        mem_insn(0xDB, 5, kSlots);      // x
        static constexpr u8 kOps[8] = {0xFE, 0xFF, 0xFB, 0xF2, 0xF3, 0xF1, 0xF9, 0xF0};
        reg_insn(0xD9, kOps[op]);
        mem_insn(0xDD, 6, kSaveArea);
        for (u32 off = 12; off < 28; off += 4) mov_mem32(kSaveArea + off, 0);
        // C0-C3 are masked (C1 follows the rounding of a result compared within 1 ulp).
        code_.insert(code_.end(), {0x66, 0x81, 0x25});
        imm32(kDataAddr + kSaveArea + 4);
        code_.push_back(u8(~kAllCc));
        code_.push_back(u8(~kAllCc >> 8));
        tc.code = code_;
        tc.x87_ulp_area = kSaveArea;
        return tc;
    }

    TestCase run() {
        TestCase tc;
        for (unsigned i = 0; i < 8; ++i) tc.regs[i] = u32(r_.next());
        tc.regs[4] = 0x00500F00; // ESP inside the data page, unused
        tc.eflags = 0x202;
        tc.data_seed = r_.next();
        for (unsigned s = 0; s < 8; ++s) write_slot(s);
        const u16 cw = control_word(), cw2 = control_word();
        mov_mem32(kControlWords, u32(cw) | (u32(cw2) << 16));
        // FNINIT, eight FLDZ, FNINIT: the empty registers FNSAVE stores hold +0 on both sides.
        code_.insert(code_.end(), {0xDB, 0xE3});
        for (int i = 0; i < 8; ++i) code_.insert(code_.end(), {0xD9, 0xEE});
        code_.insert(code_.end(), {0xDB, 0xE3}); // fninit
        mem_insn(0xD9, 5, kControlWords);        // fldcw
        const unsigned loads = r_.below(9);
        for (unsigned i = 0; i < loads; ++i) load();
        const unsigned ops = 1 + r_.below(20);
        for (unsigned i = 0; i < ops && i < max_ops_; ++i) op();
        mem_insn(0xDD, 6, kSaveArea); // fnsave
        for (u32 off = 12; off < 28; off += 4) mov_mem32(kSaveArea + off, 0);
        if (undef_) {
            // and word [save+4], ~undefined condition codes
            code_.insert(code_.end(), {0x66, 0x81, 0x25});
            imm32(kDataAddr + kSaveArea + 4);
            code_.push_back(u8(~undef_));
            code_.push_back(u8(~undef_ >> 8));
        }
        tc.code = code_;
        tc.undefined_flags = flags_undef_;
        return tc;
    }

private:
    Rng r_;
    unsigned max_ops_;
    std::vector<u8> code_;
    u16 undef_ = 0;       // condition codes undefined at this point
    u32 flags_undef_ = 0; // EFLAGS bits undefined

    void imm32(u32 v) {
        for (int i = 0; i < 4; ++i) code_.push_back(u8(v >> (8 * i)));
    }
    void mov_mem32(u32 off, u32 v) {
        code_.insert(code_.end(), {0xC7, 0x05});
        imm32(kDataAddr + off);
        imm32(v);
    }
    void mem_insn(u8 opcode, unsigned reg, u32 off) {
        code_.push_back(opcode);
        code_.push_back(u8((reg << 3) | 5));
        imm32(kDataAddr + off);
    }
    void reg_insn(u8 opcode, u8 modrm) {
        code_.push_back(opcode);
        code_.push_back(modrm);
    }
    // The condition codes an instruction defines (the others become undefined).
    void defines(u16 cc) { undef_ = u16(kAllCc & ~cc); }
    void keeps_and_defines(u16 cc) { undef_ = u16(undef_ & ~cc); }

    u16 control_word() {
        static constexpr u16 kPc[] = {0, 2, 3, 3, 1};
        u16 masks = 0x3F;
        if (r_.chance(8)) masks = u16(r_.below(64));
        const u16 precision = kPc[r_.below(5)];
        const u16 rounding = u16(r_.below(4));
        return u16(masks | 0x40 | (precision << 8) | (rounding << 10));
    }

    // Operands of transcendental op (FSIN, FCOS, FSINCOS, FPTAN, FPATAN, FYL2X, FYL2XP1,
    // F2XM1) slot s (0: ST(0), 1: ST(1)): mostly from the SDM's domain, sometimes special.
    void domain_value(unsigned op, unsigned s, u64& mant, u16& se) {
        const u16 sign = r_.chance(50) ? 0x8000 : 0;
        if (r_.chance(10)) {
            if (s == 1 || op == 4 || op == 5) return f80(mant, se);
            // x of the functions with a restricted domain: only the special classes.
            switch (r_.below(4)) {
            case 0: mant = 0, se = sign; return;
            case 1: mant = mantissa() >> (1 + r_.below(63)), se = sign; return;
            case 2: mant = 1ull << 63, se = sign | 0x7FFF; return;
            default: mant = 0xC000000000000000ull | (r_.next() >> 2), se = sign | 0x7FFF; return;
            }
        }
        mant = r_.next() | (1ull << 63);
        if (s == 1 || op == 4) { // FPATAN's y and x, FYL2X(P1)'s y: any finite value
            se = u16(sign | (0x3FFF + int(r_.below(200)) - 100));
            return;
        }
        switch (op) {
        case 5: se = u16(0x3FFF + int(r_.below(4000)) - 2000); return; // FYL2X x > 0
        case 6: se = u16(sign | (0x3FFD - r_.below(70))); return;      // |x| < 0.25
        case 7: se = u16(sign | (0x3FFE - r_.below(70))); return;      // |x| < 1
        default: se = u16(sign | (0x3FFE - r_.below(70))); return;     // |x| < 1 (< pi/4 mostly)
        }
    }

    u64 mantissa() {
        switch (r_.below(6)) {
        case 0: return ~0ull << r_.below(64);
        case 1: return (1ull << 63) | (1ull << r_.below(63));
        case 2: return (1ull << 63) | (~0ull >> (1 + r_.below(63)));
        default: return r_.next();
        }
    }
    u16 exponent() {
        static constexpr int kCenters[] = {
            0x3FFF,        1,           0x7FFE,      0x3FFF - 126, 0x3FFF + 127, 0x3FFF - 1022,
            0x3FFF + 1023, 0x3FFF + 63, 0x3FFF + 15, 0x3FFF + 31,  0x3FFF + 2};
        if (r_.chance(25)) return u16(1 + r_.below(0x7FFE));
        const int center = kCenters[r_.below(sizeof kCenters / sizeof kCenters[0])];
        const int e = center + int(r_.below(9)) - 4;
        return u16(e < 1 ? 1 : e > 0x7FFE ? 0x7FFE : e);
    }
    // An 80-bit value of any class.
    void f80(u64& mant, u16& se) {
        const u16 sign = r_.chance(50) ? 0x8000 : 0;
        switch (r_.below(20)) {
        case 0: mant = 0, se = sign; return;
        case 1: mant = mantissa() >> (1 + r_.below(63)), se = sign; return;
        case 2: mant = 1ull << 63, se = sign | 0x7FFF; return;
        case 3: mant = 0xC000000000000000ull | (r_.next() >> 2), se = sign | 0x7FFF; return;
        case 4: mant = (1ull << 63) | (r_.next() >> 2) | 1, se = sign | 0x7FFF; return;
        case 5: mant = mantissa() >> 1, se = u16(sign | exponent()); return; // unnormal
        default: mant = mantissa() | (1ull << 63), se = u16(sign | exponent()); return;
        }
    }
    void write_slot(unsigned s) {
        u64 lo = 0;
        u32 hi = 0;
        switch (r_.below(6)) {
        case 0:
        case 1: {
            u16 se;
            f80(lo, se);
            hi = se;
            break;
        }
        case 2: { // double of any class
            lo = r_.next();
            if (r_.chance(30)) lo &= 0x800FFFFFFFFFFFFFull;
            if (r_.chance(30)) lo |= 0x7FF0000000000000ull;
            if (r_.chance(20)) lo &= 0xFFF8000000000000ull;
            break;
        }
        case 3: { // single of any class
            u32 f = u32(r_.next());
            if (r_.chance(30)) f &= 0x807FFFFFu;
            if (r_.chance(30)) f |= 0x7F800000u;
            if (r_.chance(20)) f &= 0xFFC00000u;
            lo = f;
            break;
        }
        case 4: { // integers, small or at the edges
            static constexpr u64 kInts[] = {0,
                                            1,
                                            0xFFFFFFFFFFFFFFFFull,
                                            0x7FFF,
                                            0x8000,
                                            0x7FFFFFFF,
                                            0x80000000,
                                            0x7FFFFFFFFFFFFFFFull,
                                            0x8000000000000000ull,
                                            10,
                                            3};
            lo = r_.chance(50) ? kInts[r_.below(11)] : r_.next() >> r_.below(64);
            if (r_.chance(30)) lo = ~lo;
            break;
        }
        default: { // packed BCD, valid digits
            u64 v = r_.next();
            lo = 0;
            for (int i = 0; i < 16; ++i, v /= 10) lo |= (v % 10) << (4 * i);
            const u32 tens = r_.below(100) / 10;
            const u32 units = r_.below(10);
            hi = (tens << 4 | units) | (r_.chance(50) ? 0x8000 : 0);
            break;
        }
        }
        const u32 off = kSlots + 16 * s;
        mov_mem32(off, u32(lo));
        mov_mem32(off + 4, u32(lo >> 32));
        mov_mem32(off + 8, hi);
    }
    u32 slot() { return kSlots + 16 * r_.below(8); }
    u32 scratch() { return kScratch + 16 * r_.below(16); }

    void load() {
        switch (r_.below(9)) {
        case 0: mem_insn(0xD9, 0, slot()); break; // fld m32fp
        case 1: mem_insn(0xDD, 0, slot()); break; // fld m64fp
        case 2:
        case 3: mem_insn(0xDB, 5, slot()); break;               // fld m80fp
        case 4: mem_insn(0xDF, 0, slot()); break;               // fild m16
        case 5: mem_insn(0xDB, 0, slot()); break;               // fild m32
        case 6: mem_insn(0xDF, 5, slot()); break;               // fild m64
        case 7: mem_insn(0xDF, 4, slot()); break;               // fbld
        default: reg_insn(0xD9, u8(0xE8 + r_.below(7))); break; // constants
        }
        defines(C1);
    }

    void op() {
        const unsigned i = r_.below(8);
        switch (r_.below(30)) {
        case 0:
        case 1:
        case 2: load(); return;
        case 3: // arithmetic with a memory operand: D8 m32fp, DC m64fp, DA m32int, DE m16int
        case 4: {
            static constexpr u8 kOps[] = {0xD8, 0xDC, 0xDA, 0xDE};
            const unsigned reg = r_.below(8);
            const u32 operand = slot();
            mem_insn(kOps[r_.below(4)], reg, operand);
            defines(reg == 2 || reg == 3 ? kAllCc : C1);
            return;
        }
        case 5:
        case 6:
        case 7: { // ST(0) op ST(i), ST(i) op ST(0), and pop
            static constexpr u8 kOps[] = {0xD8, 0xDC, 0xDE};
            const u8 opc = kOps[r_.below(3)];
            unsigned reg = r_.below(8);
            if (reg == 2 || reg == 3) reg = opc == 0xDE ? 0 : reg;
            reg_insn(opc, u8(0xC0 | (reg << 3) | i));
            defines(reg == 2 || reg == 3 ? kAllCc : C1);
            return;
        }
        case 8: // compares: fcom(p) st(i), fucom(p) st(i), fcompp, fucompp, ftst
            switch (r_.below(6)) {
            case 0: reg_insn(0xD8, u8(0xD0 + i)); break;
            case 1: reg_insn(0xD8, u8(0xD8 + i)); break;
            case 2: reg_insn(0xDD, u8(0xE0 + i)); break;
            case 3: reg_insn(0xDD, u8(0xE8 + i)); break;
            case 4: {
                const u8 modrm = r_.chance(50) ? 0xD9 : 0xE9;
                reg_insn(r_.chance(50) ? 0xDE : 0xDA, modrm);
                break;
            }
            default: reg_insn(0xD9, 0xE4); break;
            }
            if (code_[code_.size() - 2] == 0xDE && code_.back() == 0xE9) code_.back() = 0xD9;
            if (code_[code_.size() - 2] == 0xDA && code_.back() == 0xD9) code_.back() = 0xE9;
            defines(kAllCc);
            return;
        case 9: { // fcomi, fucomi, fcomip, fucomip
            const u8 modrm = u8((r_.chance(50) ? 0xE8 : 0xF0) + i);
            reg_insn(r_.chance(50) ? 0xDB : 0xDF, modrm);
            flags_undef_ = 0; // the condition codes stay as they are
            return;
        }
        case 10: { // fcmovcc
            const u8 modrm = u8(0xC0 + 8 * r_.below(4) + i);
            reg_insn(r_.chance(50) ? 0xDA : 0xDB, modrm);
            undef_ |= C1; // C1 after FCMOVcc: the SDM names only the stack-underflow case
            return;
        }
        case 11: // stores to memory
        case 12: {
            static constexpr struct {
                u8 opc, reg;
            } kStores[] = {{0xD9, 2}, {0xD9, 3}, {0xDD, 2}, {0xDD, 3}, {0xDB, 7}, {0xDF, 2},
                           {0xDF, 3}, {0xDB, 2}, {0xDB, 3}, {0xDF, 7}, {0xDF, 6}};
            const auto& s = kStores[r_.below(sizeof kStores / sizeof kStores[0])];
            mem_insn(s.opc, s.reg, scratch());
            defines(C1);
            return;
        }
        case 13: // fst / fstp st(i)
            reg_insn(0xDD, u8((r_.chance(50) ? 0xD0 : 0xD8) + i));
            defines(C1);
            return;
        case 14: // fld st(i), fxch
            reg_insn(0xD9, u8((r_.chance(50) ? 0xC0 : 0xC8) + i));
            defines(C1);
            return;
        case 15: { // fchs, fabs, fsqrt, frndint, fscale, fxtract
            static constexpr u8 kOps[] = {0xE0, 0xE1, 0xFA, 0xFC, 0xFD, 0xF4};
            reg_insn(0xD9, kOps[r_.below(6)]);
            defines(C1);
            return;
        }
        case 16: // fxam
            reg_insn(0xD9, 0xE5);
            defines(kAllCc);
            return;
        case 17: // fprem, fprem1
            reg_insn(0xD9, r_.chance(50) ? 0xF8 : 0xF5);
            // With a NaN or an empty register C0 and C3 stay as they were.
            undef_ = u16(undef_ & (C0 | C3));
            return;
        case 18: // fincstp, fdecstp, ffree, ffreep
            switch (r_.below(4)) {
            case 0: reg_insn(0xD9, 0xF7), defines(C1); break;
            case 1: reg_insn(0xD9, 0xF6), defines(C1); break;
            case 2: reg_insn(0xDD, u8(0xC0 + i)), defines(0); break;
            default: reg_insn(0xDF, u8(0xC0 + i)), defines(0); break;
            }
            return;
        case 19: // fldcw (the second control word), fnclex
            if (r_.chance(50)) {
                mem_insn(0xD9, 5, kControlWords + 2);
                defines(0);
            } else {
                reg_insn(0xDB, 0xE2); // the condition codes stay as they are
            }
            return;
        case 20: // fsqrt
            reg_insn(0xD9, 0xFA);
            defines(C1);
            return;
        default: { // the common arithmetic on the stack
            const unsigned reg =
                std::initializer_list<unsigned>{0, 1, 4, 5, 6, 7}.begin()[r_.below(6)];
            reg_insn(r_.chance(50) ? 0xD8 : 0xDE, u8(0xC0 | (reg << 3) | i));
            defines(C1);
            return;
        }
        }
    }
};

} // namespace

TestCase generate_x87(u64 seed, unsigned max_ops) { return X87Gen(seed, max_ops).run(); }
TestCase generate_x87_transcendental(u64 seed) { return X87Gen(seed, 0).run_transcendental(); }

} // namespace vmi86::difftest
