// Random MMX and SSE/SSE2 integer, data-movement and logic sequences for the differential test. A
// sequence writes edge values (0, 0x80.., 0x7F.., 0xFF.. in byte, word, dword and quadword lanes)
// into the data page, loads all eight MMX and XMM registers and MXCSR from it (after FNINIT, so
// the x87 state is the same on both sides), runs random instructions with register and memory
// operands, and ends with FXSAVE into the data page: the compared page then holds the x87/MMX
// registers, tags, MXCSR and XMM0-7, besides everything the instructions stored. The FXSAVE
// fields that legitimately differ are cleared by the sequence itself: the last-instruction
// pointers (selectors differ between the host process and the emulator) and MXCSR_MASK (the
// host's may have more bits than the Pentium 4's 0xFFFF, e.g. AMD's misaligned-SSE mode).
#include "diff_case.h"
#include "gen.h"

namespace vmi86::difftest {

namespace {

using diffwire::kDataAddr;

// Data page layout.
constexpr u32 kOperands = 0x000; // memory operands of the instructions (random and edge data)
constexpr u32 kOperandsEnd = 0x800;
constexpr u32 kXmmInit = 0x800;     // XMM0-7 initial values (8 x 16 bytes)
constexpr u32 kMmInit = 0x880;      // MM0-7 initial values (8 x 8 bytes)
constexpr u32 kMxcsrInit = 0x900;   // the initial MXCSR and the one a later LDMXCSR loads
constexpr u32 kShiftCounts = 0x980; // 4 x 16 bytes: small shift counts in the low quadword
constexpr u32 kMaskMovArea = 0xA00; // MASKMOVQ/MASKMOVDQU destinations
constexpr u32 kFxsaveArea = 0xC00;  // the final FXSAVE image (16-byte aligned, 512 bytes)
constexpr u32 kFnstenvArea = 0xE00; // then FNSTENV: the full tag word MMX state leaves

// Lane patterns that exercise saturation, sign and carry edges.
constexpr u32 kEdgeDwords[] = {
    0x00000000, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0x80008000, 0x7FFF7FFF, 0x80808080,
    0x7F7F7F7F, 0xFF00FF00, 0x00FF00FF, 0x01010101, 0x00010001, 0xFFFF0000, 0x0000FFFF,
    0x80000001, 0x00007FFF, 0x0000FF80, 0x7F80807F, 0xFFFE0002, 0x00000001,
};

enum class Form : u8 {
    PQ,          // op mm, mm/m64
    PQd,         // op mm, mm/m32 (the low unpacks)
    PQShift,     // op mm, mm/m64 with a shift count
    PQIb,        // op mm, mm/m64, imm8
    VW,          // op xmm, xmm/m128 (16-byte aligned unless `unaligned`)
    VWShift,     // op xmm, xmm/m128 with a shift count
    VWIb,        // op xmm, xmm/m128, imm8
    WV,          // store xmm/m128, xmm
    VW32,        // xmm, xmm/m32 (MOVSS load)
    WV32,        // xmm/m32, xmm (MOVSS store)
    VW64,        // xmm, xmm/m64
    WV64,        // xmm/m64, xmm
    VM64,        // xmm, m64 (MOVLPS/MOVHPS loads)
    M64V,        // m64, xmm
    VU,          // xmm, xmm (MOVHLPS/MOVLHPS)
    M128V,       // m128, xmm (non-temporal stores, aligned)
    M64P,        // m64, mm (MOVNTQ)
    PEd,         // mm, r/m32
    EdP,         // r/m32, mm
    VEd,         // xmm, r/m32
    EdV,         // r/m32, xmm
    QP,          // mm/m64, mm
    GdN,         // r32, mm (PMOVMSKB)
    GdU,         // r32, xmm (PMOVMSKB, MOVMSKPS/PD)
    GdNIb,       // r32, mm, imm8 (PEXTRW)
    GdUIb,       // r32, xmm, imm8
    PEwIb,       // mm, r32/m16, imm8 (PINSRW)
    VEwIb,       // xmm, r32/m16, imm8
    PN,          // MASKMOVQ mm, mm
    VU_Mask,     // MASKMOVDQU xmm, xmm
    VN,          // MOVQ2DQ xmm, mm
    PU,          // MOVDQ2Q mm, xmm
    ShiftImmMm,  // 0F 71-73 /ext mm, imm8
    ShiftImmXmm, // 66 0F 71-73 /ext xmm, imm8
    MovntiMGd,   // m32, r32
    Emms,
    Ldmxcsr,
    Stmxcsr,
    Fence,   // 0F AE /ext with a register ModRM
    MemHint, // 0F 18 /ext m8 (prefetch), 0F AE /7 m8 (CLFLUSH)
    X87,     // an x87 register-stack instruction on the aliased registers
    Fldcw,   // unmasks invalid-operation: a later stack fault is pending, MMX reports it (#MF)
};

struct Op {
    u8 prefix; // 0, 0x66, 0xF3, 0xF2
    u8 opcode; // after 0F
    Form form;
    u8 ext = 0;             // ModRM reg of a group form; lane width in bits of a shift
    bool unaligned = false; // a 128-bit memory operand that need not be 16-byte aligned
};

// clang-format off
constexpr Op kOps[] = {
    // MMX and the SSE additions on MMX registers, with their 66 (SSE2) XMM forms
    {0, 0x60, Form::PQd}, {0, 0x61, Form::PQd}, {0, 0x62, Form::PQd}, {0, 0x63, Form::PQ},
    {0, 0x64, Form::PQ}, {0, 0x65, Form::PQ}, {0, 0x66, Form::PQ}, {0, 0x67, Form::PQ},
    {0, 0x68, Form::PQ}, {0, 0x69, Form::PQ}, {0, 0x6A, Form::PQ}, {0, 0x6B, Form::PQ},
    {0, 0x74, Form::PQ}, {0, 0x75, Form::PQ}, {0, 0x76, Form::PQ}, {0, 0xD4, Form::PQ},
    {0, 0xD5, Form::PQ}, {0, 0xD8, Form::PQ}, {0, 0xD9, Form::PQ}, {0, 0xDA, Form::PQ},
    {0, 0xDB, Form::PQ}, {0, 0xDC, Form::PQ}, {0, 0xDD, Form::PQ}, {0, 0xDE, Form::PQ},
    {0, 0xDF, Form::PQ}, {0, 0xE0, Form::PQ}, {0, 0xE3, Form::PQ}, {0, 0xE4, Form::PQ},
    {0, 0xE5, Form::PQ}, {0, 0xE8, Form::PQ}, {0, 0xE9, Form::PQ}, {0, 0xEA, Form::PQ},
    {0, 0xEB, Form::PQ}, {0, 0xEC, Form::PQ}, {0, 0xED, Form::PQ}, {0, 0xEE, Form::PQ},
    {0, 0xEF, Form::PQ}, {0, 0xF4, Form::PQ}, {0, 0xF5, Form::PQ}, {0, 0xF6, Form::PQ},
    {0, 0xF8, Form::PQ}, {0, 0xF9, Form::PQ}, {0, 0xFA, Form::PQ}, {0, 0xFB, Form::PQ},
    {0, 0xFC, Form::PQ}, {0, 0xFD, Form::PQ}, {0, 0xFE, Form::PQ}, {0, 0xD1, Form::PQShift, 16},
    {0, 0xD2, Form::PQShift, 32}, {0, 0xD3, Form::PQShift, 64}, {0, 0xE1, Form::PQShift, 16},
    {0, 0xE2, Form::PQShift, 32}, {0, 0xF1, Form::PQShift, 16}, {0, 0xF2, Form::PQShift, 32},
    {0, 0xF3, Form::PQShift, 64}, {0x66, 0x60, Form::VW}, {0x66, 0x61, Form::VW},
    {0x66, 0x62, Form::VW}, {0x66, 0x63, Form::VW}, {0x66, 0x64, Form::VW}, {0x66, 0x65, Form::VW},
    {0x66, 0x66, Form::VW}, {0x66, 0x67, Form::VW}, {0x66, 0x68, Form::VW}, {0x66, 0x69, Form::VW},
    {0x66, 0x6A, Form::VW}, {0x66, 0x6B, Form::VW}, {0x66, 0x6C, Form::VW}, {0x66, 0x6D, Form::VW},
    {0x66, 0x74, Form::VW}, {0x66, 0x75, Form::VW}, {0x66, 0x76, Form::VW}, {0x66, 0xD4, Form::VW},
    {0x66, 0xD5, Form::VW}, {0x66, 0xD8, Form::VW}, {0x66, 0xD9, Form::VW}, {0x66, 0xDA, Form::VW},
    {0x66, 0xDB, Form::VW}, {0x66, 0xDC, Form::VW}, {0x66, 0xDD, Form::VW}, {0x66, 0xDE, Form::VW},
    {0x66, 0xDF, Form::VW}, {0x66, 0xE0, Form::VW}, {0x66, 0xE3, Form::VW}, {0x66, 0xE4, Form::VW},
    {0x66, 0xE5, Form::VW}, {0x66, 0xE8, Form::VW}, {0x66, 0xE9, Form::VW}, {0x66, 0xEA, Form::VW},
    {0x66, 0xEB, Form::VW}, {0x66, 0xEC, Form::VW}, {0x66, 0xED, Form::VW}, {0x66, 0xEE, Form::VW},
    {0x66, 0xEF, Form::VW}, {0x66, 0xF4, Form::VW}, {0x66, 0xF5, Form::VW}, {0x66, 0xF6, Form::VW},
    {0x66, 0xF8, Form::VW}, {0x66, 0xF9, Form::VW}, {0x66, 0xFA, Form::VW}, {0x66, 0xFB, Form::VW},
    {0x66, 0xFC, Form::VW}, {0x66, 0xFD, Form::VW}, {0x66, 0xFE, Form::VW},
    {0x66, 0xD1, Form::VWShift, 16}, {0x66, 0xD2, Form::VWShift, 32},
    {0x66, 0xD3, Form::VWShift, 64}, {0x66, 0xE1, Form::VWShift, 16},
    {0x66, 0xE2, Form::VWShift, 32}, {0x66, 0xF1, Form::VWShift, 16},
    {0x66, 0xF2, Form::VWShift, 32}, {0x66, 0xF3, Form::VWShift, 64},
    // SSE/SSE2 unpacks and bitwise logic on XMM registers
    {0, 0x14, Form::VW}, {0, 0x15, Form::VW}, {0x66, 0x14, Form::VW}, {0x66, 0x15, Form::VW},
    {0, 0x54, Form::VW}, {0, 0x55, Form::VW}, {0, 0x56, Form::VW}, {0, 0x57, Form::VW},
    {0x66, 0x54, Form::VW}, {0x66, 0x55, Form::VW}, {0x66, 0x56, Form::VW}, {0x66, 0x57, Form::VW},
    // shuffles
    {0, 0x70, Form::PQIb}, {0x66, 0x70, Form::VWIb}, {0xF3, 0x70, Form::VWIb},
    {0xF2, 0x70, Form::VWIb}, {0, 0xC6, Form::VWIb}, {0x66, 0xC6, Form::VWIb},
    // shifts by an immediate
    {0, 0x71, Form::ShiftImmMm, 2}, {0, 0x71, Form::ShiftImmMm, 4}, {0, 0x71, Form::ShiftImmMm, 6},
    {0, 0x72, Form::ShiftImmMm, 2}, {0, 0x72, Form::ShiftImmMm, 4}, {0, 0x72, Form::ShiftImmMm, 6},
    {0, 0x73, Form::ShiftImmMm, 2}, {0, 0x73, Form::ShiftImmMm, 6},
    {0x66, 0x71, Form::ShiftImmXmm, 2}, {0x66, 0x71, Form::ShiftImmXmm, 4},
    {0x66, 0x71, Form::ShiftImmXmm, 6}, {0x66, 0x72, Form::ShiftImmXmm, 2},
    {0x66, 0x72, Form::ShiftImmXmm, 4}, {0x66, 0x72, Form::ShiftImmXmm, 6},
    {0x66, 0x73, Form::ShiftImmXmm, 2}, {0x66, 0x73, Form::ShiftImmXmm, 3},
    {0x66, 0x73, Form::ShiftImmXmm, 6}, {0x66, 0x73, Form::ShiftImmXmm, 7},
    // whole-register moves
    {0, 0x10, Form::VW, 0, true}, {0x66, 0x10, Form::VW, 0, true}, {0xF3, 0x6F, Form::VW, 0, true},
    {0, 0x28, Form::VW}, {0x66, 0x28, Form::VW}, {0x66, 0x6F, Form::VW},
    {0, 0x11, Form::WV, 0, true}, {0x66, 0x11, Form::WV, 0, true}, {0xF3, 0x7F, Form::WV, 0, true},
    {0, 0x29, Form::WV}, {0x66, 0x29, Form::WV}, {0x66, 0x7F, Form::WV}, {0, 0x2B, Form::M128V},
    {0x66, 0x2B, Form::M128V}, {0x66, 0xE7, Form::M128V},
    // scalar and half moves
    {0xF3, 0x10, Form::VW32}, {0xF3, 0x11, Form::WV32}, {0xF2, 0x10, Form::VW64},
    {0xF2, 0x11, Form::WV64}, {0xF3, 0x7E, Form::VW64}, {0x66, 0xD6, Form::WV64},
    {0, 0x12, Form::VM64}, {0, 0x16, Form::VM64}, {0x66, 0x12, Form::VM64},
    {0x66, 0x16, Form::VM64}, {0, 0x13, Form::M64V}, {0, 0x17, Form::M64V},
    {0x66, 0x13, Form::M64V}, {0x66, 0x17, Form::M64V}, {0, 0x12, Form::VU}, {0, 0x16, Form::VU},
    // MMX moves, MOVD, MOVQ2DQ/MOVDQ2Q
    {0, 0x6E, Form::PEd}, {0, 0x7E, Form::EdP}, {0x66, 0x6E, Form::VEd}, {0x66, 0x7E, Form::EdV},
    {0, 0x6F, Form::PQ}, {0, 0x7F, Form::QP}, {0, 0xE7, Form::M64P}, {0xF3, 0xD6, Form::VN},
    {0xF2, 0xD6, Form::PU},
    // masks, word insert/extract, masked stores, MOVNTI
    {0, 0xD7, Form::GdN}, {0x66, 0xD7, Form::GdU}, {0, 0x50, Form::GdU}, {0x66, 0x50, Form::GdU},
    {0, 0xC5, Form::GdNIb}, {0x66, 0xC5, Form::GdUIb}, {0, 0xC4, Form::PEwIb},
    {0x66, 0xC4, Form::VEwIb}, {0, 0xF7, Form::PN}, {0x66, 0xF7, Form::VU_Mask},
    {0, 0xC3, Form::MovntiMGd},
    // state, ordering and cache hints
    {0, 0x77, Form::Emms}, {0, 0xAE, Form::Ldmxcsr, 2}, {0, 0xAE, Form::Stmxcsr, 3},
    {0, 0xAE, Form::Fence, 5}, {0, 0xAE, Form::Fence, 6}, {0, 0xAE, Form::Fence, 7},
    {0, 0x18, Form::MemHint, 0}, {0, 0x18, Form::MemHint, 1}, {0, 0x18, Form::MemHint, 2},
    {0, 0x18, Form::MemHint, 3}, {0, 0xAE, Form::MemHint, 7},
    // x87 between MMX instructions: stack pointer, tags and the values MMX left there
    {0, 0, Form::X87}, {0, 0, Form::X87}, {0, 0, Form::Fldcw},
};
// clang-format on

// General registers an instruction may write: all but ESP.
constexpr u8 kWritableGprs[] = {0, 1, 2, 3, 5, 6, 7};

// Each random draw is sequenced (its own statement, or an operand of a sequenced operator): C++
// leaves the order of function arguments unspecified and GCC takes them in different orders on
// x86-64 and AArch64, where the replay test (tests/replay) generates the same cases. The order
// kept is x86-64 GCC's, so the cases are the ones diff_test has always run there.
class SimdGen {
public:
    explicit SimdGen(u64 seed) : r_(seed) {}

