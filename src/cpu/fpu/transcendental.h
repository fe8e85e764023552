// The x87 operations on ST(0) and ST(1) beyond the basic arithmetic: FSCALE, FXTRACT, the
// partial remainders FPREM/FPREM1, the constants, and the transcendentals (FSIN, FCOS, FSINCOS,
// FPTAN, FPATAN, F2XM1, FYL2X, FYL2XP1), computed in software with 128-bit significands.
#pragma once
#include "cpu/fpu/float80.h"

namespace vmi86::fpu {

enum class StackOp : u8 {
    Fscale,
    Fxtract,
    Fprem,
    Fprem1,
    F2xm1,
    Fyl2x,
    Fyl2xp1,
    Fptan,
    Fpatan,
    Fsin,
    Fcos,
    Fsincos,
};

// What the operation leaves: for the pushing operations (FXTRACT, FPTAN, FSINCOS) st1 replaces
// the old ST(0) and st0 is pushed on top (when push is set); for the popping ones (FPATAN,
// FYL2X, FYL2XP1) st0 goes to ST(1) before the pop; otherwise st0 replaces ST(0) and, when
// writes_st1, st1 replaces ST(1). set_cc: cc holds the C0/C2/C3 bits of cc_mask (C1 comes from
// the FpEnv).
struct StackResult {
    Float80 st0, st1;
    bool writes_st1 = false;
    bool push = true;
    bool set_cc = false;
    u16 cc = 0;
    u16 cc_mask = 0x4500; // which of C0/C2/C3 cc sets
};

StackResult stack_op(StackOp op, Float80 st0, Float80 st1, FpEnv& env);

// FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ by the low 3 bits of their ModRM (E8-EE),
// rounded from 128 bits in the current rounding mode.
Float80 load_constant(unsigned index, Rounding rc);

namespace detail {
// The transcendental part of stack_op (transcendental.cpp).
StackResult transcendental(StackOp op, Float80 st0, Float80 st1, FpEnv& env);
} // namespace detail

} // namespace vmi86::fpu
