// Integer arithmetic and logic: ADD OR ADC SBB AND SUB XOR CMP TEST, INC DEC NEG NOT.
#pragma once
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

enum AluOp { AluAdd, AluOr, AluAdc, AluSbb, AluAnd, AluSub, AluXor, AluCmp, AluTest };

template <AluOp OP> constexpr bool alu_writes() { return OP != AluCmp && OP != AluTest; }

template <AluOp OP, unsigned S> inline u32 alu_result(u32 a, u32 b, bool ci) {
    switch (OP) {
    case AluAdd: return (a + b) & size_mask<S>();
    case AluAdc: return (a + b + ci) & size_mask<S>();
    case AluSub:
    case AluCmp: return (a - b) & size_mask<S>();
    case AluSbb: return (a - b - ci) & size_mask<S>();
    case AluAnd:
    case AluTest: return a & b;
    case AluOr: return a | b;
    case AluXor: return a ^ b;
    }
    return 0;
}

template <AluOp OP, unsigned S> inline void alu_flags(Cpu& c, u32 r, u32 a, u32 b, bool ci) {
    switch (OP) {
    case AluAdd: c.set_lazy<S>(FlagOp::Add, r, a, b); break;
    case AluAdc:
        c.s.lazy.carry_in = ci;
        c.set_lazy<S>(FlagOp::Adc, r, a, b);
        break;
    case AluSub:
    case AluCmp: c.set_lazy<S>(FlagOp::Sub, r, a, b); break;
    case AluSbb:
        c.s.lazy.carry_in = ci;
        c.set_lazy<S>(FlagOp::Sbb, r, a, b);
        break;
    default: c.set_lazy<S>(FlagOp::Logic, r, a, b); break;
    }
}

template <AluOp OP> inline bool carry_in(Cpu& c) {
    if constexpr (OP == AluAdc || OP == AluSbb)
        return c.cf();
    else
        return false;
}

template <AluOp OP, unsigned S> void alu_E_G(Cpu& c, const DecodedInsn& d) {
    u32 b = c.reg<S>(d.reg);
    bool ci = carry_in<OP>(c);
    if constexpr (alu_writes<OP>()) {
        u32 r = 0;
        u32 a = rmw_E<S>(c, d, [&](u32 old) { return r = alu_result<OP, S>(old, b, ci); });
        alu_flags<OP, S>(c, r, a, b, ci);
    } else {
        u32 a = c.read_E<S>(d);
        alu_flags<OP, S>(c, alu_result<OP, S>(a, b, ci), a, b, ci);
    }
}

template <AluOp OP, unsigned S> void alu_G_E(Cpu& c, const DecodedInsn& d) {
    u32 b = c.read_E<S>(d);
    u32 a = c.reg<S>(d.reg);
    bool ci = carry_in<OP>(c);
    u32 r = alu_result<OP, S>(a, b, ci);
    if constexpr (alu_writes<OP>()) c.set_reg<S>(d.reg, r);
    alu_flags<OP, S>(c, r, a, b, ci);
}

template <AluOp OP, unsigned S> void alu_A_I(Cpu& c, const DecodedInsn& d) {
    u32 a = c.reg<S>(EAX), b = d.imm & size_mask<S>();
    bool ci = carry_in<OP>(c);
    u32 r = alu_result<OP, S>(a, b, ci);
    if constexpr (alu_writes<OP>()) c.set_reg<S>(EAX, r);
    alu_flags<OP, S>(c, r, a, b, ci);
}

template <AluOp OP, unsigned S> void alu_E_I(Cpu& c, const DecodedInsn& d) {
    u32 b = d.imm & size_mask<S>();
    bool ci = carry_in<OP>(c);
    if constexpr (alu_writes<OP>()) {
        u32 r = 0;
        u32 a = rmw_E<S>(c, d, [&](u32 old) { return r = alu_result<OP, S>(old, b, ci); });
        alu_flags<OP, S>(c, r, a, b, ci);
    } else {
        u32 a = c.read_E<S>(d);
        alu_flags<OP, S>(c, alu_result<OP, S>(a, b, ci), a, b, ci);
    }
}

template <unsigned S> inline void inc_dec_flags(Cpu& c, FlagOp op, u32 r, u32 a) {
    bool cf = c.cf();
    c.s.lazy.carry_in = cf;
    c.set_lazy<S>(op, r, a, 1);
}

template <unsigned S> void inc_r(Cpu& c, const DecodedInsn& d) {
    unsigned r = d.opcode & 7;
    u32 a = c.reg<S>(r), v = (a + 1) & size_mask<S>();
    c.set_reg<S>(r, v);
    inc_dec_flags<S>(c, FlagOp::Inc, v, a);
}

template <unsigned S> void dec_r(Cpu& c, const DecodedInsn& d) {
    unsigned r = d.opcode & 7;
    u32 a = c.reg<S>(r), v = (a - 1) & size_mask<S>();
    c.set_reg<S>(r, v);
    inc_dec_flags<S>(c, FlagOp::Dec, v, a);
}

template <unsigned S> void inc_E(Cpu& c, const DecodedInsn& d) {
    u32 a = rmw_E<S>(c, d, [](u32 old) { return (old + 1) & size_mask<S>(); });
    inc_dec_flags<S>(c, FlagOp::Inc, (a + 1) & size_mask<S>(), a);
}

template <unsigned S> void dec_E(Cpu& c, const DecodedInsn& d) {
    u32 a = rmw_E<S>(c, d, [](u32 old) { return (old - 1) & size_mask<S>(); });
    inc_dec_flags<S>(c, FlagOp::Dec, (a - 1) & size_mask<S>(), a);
}

template <unsigned S> void not_E(Cpu& c, const DecodedInsn& d) {
    rmw_E<S>(c, d, [](u32 old) { return ~old & size_mask<S>(); });
}

template <unsigned S> void neg_E(Cpu& c, const DecodedInsn& d) {
    u32 a = rmw_E<S>(c, d, [](u32 old) { return (0 - old) & size_mask<S>(); });
    c.set_lazy<S>(FlagOp::Neg, (0 - a) & size_mask<S>(), a, 0);
}

} // namespace vmi86::handlers
