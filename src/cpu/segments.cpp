// Segment registers and descriptors: loads with every protected-mode check, real and V86 mode
// loads, and the descriptor table accesses they need.
#include "cpu/cpu.h"

namespace vmi86 {

void Cpu::set_cache_from_descriptor(SegmentCache& sc, u16 selector, u64 desc) {
    u32 lo = u32(desc), hi = u32(desc >> 32);
    sc.selector = selector;
    sc.base = (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u);
    u32 limit = (lo & 0xFFFF) | (hi & 0xF0000);
    if (hi & (1u << 23)) limit = (limit << 12) | 0xFFF;
    sc.limit = limit;
    sc.attr = u16(((hi >> 8) & 0xFF) | ((hi >> 8) & 0xF000));
    sc.valid = true;
    unsigned type = sc.attr & 0xF;
    bool code = type & 8;
    if (!(sc.attr & 0x10)) {
        sc.access = 0; // system segment (LDT, TSS): never addressed through a segment register
    } else if (code) {
        sc.access = (type & 2) ? 1 : 0;
    } else {
        sc.access = (type & 2) ? 3 : 1;
    }
    if (!code && (sc.attr & 0x10) && (type & 4)) {
        sc.lim_lo = limit + 1;
        sc.lim_hi = sc.big() ? 0xFFFFFFFFu : 0xFFFFu;
        if (limit == 0xFFFFFFFFu) sc.access = 0;
    } else {
        sc.lim_lo = 0;
        sc.lim_hi = limit;
    }
}

u32 Cpu::descriptor_address(u16 selector) const {
    u32 base = (selector & 4) ? s.ldtr.base : s.gdtr.base;
    return base + (selector & 0xFFF8);
}

bool Cpu::fetch_descriptor(u16 selector, u64& desc) {
    u32 limit = (selector & 4) ? (s.ldtr.valid ? s.ldtr.limit : 0) : s.gdtr.limit;
    if ((selector & 4) && !s.ldtr.valid) return false;
    if (u32(selector | 7) > limit) return false;
    u32 a = descriptor_address(selector);
    desc = u64(read_sys(a, 4)) | (u64(read_sys(a + 4, 4)) << 32);
    return true;
}

u64 Cpu::read_descriptor(u16 selector, u32 error_code) {
    u64 desc;
    if (!fetch_descriptor(selector, desc)) fault(kGP, error_code);
    return desc;
}

void Cpu::set_descriptor_accessed(u16 selector, u64& desc) {
    if (desc & (1ull << 40)) return;
    desc |= 1ull << 40;
    u32 a = descriptor_address(selector) + 5;
    write_sys(a, 1, u32(desc >> 40) & 0xFF);
}

void Cpu::load_segment_real(unsigned sr, u16 selector) {
    SegmentCache& sc = s.seg[sr];
    sc.selector = selector;
    sc.base = u32(selector) << 4;
    if (v86()) {
        sc.limit = 0xFFFF;
        sc.lim_lo = 0;
        sc.lim_hi = 0xFFFF;
        sc.attr = sr == CS ? 0xFB : 0xF3;
        sc.access = 3;
        sc.valid = true;
    } else if (!sc.valid || sc.access == 0) {
        // A real-mode load makes a segment usable again, keeping its limit (unreal mode).
        sc.valid = true;
        sc.access = 3;
        sc.attr = (sc.attr & 0xFF00) | 0x93;
        if (sc.lim_hi == 0 && sc.lim_lo == 0) sc.lim_hi = 0xFFFF;
    }
}

void Cpu::load_segment(unsigned sr, u16 selector) {
    if (!protected_mode() || v86()) {
        load_segment_real(sr, selector);
        return;
    }
    const u32 err = selector & 0xFFFC;
    if ((selector & 0xFFFC) == 0) {
        if (sr == SS) fault(kGP, 0);
        SegmentCache& sc = s.seg[sr];
        sc = SegmentCache{};
        sc.selector = selector;
        sc.valid = false;
        sc.access = 0;
        sc.attr = 0;
        return;
    }
    u64 desc = read_descriptor(selector, err);
    SegmentCache tmp;
    set_cache_from_descriptor(tmp, selector, desc);
    unsigned rpl = selector & 3, dpl = tmp.dpl(), type = tmp.type();
    bool code = type & 8;
    if (tmp.is_system()) fault(kGP, err);
    if (sr == SS) {
        if (rpl != s.cpl || dpl != s.cpl || code || !(type & 2)) fault(kGP, err);
        if (!tmp.present()) fault(kSS, err);
    } else {
        if (code && !(type & 2)) fault(kGP, err); // execute-only code
        bool conforming_code = code && (type & 4);
        if (!conforming_code && (rpl > dpl || s.cpl > dpl)) fault(kGP, err);
        if (!tmp.present()) fault(kNP, err);
    }
    set_descriptor_accessed(selector, desc);
    set_cache_from_descriptor(s.seg[sr], selector, desc);
}

void Cpu::load_cs_for_transfer(u16 selector, u64 desc, unsigned new_cpl) {
    set_descriptor_accessed(selector, desc);
    set_cache_from_descriptor(s.seg[CS], u16((selector & 0xFFFC) | new_cpl), desc);
    s.cpl = new_cpl;
    update_mode();
}

void Cpu::seg_fault(unsigned sr, u32 off, bool write) {
    (void)off;
    (void)write;
    if (sr == SS) fault(kSS, 0);
    fault(kGP, 0);
}

} // namespace vmi86