    TestCase run() {
        TestCase tc;
        for (unsigned i = 0; i < 8; ++i) tc.regs[i] = r_.chance(30) ? edge_dword() : u32(r_.next());
        tc.regs[4] = 0x00500F00; // ESP inside the data page, unused
        tc.eflags = 0x202;
        tc.data_seed = r_.next();
        code_.insert(code_.end(), {0xDB, 0xE3}); // fninit
        // Edge lanes over some of the random data, then the register images.
        for (unsigned i = 0, n = r_.below(24); i < n; ++i) {
            const u32 v = edge_dword();
            mov_mem32(kOperands + 4 * r_.below((kOperandsEnd - kOperands) / 4), v);
        }
        for (u32 off = kXmmInit; off < kMxcsrInit; off += 4)
            if (r_.chance(40)) mov_mem32(off, edge_dword());
        mov_mem32(kMxcsrInit, mxcsr());
        mov_mem32(kMxcsrInit + 4, mxcsr());
        mov_mem32(kMxcsrInit + 8, 0x037E); // x87 control word: IE unmasked
        for (u32 off = kShiftCounts; off < kShiftCounts + 64; off += 16) {
            mov_mem32(off, r_.chance(80) ? r_.below(70) : edge_dword());
            mov_mem32(off + 4, r_.chance(80) ? 0 : edge_dword());
        }
        mem_insn(0, 0xAE, 2, kMxcsrInit); // ldmxcsr
        for (u8 i = 0; i < 8; ++i) {
            mem_insn(0xF3, 0x6F, i, kXmmInit + 16 * i); // movdqu xmm_i
            mem_insn(0, 0x6F, i, kMmInit + 8 * i);      // movq mm_i
        }
        const unsigned ops = 1 + r_.below(30);
        for (unsigned i = 0; i < ops; ++i) op(kOps[r_.below(std::size(kOps))]);
        if (r_.chance(20)) code_.insert(code_.end(), {0x0F, 0x77}); // emms
        mem_insn(0, 0xAE, 0, kFxsaveArea);                          // fxsave
        x87_mem(0xD9, 6, kFnstenvArea);                             // fnstenv
        // FOP, FIP, FCS, FDP, FDS and MXCSR_MASK differ legitimately between the two sides
        // (the pointers hold the selectors of different systems; recent Intel CPUs keep FOP
        // only for unmasked exceptions; the host's MXCSR_MASK may have bits past DAZ).
        code_.insert(code_.end(), {0x66, 0xC7, 0x05}); // mov word [fxsave + 6], 0
        imm32(kDataAddr + kFxsaveArea + 6);
        code_.insert(code_.end(), {0, 0});
        for (u32 off = 8; off < 24; off += 4) mov_mem32(kFxsaveArea + off, 0);
        mov_mem32(kFxsaveArea + 28, 0);
        for (u32 off = 12; off < 28; off += 4) mov_mem32(kFnstenvArea + off, 0);
        if (x87_used_) {
            // C0-C3 after the x87 instructions here are mostly undefined (SDM): not compared.
            and_mem16(kFxsaveArea + 2, u16(~0x4700));
            and_mem16(kFnstenvArea + 4, u16(~0x4700));
        }
        tc.code = code_;
        return tc;
    }

private:
    Rng r_;
    std::vector<u8> code_;
    bool x87_used_ = false;

