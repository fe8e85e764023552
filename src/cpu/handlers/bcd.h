// Decimal adjust: DAA DAS AAA AAS AAM AAD, and SALC.
#pragma once
#include "cpu/handlers/common.h"

namespace vmi86::handlers {

inline void daa(Cpu& c, const DecodedInsn&) {
    u32 al = c.reg<1>(EAX), old_al = al;
    bool old_cf = c.cf(), cf = false, af = false;
    if ((al & 0xF) > 9 || c.af()) {
        al += 6;
        cf = old_cf || al > 0xFF;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al += 0x60;
        cf = true;
    }
    c.set_reg<1>(EAX, al);
    set_flags_szp<1>(c, al, cf, ((old_al ^ al) & ~old_al & 0x80) != 0, af);
}

inline void das(Cpu& c, const DecodedInsn&) {
    u32 al = c.reg<1>(EAX), old_al = al;
    bool old_cf = c.cf(), cf = false, af = false;
    if ((al & 0xF) > 9 || c.af()) {
        cf = old_cf || al < 6;
        al = (al - 6) & 0xFF;
        af = true;
    }
    if (old_al > 0x99 || old_cf) {
        al = (al - 0x60) & 0xFF;
        cf = true;
    }
    c.set_reg<1>(EAX, al);
    set_flags_szp<1>(c, al, cf, ((old_al ^ al) & old_al & 0x80) != 0, af);
}

inline void aaa(Cpu& c, const DecodedInsn&) {
    u32 ax = c.reg<2>(EAX);
    bool adj = (ax & 0xF) > 9 || c.af();
    if (adj) ax = (ax + 0x106) & 0xFFFF;
    ax &= 0xFF0F;
    c.set_reg<2>(EAX, ax);
    set_flags_szp<1>(c, ax & 0xFF, adj, false, adj);
}

inline void aas(Cpu& c, const DecodedInsn&) {
    u32 ax = c.reg<2>(EAX);
    bool adj = (ax & 0xF) > 9 || c.af();
    if (adj) ax = (ax - 6 - 0x100) & 0xFFFF; // AX - 6 borrows from AH too (SDM: AAS)
    ax &= 0xFF0F;
    c.set_reg<2>(EAX, ax);
    set_flags_szp<1>(c, ax & 0xFF, adj, false, adj);
}

inline void aam(Cpu& c, const DecodedInsn& d) {
    u32 base = d.imm & 0xFF;
    if (base == 0) c.fault(kDE);
    u32 al = c.reg<1>(EAX);
    u32 r = ((al / base) << 8) | (al % base);
    c.set_reg<2>(EAX, r);
    set_flags_szp<1>(c, r & 0xFF, false, false, false);
}

inline void aad(Cpu& c, const DecodedInsn& d) {
    u32 base = d.imm & 0xFF;
    u32 al = c.reg<1>(EAX), ah = c.reg<1>(EAX + 4);
    u32 prod = (ah * base) & 0xFF;
    u32 r = (al + prod) & 0xFF;
    c.set_reg<2>(EAX, r);
    // Flags as the ADD of AL and AH*base that the microcode performs.
    c.set_lazy<1>(FlagOp::Add, r, al, prod);
}

inline void salc(Cpu& c, const DecodedInsn&) { c.set_reg<1>(EAX, c.cf() ? 0xFF : 0); }

} // namespace vmi86::handlers
