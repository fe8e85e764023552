// CpuState: the architectural state of one x86 CPU as a plain struct with stable offsets, read and
// written by the interpreter, translated code, VMI handlers and the debugger alike.
#pragma once
#include "common/types.h"

namespace vmi86 {

enum SegReg : u8 { ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5, kSegNone = 7 };
enum Gpr : u8 { EAX = 0, ECX, EDX, EBX, ESP, EBP, ESI, EDI };

// EFLAGS bits.
inline constexpr u32 FLAG_CF = 1u << 0;
inline constexpr u32 FLAG_PF = 1u << 2;
inline constexpr u32 FLAG_AF = 1u << 4;
inline constexpr u32 FLAG_ZF = 1u << 6;
inline constexpr u32 FLAG_SF = 1u << 7;
inline constexpr u32 FLAG_TF = 1u << 8;
inline constexpr u32 FLAG_IF = 1u << 9;
inline constexpr u32 FLAG_DF = 1u << 10;
inline constexpr u32 FLAG_OF = 1u << 11;
inline constexpr u32 FLAG_IOPL = 3u << 12;
inline constexpr u32 FLAG_NT = 1u << 14;
inline constexpr u32 FLAG_RF = 1u << 16;
inline constexpr u32 FLAG_VM = 1u << 17;
inline constexpr u32 FLAG_AC = 1u << 18;
inline constexpr u32 FLAG_VIF = 1u << 19;
inline constexpr u32 FLAG_VIP = 1u << 20;
inline constexpr u32 FLAG_ID = 1u << 21;
inline constexpr u32 FLAGS_ARITH = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

// CR0/CR4 bits.
inline constexpr u32 CR0_PE = 1u << 0;
inline constexpr u32 CR0_MP = 1u << 1;
inline constexpr u32 CR0_EM = 1u << 2;
inline constexpr u32 CR0_TS = 1u << 3;
inline constexpr u32 CR0_ET = 1u << 4;
inline constexpr u32 CR0_NE = 1u << 5;
inline constexpr u32 CR0_WP = 1u << 16;
inline constexpr u32 CR0_AM = 1u << 18;
inline constexpr u32 CR0_NW = 1u << 29;
inline constexpr u32 CR0_CD = 1u << 30;
inline constexpr u32 CR0_PG = 1u << 31;
inline constexpr u32 CR4_VME = 1u << 0;
inline constexpr u32 CR4_PVI = 1u << 1;
inline constexpr u32 CR4_TSD = 1u << 2;
inline constexpr u32 CR4_DE = 1u << 3;
inline constexpr u32 CR4_PSE = 1u << 4;
inline constexpr u32 CR4_PAE = 1u << 5;
inline constexpr u32 CR4_MCE = 1u << 6;
inline constexpr u32 CR4_PGE = 1u << 7;
inline constexpr u32 CR4_PCE = 1u << 8;
inline constexpr u32 CR4_OSFXSR = 1u << 9;
inline constexpr u32 CR4_OSXMMEXCPT = 1u << 10;

// The hidden part of a segment register, loaded from a descriptor (or synthesised in real and
// V86 mode). attr holds descriptor bits 40..55: type(4) S DPL(2) P | limit(4, unused) AVL L DB G.
struct SegmentCache {
    u32 base = 0;
    u32 limit = 0xFFFF;
    u16 selector = 0;
    u16 attr = 0;
    // Pre-computed access checks: bit 0 readable, bit 1 writable. A null or unusable segment has
    // access == 0.
    bool valid = true;
    u8 access = 3;
    u32 lim_lo = 0, lim_hi = 0xFFFF; // valid offsets (expand-down segments start above limit)

