// The one decoder: bytes + mode -> DecodedInsn. Interpreter, translator, VMI, debugger and tests
// all use it.
#pragma once
#include "cpu/decode/insn.h"

namespace vmi86 {

enum class DecodeStatus : u8 {
    Ok,
    Invalid,  // undefined encoding: #UD (the decoded length is still meaningful)
    TooLong,  // more than 15 bytes: #GP(0)
    NeedMore, // the bytes end before the instruction does
};

// Decodes one instruction from bytes[0..avail). code32: the default operand and address size of
// the code segment (CS.D). On Invalid, out.handler raises #UD and out.len covers the bytes looked
// at.
DecodeStatus decode(const u8* bytes, unsigned avail, bool code32, DecodedInsn& out);

const OpcodeInfo& opcode_info(u16 index);

} // namespace vmi86
