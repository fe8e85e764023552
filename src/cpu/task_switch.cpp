// Hardware task switches through TSS descriptors and task gates (JMP, CALL, IRET with NT,
// interrupts and exceptions), for 16-bit and 32-bit TSSs.
#include "cpu/cpu.h"

namespace vmi86 {

namespace {
enum Reason { kJmp = 0, kCall = 1, kIret = 2, kInt = 3 };

void set_busy(Cpu& c, u16 sel, bool busy) {
    u32 a = c.descriptor_address(sel) + 5;
    u32 b = c.read_sys(a, 1);
    c.write_sys(a, 1, busy ? (b | 2) : (b & ~2u));
}
} // namespace

void Cpu::task_switch(u16 sel, u64 desc, int reason, bool has_error, u32 error) {
    const u32 err = sel & 0xFFFC;
    const unsigned new_type = (desc >> 40) & 0xF;
    const bool new32 = new_type & 8;
    SegmentCache ntss;
    set_cache_from_descriptor(ntss, sel, desc);
    if (ntss.limit < (new32 ? 0x67u : 0x2Bu)) fault(kTS, err);

    // Read the whole new state first: a fault here leaves the old task untouched.
    const u32 nb = ntss.base;
    u32 ncr3 = 0, neip, nfl, nregs[8];
    u16 nsel[6] = {}, nldt;
    if (new32) {
        ncr3 = read_sys(nb + 0x1C, 4);
        neip = read_sys(nb + 0x20, 4);
        nfl = read_sys(nb + 0x24, 4);
        for (unsigned i = 0; i < 8; ++i) nregs[i] = read_sys(nb + 0x28 + 4 * i, 4);
        for (unsigned i = 0; i < 6; ++i) nsel[i] = u16(read_sys(nb + 0x48 + 4 * i, 2));
        nldt = u16(read_sys(nb + 0x60, 2));
    } else {
        neip = read_sys(nb + 0x0E, 2);
        nfl = read_sys(nb + 0x10, 2) | (eflags() & 0xFFFF0000u & ~FLAG_VM);
        for (unsigned i = 0; i < 8; ++i)
            nregs[i] = (s.gpr[i].r32 & 0xFFFF0000u) | read_sys(nb + 0x12 + 2 * i, 2);
        for (unsigned i = 0; i < 4; ++i) nsel[i] = u16(read_sys(nb + 0x22 + 2 * i, 2));
        nldt = u16(read_sys(nb + 0x2A, 2));
    }

    // Save the outgoing state into the current TSS.
    const u32 ob = s.tr.base;
    const bool old32 = s.tr.type() & 8;
    u32 ofl = eflags();
    if (reason == kIret) ofl &= ~FLAG_NT;
    if (old32) {
        write_sys(ob + 0x20, 4, s.eip);
        write_sys(ob + 0x24, 4, ofl);
        for (unsigned i = 0; i < 8; ++i) write_sys(ob + 0x28 + 4 * i, 4, s.gpr[i].r32);
        for (unsigned i = 0; i < 6; ++i) write_sys(ob + 0x48 + 4 * i, 2, s.seg[i].selector);
    } else {
        write_sys(ob + 0x0E, 2, s.eip);
        write_sys(ob + 0x10, 2, ofl);
        for (unsigned i = 0; i < 8; ++i) write_sys(ob + 0x12 + 2 * i, 2, s.gpr[i].r16);
        for (unsigned i = 0; i < 4; ++i) write_sys(ob + 0x22 + 2 * i, 2, s.seg[i].selector);
    }
    if (reason == kJmp || reason == kIret) set_busy(*this, s.tr.selector, false);
    if (reason == kCall || reason == kInt) {
        write_sys(nb, 2, s.tr.selector);
        nfl |= FLAG_NT;
    }
    if (reason != kIret) set_busy(*this, sel, true);

    // Load the new task.
    u64 busy_desc = desc | (2ull << 40);
    set_cache_from_descriptor(s.tr, sel, busy_desc);
    s.cr0 |= CR0_TS;
    if (new32 && (s.cr0 & CR0_PG) && ncr3 != s.cr3) write_cr3(ncr3);
    s.eip = neip;
    for (unsigned i = 0; i < 8; ++i) s.gpr[i].r64 = nregs[i];
    s.eflags = (nfl & 0x003F7FD5u) | 2;
    s.lazy.op = FlagOp::None;
    // Selectors are loaded first (so a fault is reported in the new task), then checked.
    for (unsigned i = 0; i < 6; ++i) s.seg[i].selector = nsel[i];
    s.ldtr.selector = nldt;
    s.ldtr.valid = false;
    if (nldt & 4) fault(kTS, nldt & 0xFFFC);
    if (nldt & 0xFFFC) {
        u64 ldesc;
        if (!fetch_descriptor(nldt, ldesc)) fault(kTS, nldt & 0xFFFC);
        if (((ldesc >> 40) & 0x1F) != 2) fault(kTS, nldt & 0xFFFC);
        if (!((ldesc >> 47) & 1)) fault(kTS, nldt & 0xFFFC);
        set_cache_from_descriptor(s.ldtr, nldt, ldesc);
    }
    if (s.eflags & FLAG_VM) {
        s.cpl = 3;
        for (unsigned i = 0; i < 6; ++i) load_segment_real(i, nsel[i]);
    } else {
        u16 cs = nsel[CS];
        s.cpl = cs & 3;
        update_mode();
        // CS
        if ((cs & 0xFFFC) == 0) fault(kTS, 0);
        u64 cdesc;
        if (!fetch_descriptor(cs, cdesc)) fault(kTS, cs & 0xFFFC);
        bool code = ((cdesc >> 43) & 3) == 3;
        bool conf = (cdesc >> 42) & 1;
        unsigned cdpl = (cdesc >> 45) & 3;
        if (!code || (conf ? cdpl > (cs & 3u) : cdpl != (cs & 3u))) fault(kTS, cs & 0xFFFC);
        if (!((cdesc >> 47) & 1)) fault(kNP, cs & 0xFFFC);
        set_descriptor_accessed(cs, cdesc);
        set_cache_from_descriptor(s.seg[CS], cs, cdesc);
        // SS and the data segments: #TS instead of #GP for bad descriptors.
        for (unsigned sr : {SS, ES, DS, FS, GS}) {
            if (sr >= 4 && !new32) {
                s.seg[sr] = SegmentCache{};
                s.seg[sr].valid = false;
                s.seg[sr].access = 0;
                s.seg[sr].attr = 0;
                continue;
            }
            try {
                load_segment(sr, nsel[sr]);
            } catch (const GuestFault& f) {
                if (f.vector == kGP) fault(kTS, f.error);
                throw;
            }
        }
    }
    update_mode();
    if (has_error) {
        if (new32)
            push<4>(error);
        else
            push<2>(error);
    }
    if (s.eip > s.seg[CS].lim_hi) fault(kGP, 0);
}

} // namespace vmi86
