// The opcode tables built from the .def files: entry 0 is "invalid encoding".
#pragma once
#include "cpu/decode/insn.h"
#include <vector>

namespace vmi86 {

// The mandatory prefix of a SIMD opcode (Intel SDM Vol. 2, 2.1.2 and Table A-3): the last F2 or
// F3 if any, else 66, else none.
enum SimdPrefix : u8 { NP = 0, P66 = 1, PF3 = 2, PF2 = 3 };

struct OpcodeTables {
    std::vector<OpcodeInfo> entries; // [0] is the invalid-encoding entry
    u16 one_byte[256] = {};
    u16 two_byte[256] = {};
    // Group slots by ModRM reg: memory forms, and register forms (mod == 11); a slot differs only
    // where the SDM gives the two forms different instructions (0F AE /7: CLFLUSH m8, SFENCE).
    u16 groups[40][8] = {};
    u16 groups_reg[40][8] = {};
    // The SIMD opcodes 0F xx, selected by the mandatory prefix (SimdPrefix) and, like the groups,
    // memory and register forms apart (0F 12: MOVLPS xmm, m64 / MOVHLPS xmm, xmm).
    bool simd[256] = {};
    u16 simd_mem[256][4] = {};
    u16 simd_reg[256][4] = {};
    // The x87 escapes D8-DF: memory forms by ModRM reg, register forms by ModRM - 0xC0.
    u16 x87_mem[8][8] = {};
    u16 x87_reg[8][64] = {};
};

// Built once on first use from one_byte.def, two_byte.def, groups.def, x87.def, simd.def and
// simd_float.def (opcode_tables.cpp).
const OpcodeTables& opcode_tables();

} // namespace vmi86