    u32 edge_dword() { return kEdgeDwords[r_.below(std::size(kEdgeDwords))]; }
    // Random MXCSR without reserved bits: flags, DAZ, masks, rounding, FZ.
    u32 mxcsr() { return r_.chance(50) ? 0x1F80 : u32(r_.next()) & 0xFFFF; }
    u8 mm() { return u8(r_.below(8)); }
    u8 gpr() { return kWritableGprs[r_.below(std::size(kWritableGprs))]; }

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
    void mem_insn(u8 prefix, u8 op, u8 reg, u32 off) {
        opcode(prefix, op);
        code_.push_back(u8((reg << 3) | 5)); // [disp32]
        imm32(kDataAddr + off);
    }
    void x87_mem(u8 op, u8 reg, u32 off) {
        code_.insert(code_.end(), {op, u8((reg << 3) | 5)});
        imm32(kDataAddr + off);
    }
    void and_mem16(u32 off, u16 v) {
        code_.insert(code_.end(), {0x66, 0x81, 0x25});
        imm32(kDataAddr + off);
        code_.insert(code_.end(), {u8(v), u8(v >> 8)});
    }
    void reg_insn(u8 prefix, u8 op, u8 reg, u8 rm) {
        opcode(prefix, op);
        code_.push_back(u8(0xC0 | (reg << 3) | rm));
    }
    // Operands drawn at random, rm (or the memory operand) before reg: the order x86-64 GCC took
    // them in as function arguments, kept so that the cases stay the ones diff_test has run.
    void reg_mm_mm(u8 prefix, u8 op) {
        const u8 rm = mm();
        reg_insn(prefix, op, mm(), rm);
    }
    void reg_gpr_mm(u8 prefix, u8 op) {
        const u8 rm = mm();
        reg_insn(prefix, op, gpr(), rm);
    }
    void mem_mm(u8 prefix, u8 op, unsigned size, unsigned align) {
        const u32 off = operand(size, align);
        mem_insn(prefix, op, mm(), off);
    }
    // A memory operand of `size` bytes in the operand area; `align` its required alignment. A
    // 16-byte operand is misaligned now and then, and an unaligned one sometimes crosses the end
    // of the data page into the unmapped page: both must fault the same way on both sides (a
    // store that faults writes nothing).
    u32 operand(unsigned size, unsigned align) {
        if (align == 1 && size > 1 && r_.chance(1))
            return diffwire::kDataSize - size + 1 + r_.below(size - 1);
        u32 off = r_.below((kOperandsEnd - kOperands - size) / align + 1) * align;
        if (align == 16 && r_.chance(2)) off += 1 + r_.below(15);
        return kOperands + off;
    }
    // op reg, rm/mem of `size` bytes (alignment as the instruction requires).
    void reg_or_mem(u8 prefix, u8 op, u8 reg, unsigned size, bool aligned16, u8 rm_max = 8) {
        if (r_.chance(50))
            reg_insn(prefix, op, reg, u8(r_.below(rm_max)));
        else
            mem_insn(prefix, op, reg, operand(size, aligned16 ? 16 : 1));
    }
    void imm8(unsigned max = 256) { code_.push_back(u8(r_.below(max))); }
    // A shift count for a lane of `bits`: mostly in range, sometimes just past it.
    void shift_imm(unsigned bits) {
        code_.push_back(u8(r_.chance(85) ? r_.below(bits + 2) : r_.below(256)));
    }