    unsigned type() const { return attr & 0xF; }
    bool is_system() const { return !(attr & 0x10); }
    unsigned dpl() const { return (attr >> 5) & 3; }
    bool present() const { return attr & 0x80; }
    bool big() const { return attr & 0x4000; }
    bool granular() const { return attr & 0x8000; }
};

struct TableReg {
    u32 base = 0;
    u32 limit = 0xFFFF;
};

// Lazy arithmetic flags: the last flag-setting operation, its operands and result. EFLAGS is
// materialised on demand. kNone means eflags holds the arithmetic flags itself.
enum class FlagOp : u8 {
    None,
    Add,
    Adc,
    Sub,
    Sbb,
    Logic,
    Inc,
    Dec,
    Neg,
    Explicit, // SF/ZF/PF from result; CF, OF and AF given as EFLAGS bits in src1
};

struct LazyFlags {
    u32 result = 0;
    u32 src1 = 0;
    u32 src2 = 0;
    FlagOp op = FlagOp::None;
    u8 size = 4;           // operand size in bytes
    bool carry_in = false; // CF kept by INC/DEC and the carry used by ADC/SBB
};

// x87 FPU (and the MXCSR slot FXSAVE needs). The registers are the physical R0-R7; ST(i) is
// R[(TOP + i) & 7]. The tag word is kept abridged (bit i set: R[i] is not empty); the full tag
// is computed from the register contents when stored.
struct X87Register {
    u64 mant = 0;
    u16 sign_exp = 0;
};
struct X87State {
    X87Register r[8];
    u16 cw = 0x0040; // power-on value; FNINIT sets 0x037F
    u16 sw = 0;      // TOP in bits 11-13
    u8 tags = 0xFF;  // power-on: every register holds +0.0 (tag word 0x5555)
    u16 fop = 0;     // last non-control instruction: opcode bits 10-0
    u32 fip = 0, fdp = 0;
    u16 fcs = 0, fds = 0;
    u32 mxcsr = 0x1F80;
};

// An XMM register (SSE): 128 bits as two quadwords, q[0] holding bits 0-63. The MMX registers
// have no storage of their own: MMn is the mantissa of the physical x87 register Rn.
struct Xmm {
    u64 q[2] = {0, 0};
};

struct CpuState {
    union Reg {
        u64 r64;
        u32 r32;
        u16 r16;
        struct {
            u8 lo, hi;
        } r8;
    };
    Reg gpr[16] = {}; // EAX..EDI; gpr[8] stays zero (kNoReg in effective addresses)
    u32 eip = 0;
    u32 eflags = 2; // arithmetic bits valid only when lazy.op == None
    LazyFlags lazy;

    SegmentCache seg[6];
    TableReg gdtr, idtr;
    SegmentCache ldtr, tr; // selector + cached descriptor

    u32 cr0 = CR0_ET;
    u32 cr2 = 0, cr3 = 0, cr4 = 0;
    u32 dr[8] = {0, 0, 0, 0, 0xFFFF0FF0u, 0x400, 0xFFFF0FF0u, 0x400};
    unsigned cpl = 0;
    X87State fpu;
    Xmm xmm[8];

    // MSRs a P6 has and the guest can see.
    u64 tsc_offset = 0;
    u32 sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
    u64 apic_base = 0xFEE00900ull;
    u64 pat = 0x0007040600070406ull;
    u64 mtrr_def_type = 0;
    u64 mtrr_fixed[11] = {};
    u64 mtrr_var[16] = {};
    u64 misc_enable = 1;
    u64 perf_ctr[2] = {};    // PerfCtr0/1: stored, not counting
    u64 perf_evtsel[2] = {}; // PerfEvtSel0/1

    // Execution control.
    // Instructions retired since reset, plus stall cycles: the CPU's clock (TSC, virtual time).
    u64 retired = 0;
    u64 stall_cycles = 0; // the part of `retired` that is PAUSE stalls, not instructions
    bool halted = false;
    bool exit_request = false;        // set by devices: stop at the next block boundary
    bool intr_line = false;           // the INTR input from the interrupt controllers
    u32 inhibit_irq_eip = 0xFFFFFFFF; // after MOV SS/POP SS/STI: no interrupt before this EIP
};

} // namespace vmi86
