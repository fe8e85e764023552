// The one interrupt and exception delivery path for every engine: real-mode IVT, protected-mode
// IDT with interrupt, trap and task gates, privilege changes, V86 exits, error codes.
#include "cpu/cpu.h"
#include "cpu/stack_writer.h"

namespace vmi86 {

namespace {
unsigned desc_dpl(u64 desc) { return (desc >> 45) & 3; }
bool desc_present(u64 desc) { return (desc >> 47) & 1; }
} // namespace

void Cpu::interrupt(u8 vector, IntKind kind, bool has_error, u32 error) {
    const bool software = kind == IntKind::Software || kind == IntKind::Int3Into;
    s.halted = false;
    if (!protected_mode()) {
        u32 entry = vector * 4u;
        if (entry + 3 > s.idtr.limit) fault(kGP, 0);
        u32 target = read_sys(s.idtr.base + entry, 4);
        u32 fl = eflags();
        u32 old_sp = sp();
        try {
            push<2>(fl);
            push<2>(s.seg[CS].selector);
            push<2>(s.eip);
        } catch (...) {
            set_sp(old_sp);
            throw;
        }
        s.eflags = fl & ~(FLAG_IF | FLAG_TF | FLAG_AC | FLAG_RF);
        s.lazy.op = FlagOp::None;
        load_segment_real(CS, u16(target >> 16));
        s.eip = target & 0xFFFF;
        update_mode();
        return;
    }
    // INT n is IOPL-sensitive in V86 mode; INT3 and INTO are not (they meet the gate DPL check).
    if (kind == IntKind::Software && v86() && iopl() < 3) fault(kGP, 0);
    const u32 ext = software ? 0 : 1;
    u32 entry = vector * 8u;
    if (entry + 7 > s.idtr.limit) fault(kGP, entry + 2 + ext);
    u64 gate =
        u64(read_sys(s.idtr.base + entry, 4)) | (u64(read_sys(s.idtr.base + entry + 4, 4)) << 32);
    unsigned type = (gate >> 40) & 0x1F; // includes the S bit, which must be 0
    if (type != 5 && type != 6 && type != 7 && type != 14 && type != 15)
        fault(kGP, entry + 2 + ext);
    if (software && desc_dpl(gate) < s.cpl) fault(kGP, entry + 2);
    if (!desc_present(gate)) fault(kNP, entry + 2 + ext);
    if (type == 5) {
        u16 tss_sel = u16(gate >> 16);
        if (tss_sel & 4) fault(kTS, (tss_sel & 0xFFFC) + ext);
        u64 tss;
        if (!fetch_descriptor(tss_sel, tss)) fault(kTS, (tss_sel & 0xFFFC) + ext);
        unsigned t = (tss >> 40) & 0x1F;
        if (t != 1 && t != 9) fault(kTS, (tss_sel & 0xFFFC) + ext);
        if (!desc_present(tss)) fault(kNP, (tss_sel & 0xFFFC) + ext);
        task_switch(tss_sel, tss, 3, has_error, error);
        return;
    }
    const unsigned gsize = (type & 8) ? 4 : 2;
    const bool trap = type & 1;
    u16 csel = u16(gate >> 16);
    u32 eip = u32(gate & 0xFFFF) | (gsize == 4 ? u32(gate >> 32) & 0xFFFF0000u : 0);
    if ((csel & 0xFFFC) == 0) fault(kGP, ext);
    u64 cdesc;
    if (!fetch_descriptor(csel, cdesc)) fault(kGP, (csel & 0xFFFC) + ext);
    bool is_code = ((cdesc >> 43) & 3) == 3; // S=1 and code
    unsigned dpl = desc_dpl(cdesc);
    if (!is_code || dpl > s.cpl) fault(kGP, (csel & 0xFFFC) + ext);
    if (!desc_present(cdesc)) fault(kNP, (csel & 0xFFFC) + ext);
    bool conf = (cdesc >> 42) & 1;
    SegmentCache target;
    set_cache_from_descriptor(target, csel, cdesc);
    const u32 fl = eflags();
    const bool from_v86 = fl & FLAG_VM;

    if (!conf && dpl < s.cpl) {
        if (from_v86 && dpl != 0) fault(kGP, (csel & 0xFFFC) + ext);
        bool tss32 = (s.tr.type() & 8) != 0;
        u32 off = tss32 ? 4 + 8 * dpl : 2 + 4 * dpl;
        if (off + (tss32 ? 7 : 3) > s.tr.limit) fault(kTS, (s.tr.selector & 0xFFFC) + ext);
        u32 nesp = tss32 ? read_sys(s.tr.base + off, 4) : read_sys(s.tr.base + off, 2);
        u16 nss = u16(tss32 ? read_sys(s.tr.base + off + 4, 2) : read_sys(s.tr.base + off + 2, 2));
        if ((nss & 0xFFFC) == 0) fault(kTS, ext);
        u64 sdesc;
        if (!fetch_descriptor(nss, sdesc)) fault(kTS, (nss & 0xFFFC) + ext);
        if ((nss & 3) != dpl || desc_dpl(sdesc) != dpl || ((sdesc >> 43) & 3) != 2 ||
            !((sdesc >> 41) & 1))
            fault(kTS, (nss & 0xFFFC) + ext);
        if (!desc_present(sdesc)) fault(kSS, (nss & 0xFFFC) + ext);
        SegmentCache new_ss;
        set_cache_from_descriptor(new_ss, nss, sdesc);
        StackWriter w{*this, new_ss, nesp, false, u32(nss & 0xFFFC) + ext};
        if (from_v86) {
            w.push(gsize, s.seg[GS].selector);
            w.push(gsize, s.seg[FS].selector);
            w.push(gsize, s.seg[DS].selector);
            w.push(gsize, s.seg[ES].selector);
        }
        w.push(gsize, s.seg[SS].selector);
        w.push(gsize, s.gpr[ESP].r32);
        w.push(gsize, fl);
        w.push(gsize, s.seg[CS].selector);
        w.push(gsize, s.eip);
        if (has_error) w.push(gsize, error);
        if (eip > target.lim_hi) fault(kGP, ext);
        if (from_v86) {
            for (unsigned sr : {ES, DS, FS, GS}) {
                s.seg[sr] = SegmentCache{};
                s.seg[sr].selector = 0;
                s.seg[sr].valid = false;
                s.seg[sr].access = 0;
                s.seg[sr].attr = 0;
            }
        }
        set_descriptor_accessed(nss, sdesc);
        set_cache_from_descriptor(s.seg[SS], nss, sdesc);
        if (new_ss.big())
            s.gpr[ESP].r32 = w.esp;
        else
            s.gpr[ESP].r16 = u16(w.esp);
        s.eflags = fl & ~(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM | (trap ? 0 : FLAG_IF));
        s.lazy.op = FlagOp::None;
        load_cs_for_transfer(csel, cdesc, dpl);
        s.eip = eip;
        return;
    }
    if (from_v86) fault(kGP, (csel & 0xFFFC) + ext);
    StackWriter w{*this, s.seg[SS], sp(), s.cpl == 3, ext};
    w.push(gsize, fl);
    w.push(gsize, s.seg[CS].selector);
    w.push(gsize, s.eip);
    if (has_error) w.push(gsize, error);
    if (eip > target.lim_hi) fault(kGP, ext);
    set_sp(w.esp);
    s.eflags = fl & ~(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM | (trap ? 0 : FLAG_IF));
    s.lazy.op = FlagOp::None;
    load_cs_for_transfer(csel, cdesc, s.cpl);
    s.eip = eip;
}

} // namespace vmi86