    void op(const Op& o) {
        const u8 p = o.prefix, x = o.opcode;
        switch (o.form) {
        case Form::PQ: reg_or_mem(p, x, mm(), 8, false); break;
        case Form::PQd: reg_or_mem(p, x, mm(), 4, false); break;
        case Form::PQIb: reg_or_mem(p, x, mm(), 8, false), imm8(); break;
        case Form::VW:
        case Form::WV: reg_or_mem(p, x, mm(), 16, !o.unaligned); break;
        case Form::VWIb: reg_or_mem(p, x, mm(), 16, true), imm8(); break;
        case Form::PQShift:
        case Form::VWShift:
            // The count: mostly a small one from memory, else a whole register.
            if (r_.chance(70)) {
                const u32 count = kShiftCounts + 16 * r_.below(4);
                mem_insn(p, x, mm(), count);
            } else {
                reg_mm_mm(p, x);
            }
            break;
        case Form::VW32:
        case Form::WV32: reg_or_mem(p, x, mm(), 4, false); break;
        case Form::VW64:
        case Form::WV64: reg_or_mem(p, x, mm(), 8, false); break;
        case Form::VM64:
        case Form::M64V:
        case Form::M64P: mem_mm(p, x, 8, 1); break;
        case Form::M128V: mem_mm(p, x, 16, 16); break;
        case Form::VU:
        case Form::VN:
        case Form::PU: reg_mm_mm(p, x); break;
        case Form::PEd:
        case Form::VEd:
            if (r_.chance(50)) {
                const u8 rm = u8(r_.below(8));
                reg_insn(p, x, mm(), rm);
            } else {
                mem_mm(p, x, 4, 1);
            }
            break;
        case Form::EdP:
        case Form::EdV:
            if (r_.chance(50)) {
                const u8 rm = gpr();
                reg_insn(p, x, mm(), rm);
            } else {
                mem_mm(p, x, 4, 1);
            }
            break;
        case Form::QP: reg_or_mem(p, x, mm(), 8, false); break;
        case Form::GdN:
        case Form::GdU: reg_gpr_mm(p, x); break;
        case Form::GdNIb:
        case Form::GdUIb: reg_gpr_mm(p, x), imm8(); break;
        case Form::PEwIb:
        case Form::VEwIb:
            if (r_.chance(50)) {
                const u8 rm = u8(r_.below(8));
                reg_insn(p, x, mm(), rm);
            } else {
                mem_mm(p, x, 2, 1);
            }
            imm8();
            break;
        case Form::PN:
        case Form::VU_Mask: {
            // mov edi, destination; then the masked store to DS:EDI.
            const u32 size = o.form == Form::PN ? 8 : 16;
            code_.push_back(0xBF);
            imm32(kDataAddr + kMaskMovArea + r_.below(0x200 - size));
            reg_mm_mm(p, x);
            break;
        }
        case Form::ShiftImmMm:
        case Form::ShiftImmXmm: {
            reg_insn(p, x, o.ext, mm());
            const bool bytes = o.ext == 3 || o.ext == 7;
            shift_imm(bytes ? 16 : x == 0x71 ? 16 : x == 0x72 ? 32 : 64);
            break;
        }
        case Form::MovntiMGd: {
            const u32 off = operand(4, 1);
            mem_insn(p, x, u8(r_.below(8)), off);
            break;
        }
        case Form::Emms: opcode(p, x); break;
        case Form::Ldmxcsr: mem_insn(p, x, o.ext, kMxcsrInit + 4 * r_.below(2)); break;
        case Form::Stmxcsr: mem_insn(p, x, o.ext, operand(4, 1)); break;
        case Form::Fence: reg_insn(p, x, o.ext, u8(r_.below(8))); break; // rm is ignored
        case Form::MemHint: mem_insn(p, x, o.ext, operand(1, 1)); break;
        case Form::Fldcw:
            x87_mem(0xD9, 5, kMxcsrInit + 8);
            x87_used_ = true;
            break;
        case Form::X87: {
            // fld1, fldz, fincstp, fdecstp; ffree, fadd st0 st(i), fstp st(i), fxch st(i)
            static constexpr struct {
                u8 opcode, modrm;
                bool sti; // ModRM rm names ST(i)
            } kX87[] = {{0xD9, 0xE8, false}, {0xD9, 0xEE, false}, {0xD9, 0xF7, false},
                        {0xD9, 0xF6, false}, {0xDD, 0xC0, true},  {0xD8, 0xC0, true},
                        {0xDD, 0xD8, true},  {0xD9, 0xC8, true}};
            const auto& e = kX87[r_.below(std::size(kX87))];
            code_.insert(code_.end(), {e.opcode, u8(e.modrm + (e.sti ? r_.below(8) : 0))});
            x87_used_ = true;
            break;
        }
        }
    }
};

} // namespace

TestCase generate_simd(u64 seed) { return SimdGen(seed).run(); }

} // namespace vmi86::difftest
