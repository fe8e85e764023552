// Builds the opcode tables from the declarative .def files and binds each entry to its handler
// template, instantiated for 16- and 32-bit operand size.
#include "cpu/decode/opcode_tables.h"
#include "cpu/chained_dispatch.h"
#include "cpu/handlers/alu.h"
#include "cpu/handlers/bcd.h"
#include "cpu/handlers/bit.h"
#include "cpu/handlers/control.h"
#include "cpu/handlers/data.h"
#include "cpu/handlers/muldiv.h"
#include "cpu/handlers/shift.h"
#include "cpu/handlers/simd_control.h"
#include "cpu/handlers/simd_int.h"
#include "cpu/handlers/simd_move.h"
#include "cpu/handlers/stack.h"
#include "cpu/handlers/string.h"
#include "cpu/handlers/system.h"
#include "cpu/handlers/x87.h"
#if __has_include("cpu/handlers/sse_float.h")
#include "cpu/handlers/sse_float.h"
#endif

namespace vmi86 {

namespace {

using namespace handlers;
using namespace simd;

enum GroupId : u8 {
    GroupNone,
    Grp1_Eb_Ib,
    Grp1_Ev_Iz,
    Grp1_Ev_Ib,
    Grp1a,
    Grp2_Eb_Ib,
    Grp2_Ev_Ib,
    Grp2_Eb_1,
    Grp2_Ev_1,
    Grp2_Eb_CL,
    Grp2_Ev_CL,
    Grp3_Eb,
    Grp3_Ev,
    Grp4,
    Grp5,
    Grp6,
    Grp7,
    Grp8,
    Grp9,
    Grp11_Eb_Ib,
    Grp11_Ev_Iz,
    Grp15,
    Grp16,
    Grp12_mm,
    Grp12_xmm,
    Grp13_mm,
    Grp13_xmm,
    Grp14_mm,
    Grp14_xmm,
    kGroupCount,
};
static_assert(kGroupCount <= std::size(OpcodeTables{}.groups));

// Flag masks in the .def files.
constexpr u16 C = FLAG_CF, Z = FLAG_ZF, O = FLAG_OF, D = FLAG_DF, P = FLAG_PF;
constexpr u16 AC = FLAG_AF | FLAG_CF;
constexpr u16 OC = FLAG_OF | FLAG_CF;
constexpr u16 SZAPC = FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF;
constexpr u16 OSZAP = FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF;
constexpr u16 OSZAPC = OSZAP | FLAG_CF;
constexpr u16 ALL = OSZAPC | FLAG_DF | FLAG_TF | FLAG_IF | FLAG_IOPL | FLAG_NT;
// Attributes.
constexpr u8 END = kAttrEnd, LOCK = kAttrLock, MEM = kAttrMem, PRIV = kAttrPriv,
             NOREAL = kAttrNoReal, REG = kAttrReg;
// The SIMD extensions and alignment rules in simd.def.
constexpr SimdIsa MMX = SimdIsa::Mmx, SSE = SimdIsa::Sse, SSE2 = SimdIsa::Sse2;
constexpr Align A16 = Align::Sixteen, ANY = Align::Any;

OpcodeTables build() {
    OpcodeTables t;
    t.entries.push_back(OpcodeInfo{"(bad)", &ud, &ud, Operands::None, 0, 0, 0, 0, &run_chained<&ud>,
                                   &run_chained<&ud>});
    auto add = [&](const OpcodeInfo& info) {
        t.entries.push_back(info);
        return u16(t.entries.size() - 1);
    };
// BIND(H, n): handler H for operand size n, alone (one instruction) or chained (the block's
// threaded dispatch, chained_dispatch.h).
#define BIND(H, n, wrap)                                                                           \
    [] {                                                                                           \
        constexpr unsigned S = n;                                                                  \
        (void)S;                                                                                   \
        return Handler(wrap(&H));                                                                  \
    }()
#define ALONE(h) h
#define CHAINED(h) &run_chained<h>
#define ENTRY(mn, ops, H, fr, fw, at)                                                              \
    OpcodeInfo {                                                                                   \
        mn, BIND(H, 2, ALONE), BIND(H, 4, ALONE), Operands::ops, fr, fw, at, 0,                    \
            BIND(H, 2, CHAINED), BIND(H, 4, CHAINED)                                               \
    }
#define INSN(op, mn, ops, H, fr, fw, at) MAP[op] = add(ENTRY(mn, ops, H, fr, fw, at));
#define INSN_R8(op, mn, ops, H, fr, fw, at)                                                        \
    {                                                                                              \
        u16 i = add(ENTRY(mn, ops, H, fr, fw, at));                                                \
        for (unsigned k = 0; k < 8; ++k) MAP[(op) + k] = i;                                        \
    }
#define INSN_CC(op, mn, ops, H, fr, fw, at)                                                        \
    {                                                                                              \
        u16 i = add(ENTRY(mn, ops, H, fr, fw, at));                                                \
        for (unsigned k = 0; k < 16; ++k) MAP[(op) + k] = i;                                       \
    }
#define GROUP(op, g) MAP[op] = add(OpcodeInfo{#g, nullptr, nullptr, Operands::None, 0, 0, 0, g});
// A group slot holds memory and register forms apart: MEM entries only the first, REG entries
// only the second.
#define GINSN(g, r, mn, ops, H, fr, fw, at)                                                        \
    {                                                                                              \
        u16 i = add(ENTRY(mn, ops, H, fr, fw, at));                                                \
        if (!((at)&REG)) t.groups[g][r] = i;                                                       \
        if (!((at)&MEM)) t.groups_reg[g][r] = i;                                                   \
    }
#define SIMD(op, pfx, mn, ops, H, fr, fw, at)                                                      \
    {                                                                                              \
        u16 i = add(ENTRY(mn, ops, H, fr, fw, at));                                                \
        t.simd[op] = true;                                                                         \
        if (!((at)&REG)) t.simd_mem[op][pfx] = i;                                                  \
        if (!((at)&MEM)) t.simd_reg[op][pfx] = i;                                                  \
    }
#define SIMD_GROUP(op, pfx, g)                                                                     \
    {                                                                                              \
        u16 i = add(OpcodeInfo{#g, nullptr, nullptr, Operands::None, 0, 0, 0, g});                 \
        t.simd[op] = true;                                                                         \
        t.simd_mem[op][pfx] = t.simd_reg[op][pfx] = i;                                             \
    }
#define MAP t.one_byte
#include "cpu/decode/one_byte.def"
#undef MAP
#define MAP t.two_byte
#include "cpu/decode/two_byte.def"
#undef MAP
#include "cpu/decode/groups.def"
#define X87_MEM(op, r, mn, H, fr, fw) t.x87_mem[(op)&7][r] = add(ENTRY(mn, Esc, H, fr, fw, 0));
#define X87_REG(op, first, count, mn, H, fr, fw)                                                   \
    {                                                                                              \
        u16 i = add(ENTRY(mn, Esc, H, fr, fw, 0));                                                 \
        for (unsigned k = 0; k < (count); ++k) t.x87_reg[(op)&7][(first)-0xC0 + k] = i;            \
    }
#include "cpu/decode/x87.def"
#undef X87_REG
#undef X87_MEM
#include "cpu/decode/simd.def"
#include "cpu/decode/simd_float.def"
#undef SIMD_GROUP
#undef SIMD
#undef GINSN
#undef GROUP
#undef INSN_CC
#undef INSN_R8
#undef INSN
#undef ENTRY
#undef CHAINED
#undef ALONE
#undef BIND
    return t;
}

} // namespace

const OpcodeTables& opcode_tables() {
    static const OpcodeTables tables = build();
    return tables;
}

} // namespace vmi86
