// The opcode tables built from the .def files: entry 0 is "invalid encoding".
#pragma once
#include "cpu/decode/insn.h"
#include <vector>

namespace vmi86 {

struct OpcodeTables {
    std::vector<OpcodeInfo> entries; // [0] is the invalid-encoding entry
    u16 one_byte[256] = {};
    u16 two_byte[256] = {};
    u16 groups[32][8] = {};
    // The x87 escapes D8-DF: memory forms by ModRM reg, register forms by ModRM - 0xC0.
    u16 x87_mem[8][8] = {};
    u16 x87_reg[8][64] = {};
};

// Built once on first use from one_byte.def, two_byte.def, groups.def and x87.def (opcode_tables.cpp).
const OpcodeTables& opcode_tables();

} // namespace vmi86
