// DecodedInsn: what the decoder makes of an instruction's bytes, and what every engine consumes.
#pragma once
#include "common/types.h"

namespace vmi86 {

class Cpu;
struct DecodedInsn;
using Handler = void (*)(Cpu&, const DecodedInsn&);

enum class Operands : u8 {
#define OPERANDS(name, enc) name,
#include "cpu/decode/operands.def"
#undef OPERANDS
};

// Instruction attributes from the opcode tables.
enum : u8 {
    kAttrEnd = 1 << 0,    // ends a block: control transfer or changes how later code runs
    kAttrLock = 1 << 1,   // LOCK prefix allowed (with a memory destination)
    kAttrMem = 1 << 2,    // ModRM must name memory; a register form is #UD
    kAttrPriv = 1 << 3,   // CPL 0 only
    kAttrNoReal = 1 << 4, // #UD in real and virtual-8086 mode
    kAttrReg = 1 << 5,    // ModRM must name a register; a memory form is #UD (or another insn)
};

// "No base or index register": names CpuState::gpr[8], which always holds zero, so that
// effective-address arithmetic needs no branches.
constexpr u8 kNoReg = 8;

struct DecodedInsn {
    Handler handler = nullptr; // runs this one instruction
    Handler chained =
        nullptr;  // runs it and goes on with the next in the block (chained_dispatch.h)
    u32 disp = 0; // ModRM displacement, or the moffs offset
    u32 imm = 0;  // first immediate (sign-extended where the SDM says so), or branch target offset
    u16 imm2 = 0; // second immediate: far pointer selector, ENTER nesting level
    u16 opcode = 0; // 0x000..0x0FF one-byte map, 0x100..0x1FF the 0F map
    u16 info = 0;   // index of the opcode table entry (mnemonic, flags, attributes)
    u8 len = 0;
    u8 modrm = 0;
    u8 mod = 0, reg = 0, rm = 0;
    u8 base = kNoReg, index = kNoReg, scale = 0;
    u8 seg = 3; // segment of the memory operand (DS unless overridden or BP/SP-based)
    u8 seg_override = 7;
    u8 opsize = 4;   // operand size in bytes: 2 or 4
    u8 addrsize = 4; // address size in bytes: 2 or 4
    u8 rep = 0;      // 0, 0xF3 (REP/REPE) or 0xF2 (REPNE); 0 when F2/F3 is a mandatory prefix
    bool lock = false;
    u8 attrs = 0;
    u16 flags_read = 0;    // EFLAGS bits the instruction reads
    u16 flags_written = 0; // EFLAGS bits it writes (or leaves undefined)

    bool mem() const { return mod != 3; }
};

// The static description of one opcode table entry.
struct OpcodeInfo {
    const char* mnemonic = nullptr;
    Handler handler16 = nullptr;
    Handler handler32 = nullptr;
    Operands operands = Operands::None;
    u16 flags_read = 0;
    u16 flags_written = 0;
    u8 attrs = 0;
    u8 group = 0; // non-zero: the ModRM reg field selects from group table `group`
    Handler chained16 = nullptr;
    Handler chained32 = nullptr;
};

} // namespace vmi86
