// Far control transfers: JMP/CALL through code segments, call gates, task gates and TSSs; RET far
// and IRET with privilege changes, V86 returns and nested-task returns.
#include "cpu/cpu.h"
#include "cpu/stack_writer.h"

namespace vmi86 {

namespace {

bool is_code(u64 desc) { return (desc >> 43) & 1; }
bool is_segment(u64 desc) { return (desc >> 44) & 1; }
unsigned desc_type(u64 desc) { return (desc >> 40) & 0xF; }
unsigned desc_dpl(u64 desc) { return (desc >> 45) & 3; }
bool desc_present(u64 desc) { return (desc >> 47) & 1; }
bool conforming(u64 desc) { return (desc >> 42) & 1; }

} // namespace

void Cpu::set_eip_checked(u32 eip) {
    if (eip > s.seg[CS].lim_hi) fault(kGP, 0);
    s.eip = eip;
}

// Checks a code segment descriptor as the target of JMP/CALL (not through a gate).
static void check_direct_code_target(Cpu& c, u16 sel, u64 desc) {
    u32 err = sel & 0xFFFC;
    if (!is_segment(desc) || !is_code(desc)) c.fault(kGP, err);
    if (conforming(desc)) {
        if (desc_dpl(desc) > c.s.cpl) c.fault(kGP, err);
    } else if ((sel & 3) > c.s.cpl || desc_dpl(desc) != c.s.cpl) {
        c.fault(kGP, err);
    }
    if (!desc_present(desc)) c.fault(kNP, err);
}

void Cpu::jmp_far(u16 selector, u32 offset, unsigned opsize) {
    if (!protected_mode() || v86()) {
        u32 eip = opsize == 4 ? offset : offset & 0xFFFF;
        load_segment_real(CS, selector);
        s.eip = eip;
        if (eip > s.seg[CS].lim_hi) fault(kGP, 0);
        return;
    }
    if ((selector & 0xFFFC) == 0) fault(kGP, 0);
    u64 desc = read_descriptor(selector, selector & 0xFFFC);
    if (is_segment(desc)) {
        check_direct_code_target(*this, selector, desc);
        SegmentCache tmp;
        set_cache_from_descriptor(tmp, selector, desc);
        u32 eip = opsize == 4 ? offset : offset & 0xFFFF;
        if (eip > tmp.lim_hi) fault(kGP, 0);
        load_cs_for_transfer(selector, desc, s.cpl);
        s.eip = eip;
        return;
    }
    u32 err = selector & 0xFFFC;
    unsigned type = desc_type(desc);
    switch (type) {
    case 1:
    case 9: // available TSS
        if (desc_dpl(desc) < s.cpl || desc_dpl(desc) < (selector & 3)) fault(kGP, err);
        if (!desc_present(desc)) fault(kNP, err);
        task_switch(selector, desc, 0);
        return;
    case 5: { // task gate
        if (desc_dpl(desc) < s.cpl || desc_dpl(desc) < (selector & 3)) fault(kGP, err);
        if (!desc_present(desc)) fault(kNP, err);
        u16 tss_sel = u16(desc >> 16);
        if (tss_sel & 4) fault(kGP, tss_sel & 0xFFFC);
        u64 tss = read_descriptor(tss_sel, tss_sel & 0xFFFC);
        unsigned t = desc_type(tss);
        if (is_segment(tss) || (t != 1 && t != 9)) fault(kGP, tss_sel & 0xFFFC);
        if (!desc_present(tss)) fault(kNP, tss_sel & 0xFFFC);
        task_switch(tss_sel, tss, 0);
        return;
    }
    case 4:
    case 12: { // call gate: JMP stays at the current privilege
        if (desc_dpl(desc) < s.cpl || desc_dpl(desc) < (selector & 3)) fault(kGP, err);
        if (!desc_present(desc)) fault(kNP, err);
        u16 csel = u16(desc >> 16);
        u32 eip = u32(desc & 0xFFFF) | (type == 12 ? u32(desc >> 32) & 0xFFFF0000u : 0);
        if ((csel & 0xFFFC) == 0) fault(kGP, 0);
        u64 cdesc = read_descriptor(csel, csel & 0xFFFC);
        if (!is_segment(cdesc) || !is_code(cdesc)) fault(kGP, csel & 0xFFFC);
        if (conforming(cdesc) ? desc_dpl(cdesc) > s.cpl : desc_dpl(cdesc) != s.cpl)
            fault(kGP, csel & 0xFFFC);
        if (!desc_present(cdesc)) fault(kNP, csel & 0xFFFC);
        SegmentCache tmp;
        set_cache_from_descriptor(tmp, csel, cdesc);
        if (eip > tmp.lim_hi) fault(kGP, 0);
        load_cs_for_transfer(csel, cdesc, s.cpl);
        s.eip = eip;
        return;
    }
    default: fault(kGP, err);
    }
}

void Cpu::call_far(u16 selector, u32 offset, unsigned opsize) {
    if (!protected_mode() || v86()) {
        u32 eip = opsize == 4 ? offset : offset & 0xFFFF;
        u32 old_sp = sp();
        try {
            if (opsize == 4) {
                push<4>(s.seg[CS].selector);
                push<4>(s.eip);
            } else {
                push<2>(s.seg[CS].selector);
                push<2>(s.eip);
            }
        } catch (...) {
            set_sp(old_sp);
            throw;
        }
        load_segment_real(CS, selector);
        s.eip = eip;
        if (eip > s.seg[CS].lim_hi) fault(kGP, 0);
        return;
    }
    if ((selector & 0xFFFC) == 0) fault(kGP, 0);
    u32 err = selector & 0xFFFC;
    u64 desc = read_descriptor(selector, err);
    if (is_segment(desc)) {
        check_direct_code_target(*this, selector, desc);
        SegmentCache tmp;
        set_cache_from_descriptor(tmp, selector, desc);
        u32 eip = opsize == 4 ? offset : offset & 0xFFFF;
        StackWriter st{*this, s.seg[SS], sp(), s.cpl == 3, 0};
        st.push(opsize, s.seg[CS].selector);
        st.push(opsize, s.eip);
        if (eip > tmp.lim_hi) fault(kGP, 0);
        load_cs_for_transfer(selector, desc, s.cpl);
        set_sp(st.esp);
        s.eip = eip;
        return;
    }
    unsigned type = desc_type(desc);
    if (type == 1 || type == 9 || type == 5) {
        if (desc_dpl(desc) < s.cpl || desc_dpl(desc) < (selector & 3)) fault(kGP, err);
        if (!desc_present(desc)) fault(kNP, err);
        if (type == 5) {
            u16 tss_sel = u16(desc >> 16);
            if (tss_sel & 4) fault(kGP, tss_sel & 0xFFFC);
            u64 tss = read_descriptor(tss_sel, tss_sel & 0xFFFC);
            unsigned t = desc_type(tss);
            if (is_segment(tss) || (t != 1 && t != 9)) fault(kGP, tss_sel & 0xFFFC);
            if (!desc_present(tss)) fault(kNP, tss_sel & 0xFFFC);
            task_switch(tss_sel, tss, 1);
        } else {
            task_switch(selector, desc, 1);
        }
        return;
    }
    if (type != 4 && type != 12) fault(kGP, err);
    // Call gate.
    if (desc_dpl(desc) < s.cpl || desc_dpl(desc) < (selector & 3)) fault(kGP, err);
    if (!desc_present(desc)) fault(kNP, err);
    const unsigned gsize = type == 12 ? 4 : 2;
    u16 csel = u16(desc >> 16);
    u32 eip = u32(desc & 0xFFFF) | (type == 12 ? u32(desc >> 32) & 0xFFFF0000u : 0);
    unsigned nparams = u32(desc >> 32) & 0x1F;
    if ((csel & 0xFFFC) == 0) fault(kGP, 0);
    u64 cdesc = read_descriptor(csel, csel & 0xFFFC);
    if (!is_segment(cdesc) || !is_code(cdesc) || desc_dpl(cdesc) > s.cpl) fault(kGP, csel & 0xFFFC);
    if (!desc_present(cdesc)) fault(kNP, csel & 0xFFFC);
    SegmentCache target;
    set_cache_from_descriptor(target, csel, cdesc);
    unsigned dpl = desc_dpl(cdesc);
    if (!conforming(cdesc) && dpl < s.cpl) {
        // More privileged: switch to the inner stack from the TSS and copy the parameters.
        u16 nss;
        u32 nesp;
        bool tss32 = (s.tr.type() & 8) != 0;
        u32 off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
        if (off + (tss32 ? 7 : 3) > s.tr.limit) fault(kTS, s.tr.selector & 0xFFFC);
        if (tss32) {
            nesp = read_sys(s.tr.base + off, 4);
            nss = u16(read_sys(s.tr.base + off + 4, 2));
        } else {
            nesp = read_sys(s.tr.base + off, 2);
            nss = u16(read_sys(s.tr.base + off + 2, 2));
        }
        if ((nss & 0xFFFC) == 0) fault(kTS, 0);
        u64 sdesc;
        if (!fetch_descriptor(nss, sdesc)) fault(kTS, nss & 0xFFFC);
        if ((nss & 3) != dpl || desc_dpl(sdesc) != dpl || !is_segment(sdesc) || is_code(sdesc) ||
            !((sdesc >> 41) & 1))
            fault(kTS, nss & 0xFFFC);
        if (!desc_present(sdesc)) fault(kSS, nss & 0xFFFC);
        SegmentCache new_ss;
        set_cache_from_descriptor(new_ss, nss, sdesc);
        StackWriter st{*this, new_ss, nesp, false, u32(nss & 0xFFFC)};
        st.push(gsize, s.seg[SS].selector);
        st.push(gsize, s.gpr[ESP].r32);
        for (unsigned i = nparams; i-- > 0;)
            st.push(gsize, gsize == 4 ? peek<4>(i * 4) : peek<2>(i * 2));
        st.push(gsize, s.seg[CS].selector);
        st.push(gsize, s.eip);
        if (eip > target.lim_hi) fault(kGP, 0);
        set_descriptor_accessed(nss, sdesc);
        set_cache_from_descriptor(s.seg[SS], nss, sdesc);
        if (new_ss.big())
            s.gpr[ESP].r32 = st.esp;
        else
            s.gpr[ESP].r16 = u16(st.esp);
        load_cs_for_transfer(csel, cdesc, dpl);
        s.eip = eip;
        return;
    }
    StackWriter st{*this, s.seg[SS], sp(), s.cpl == 3, 0};
    st.push(gsize, s.seg[CS].selector);
    st.push(gsize, s.eip);
    if (eip > target.lim_hi) fault(kGP, 0);
    load_cs_for_transfer(csel, cdesc, s.cpl);
    set_sp(st.esp);
    s.eip = eip;
}

// After a return to an outer privilege level, data segments the new level may not use are nulled.
static void null_inaccessible_segments(Cpu& c) {
    for (unsigned sr : {ES, DS, FS, GS}) {
        SegmentCache& sc = c.s.seg[sr];
        if (!sc.valid || sc.access == 0) continue;
        bool code = sc.type() & 8;
        bool conf = code && (sc.type() & 4);
        if (sc.dpl() < c.s.cpl && !conf) {
            sc.selector = 0;
            sc.valid = false;
            sc.access = 0;
        }
    }
}

// Checks the CS of a RET/IRET return and loads CS, SS:ESP (outer) as needed. `frame` is the size
// of the EIP/CS(/EFLAGS) part already read; `extra` bytes are released (RET imm).
static void return_to(Cpu& c, u16 csel, u32 eip, unsigned opsize, u32 frame, u32 extra) {
    u32 err = csel & 0xFFFC;
    if ((csel & 0xFFFC) == 0) c.fault(kGP, 0);
    u64 cdesc = c.read_descriptor(csel, err);
    unsigned rpl = csel & 3;
    if (rpl < c.s.cpl) c.fault(kGP, err);
    if (!is_segment(cdesc) || !is_code(cdesc)) c.fault(kGP, err);
    if (conforming(cdesc) ? desc_dpl(cdesc) > rpl : desc_dpl(cdesc) != rpl) c.fault(kGP, err);
    if (!desc_present(cdesc)) c.fault(kNP, err);
    SegmentCache target;
    Cpu::set_cache_from_descriptor(target, csel, cdesc);
    if (eip > target.lim_hi) c.fault(kGP, 0);
    if (rpl == c.s.cpl) {
        c.load_cs_for_transfer(csel, cdesc, rpl);
        c.set_sp(c.sp() + frame + extra);
        c.s.eip = eip;
        return;
    }
    // Return to an outer level: SS:ESP follow the frame.
    u32 nesp = opsize == 4 ? c.peek<4>(frame + extra) : c.peek<2>(frame + extra);
    u16 nss = u16(opsize == 4 ? c.peek<4>(frame + extra + 4) : c.peek<2>(frame + extra + 2));
    if ((nss & 0xFFFC) == 0) c.fault(kGP, 0);
    u64 sdesc = c.read_descriptor(nss, nss & 0xFFFC);
    if ((nss & 3) != rpl || desc_dpl(sdesc) != rpl || !is_segment(sdesc) || is_code(sdesc) ||
        !((sdesc >> 41) & 1))
        c.fault(kGP, nss & 0xFFFC);
    if (!desc_present(sdesc)) c.fault(kSS, nss & 0xFFFC);
    c.load_cs_for_transfer(csel, cdesc, rpl);
    c.set_descriptor_accessed(nss, sdesc);
    Cpu::set_cache_from_descriptor(c.s.seg[SS], nss, sdesc);
    if (c.s.seg[SS].big())
        c.s.gpr[ESP].r32 = nesp + extra;
    else
        c.s.gpr[ESP].r16 = u16(nesp + extra);
    c.s.eip = eip;
    null_inaccessible_segments(c);
}

void Cpu::ret_far(unsigned opsize, u16 pop_bytes) {
    if (!protected_mode() || v86()) {
        u32 eip = opsize == 4 ? peek<4>(0) : peek<2>(0);
        u16 cs = u16(opsize == 4 ? peek<4>(4) : peek<2>(2));
        load_segment_real(CS, cs);
        if (eip > s.seg[CS].lim_hi) fault(kGP, 0);
        set_sp(sp() + 2 * opsize + pop_bytes);
        s.eip = eip;
        return;
    }
    u32 eip = opsize == 4 ? peek<4>(0) : peek<2>(0);
    u16 cs = u16(opsize == 4 ? peek<4>(4) : peek<2>(2));
    return_to(*this, cs, eip, opsize, 2 * opsize, pop_bytes);
}

void Cpu::iret(unsigned opsize) {
    if (!protected_mode()) {
        u32 eip = opsize == 4 ? peek<4>(0) : peek<2>(0);
        u16 cs = u16(opsize == 4 ? peek<4>(4) : peek<2>(2));
        u32 fl = opsize == 4 ? peek<4>(8) : peek<2>(4);
        if (eip > 0xFFFF && s.seg[CS].lim_hi <= 0xFFFF) fault(kGP, 0);
        set_sp(sp() + 3 * opsize);
        load_segment_real(CS, cs);
        s.eip = eip;
        if (opsize == 4)
            write_eflags(fl, 0x257FD5);
        else
            write_eflags(fl, 0x7FD5);
        return;
    }
    if (v86()) {
        if (iopl() < 3) fault(kGP, 0);
        u32 eip = opsize == 4 ? peek<4>(0) : peek<2>(0);
        u16 cs = u16(opsize == 4 ? peek<4>(4) : peek<2>(2));
        u32 fl = opsize == 4 ? peek<4>(8) : peek<2>(4);
        if (eip > 0xFFFF) fault(kGP, 0);
        set_sp(sp() + 3 * opsize);
        load_segment_real(CS, cs);
        s.eip = eip;
        // IOPL, VM, VIP and VIF are not changed from V86 mode.
        write_eflags(fl, opsize == 4 ? 0x244DD5u : 0x4DD5u);
        return;
    }
    if (s.eflags & FLAG_NT) { // not one of the lazily kept arithmetic flags
        // Return from a nested task through the back link.
        u16 link = u16(read_sys(s.tr.base, 2));
        if (link & 4) fault(kTS, link & 0xFFFC);
        u64 desc;
        if (!fetch_descriptor(link, desc)) fault(kTS, link & 0xFFFC);
        unsigned t = desc_type(desc);
        if (is_segment(desc) || (t != 3 && t != 11)) fault(kTS, link & 0xFFFC);
        if (!desc_present(desc)) fault(kNP, link & 0xFFFC);
        task_switch(link, desc, 2);
        return;
    }
    u32 eip = opsize == 4 ? peek<4>(0) : peek<2>(0);
    u16 cs = u16(opsize == 4 ? peek<4>(4) : peek<2>(2));
    u32 fl = opsize == 4 ? peek<4>(8) : peek<2>(4);
    if (opsize == 4 && (fl & FLAG_VM) && s.cpl == 0) {
        // Return to virtual-8086 mode: the frame also holds ESP, SS, ES, DS, FS, GS.
        u32 nesp = peek<4>(12);
        u16 nss = u16(peek<4>(16)), nes = u16(peek<4>(20)), nds = u16(peek<4>(24));
        u16 nfs = u16(peek<4>(28)), ngs = u16(peek<4>(32));
        write_eflags(fl, 0x3F7FD5);
        s.cpl = 3;
        load_segment_real(CS, cs);
        load_segment_real(SS, nss);
        load_segment_real(ES, nes);
        load_segment_real(DS, nds);
        load_segment_real(FS, nfs);
        load_segment_real(GS, ngs);
        s.gpr[ESP].r32 = nesp;
        s.eip = eip & 0xFFFF;
        update_mode();
        return;
    }
    unsigned old_cpl = s.cpl;
    unsigned old_iopl = iopl();
    return_to(*this, cs, eip, opsize, 3 * opsize, 0);
    u32 mask =
        FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_TF | FLAG_DF | FLAG_OF | FLAG_NT;
    if (opsize == 4) mask |= FLAG_RF | FLAG_AC | FLAG_ID;
    if (old_cpl <= old_iopl) mask |= FLAG_IF;
    if (old_cpl == 0) mask |= FLAG_IOPL | (opsize == 4 ? FLAG_VIF | FLAG_VIP : 0);
    write_eflags(fl, mask);
}

} // namespace vmi86
