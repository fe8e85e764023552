// The x87 instruction prologue (#NM, pending exceptions, last-instruction pointers) and the
// environment/save images of FSTENV/FLDENV/FSAVE/FRSTOR and FXSAVE/FXRSTOR.
#include "cpu/fpu/x87.h"

namespace vmi86::fpu {

void x87_report_pending(Cpu& c) {
    if (!(c.s.fpu.sw & kSwES)) return;
    if (c.s.cr0 & CR0_NE) c.fault(kMF);
    if (c.on_ferr) c.on_ferr(true);
}

void x87_prologue(Cpu& c, const DecodedInsn& d, X87Kind kind) {
    if (c.s.cr0 & (CR0_EM | CR0_TS)) c.fault(kNM);
    if (kind == X87Kind::ControlNoWait) return;
    x87_report_pending(c);
    if (kind == X87Kind::Control) return;
    X87State& f = c.s.fpu;
    f.fop = u16(((d.opcode & 7) << 8) | d.modrm);
    f.fip = c.insn_eip;
    f.fcs = c.s.seg[CS].selector;
    if (d.mem()) {
        f.fdp = c.ea(d);
        f.fds = c.s.seg[d.seg].selector;
    }
}

u16 X87::full_tag_word() const {
    u16 tw = 0;
    for (unsigned i = 0; i < 8; ++i) {
        unsigned tag = 3;
        if ((f_.tags >> i) & 1) {
            const Float80 v{f_.r[i].mant, f_.r[i].sign_exp};
            const Kind k = classify(v);
            tag = k == Kind::Zero ? 1 : k == Kind::Normal ? 0 : 2;
        }
        tw |= u16(tag << (2 * i));
    }
    return tw;
}

namespace {

// Offsets of a memory operand: 16-bit addressing wraps inside the segment.
u32 offset(const DecodedInsn& d, u32 base, u32 k) {
    return d.addrsize == 2 ? (base + k) & 0xFFFF : base + k;
}

bool real_layout(const Cpu& c) { return !c.protected_mode() || c.v86(); }

// The environment image as 7 fields (16-bit forms use the low half of each).
void env_fields(Cpu& c, bool real, bool wide, u32 out[7]) {
    X87State& f = c.s.fpu;
    X87 x(c);
    out[0] = f.cw;
    out[1] = f.sw;
    out[2] = x.full_tag_word();
    if (real) {
        // Real-address layouts hold 32-bit (16-bit forms: 20-bit) linear pointers.
        const u32 ip = (u32(f.fcs) << 4) + f.fip, dp = (u32(f.fds) << 4) + f.fdp;
        out[3] = ip & 0xFFFF;
        out[4] = wide ? ((ip >> 16) << 12) | (f.fop & 0x7FF)
                      : (((ip >> 16) & 0xF) << 12) | (f.fop & 0x7FF);
        out[5] = dp & 0xFFFF;
        out[6] = wide ? (dp >> 16) << 12 : ((dp >> 16) & 0xF) << 12;
    } else {
        out[3] = f.fip;
        out[4] = wide ? f.fcs | (u32(f.fop & 0x7FF) << 16) : f.fcs;
        out[5] = f.fdp;
        out[6] = f.fds;
    }
    if (!wide)
        for (int i = 0; i < 7; ++i) out[i] &= 0xFFFF;
}

} // namespace

void x87_store_env(Cpu& c, const DecodedInsn& d, u32 addr, bool save_registers) {
    const bool wide = d.opsize == 4;
    const unsigned field = wide ? 4 : 2, env_size = 7 * field;
    u32 fields[7];
    env_fields(c, real_layout(c), wide, fields);
    X87 x(c);
    // Highest bytes first: a fault on a later page happens before anything is written, and a
    // restart after a fault on an earlier page writes the same bytes again.
    if (save_registers) {
        for (int i = 7; i >= 0; --i) {
            const Float80 v = x.st(unsigned(i));
            const u32 a = env_size + 10 * unsigned(i);
            c.write<2>(d.seg, offset(d, addr, a + 8), v.sign_exp);
            c.write<4>(d.seg, offset(d, addr, a + 4), u32(v.mant >> 32));
            c.write<4>(d.seg, offset(d, addr, a), u32(v.mant));
        }
    }
    for (int i = 6; i >= 0; --i) {
        if (wide)
            c.write<4>(d.seg, offset(d, addr, 4 * unsigned(i)),
                       i < 3 ? fields[i] | 0xFFFF0000u : fields[i]);
        else
            c.write<2>(d.seg, offset(d, addr, 2 * unsigned(i)), fields[i]);
    }
}

void x87_load_env(Cpu& c, const DecodedInsn& d, u32 addr, bool load_registers) {
    const bool wide = d.opsize == 4;
    const unsigned field = wide ? 4 : 2, env_size = 7 * field;
    u32 fields[7];
    for (unsigned i = 0; i < 7; ++i)
        fields[i] = wide ? c.read<4>(d.seg, offset(d, addr, 4 * i))
                         : c.read<2>(d.seg, offset(d, addr, 2 * i));
    Float80 regs[8];
    if (load_registers)
        for (unsigned i = 0; i < 8; ++i) {
            const u32 a = env_size + 10 * i;
            regs[i].mant = c.read<4>(d.seg, offset(d, addr, a)) |
                           (u64(c.read<4>(d.seg, offset(d, addr, a + 4))) << 32);
            regs[i].sign_exp = u16(c.read<2>(d.seg, offset(d, addr, a + 8)));
        }
    X87State& f = c.s.fpu;
    X87 x(c);
    const bool had_error = f.sw & kSwES;
    f.cw = u16(fields[0]);
    f.sw = u16(fields[1]);
    x.set_full_tag_word(u16(fields[2]));
    if (real_layout(c)) {
        const u32 ip = (fields[3] & 0xFFFF) | ((fields[4] >> 12) << 16);
        const u32 dp = (fields[5] & 0xFFFF) | ((fields[6] >> 12) << 16);
        f.fop = u16(fields[4] & 0x7FF);
        f.fcs = 0;
        f.fip = wide ? ip : ip & 0xFFFFF;
        f.fds = 0;
        f.fdp = wide ? dp : dp & 0xFFFFF;
    } else {
        f.fip = fields[3];
        f.fcs = u16(fields[4]);
        if (wide) f.fop = u16((fields[4] >> 16) & 0x7FF);
        f.fdp = fields[5];
        f.fds = u16(fields[6]);
    }
    if (load_registers)
        for (unsigned i = 0; i < 8; ++i) f.r[(x.top() + i) & 7] = {regs[i].mant, regs[i].sign_exp};
    x.update_summary(had_error);
}

void x87_fxsave(Cpu& c, const DecodedInsn& d) {
    if (c.s.cr0 & CR0_EM) c.fault(kUD);
    if (c.s.cr0 & CR0_TS) c.fault(kNM);
    const u32 addr = c.ea(d);
    if (addr & 15) c.fault(kGP, 0);
    const X87State& f = c.s.fpu;
    X87 x(c);
    u32 words[40] = {};
    words[0] = f.cw | (u32(f.sw) << 16);
    words[1] = f.tags | (u32(f.fop & 0x7FF) << 16);
    words[2] = f.fip;
    words[3] = f.fcs;
    words[4] = f.fdp;
    words[5] = f.fds;
    words[6] = f.mxcsr;
    words[7] = c.model.mxcsr_mask_field;
    for (unsigned i = 0; i < 8; ++i) {
        const Float80 v = x.st(i);
        words[8 + 4 * i] = u32(v.mant);
        words[9 + 4 * i] = u32(v.mant >> 32);
        words[10 + 4 * i] = v.sign_exp;
    }
    // XMM0-7 (bytes 160-287) only with CR4.OSFXSR, as Intel processors do (the SDM leaves it
    // implementation dependent; MXCSR is always saved). Bytes 288-511 are not written.
    const bool save_xmm = c.s.cr4 & CR4_OSFXSR;
    for (int i = save_xmm ? 71 : 39; i >= 0; --i) {
        const u32 w =
            i < 40 ? words[i] : u32(c.s.xmm[(i - 40) / 4].q[(i / 2) & 1] >> (32 * (i & 1)));
        c.write<4>(d.seg, offset(d, addr, 4 * unsigned(i)), w);
    }
}

void x87_fxrstor(Cpu& c, const DecodedInsn& d) {
    if (c.s.cr0 & CR0_EM) c.fault(kUD);
    if (c.s.cr0 & CR0_TS) c.fault(kNM);
    const u32 addr = c.ea(d);
    if (addr & 15) c.fault(kGP, 0);
    const bool load_xmm = c.s.cr4 & CR4_OSFXSR; // as FXSAVE stores them
    u32 words[72];
    for (unsigned i = 0; i < (load_xmm ? 72u : 40u); ++i)
        words[i] = c.read<4>(d.seg, offset(d, addr, 4 * i));
    if (words[6] & ~c.model.mxcsr_writable()) c.fault(kGP, 0);
    X87State& f = c.s.fpu;
    const bool had_error = f.sw & kSwES;
    f.cw = u16(words[0]);
    f.sw = u16(words[0] >> 16);
    f.tags = u8(words[1]);
    f.fop = u16((words[1] >> 16) & 0x7FF);
    f.fip = words[2];
    f.fcs = u16(words[3]);
    f.fdp = words[4];
    f.fds = u16(words[5]);
    f.mxcsr = words[6];
    X87 x(c);
    for (unsigned i = 0; i < 8; ++i)
        f.r[(x.top() + i) & 7] = {words[8 + 4 * i] | (u64(words[9 + 4 * i]) << 32),
                                  u16(words[10 + 4 * i])};
    if (load_xmm)
        for (unsigned i = 0; i < 8; ++i)
            c.s.xmm[i] = Xmm{{words[40 + 4 * i] | (u64(words[41 + 4 * i]) << 32),
                              words[42 + 4 * i] | (u64(words[43 + 4 * i]) << 32)}};
    x.update_summary(had_error);
}

} // namespace vmi86::fpu
