// Linear -> physical translation: two-level paging with 4 KiB and 4 MiB (PSE) pages, global pages,
// CR0.WP, A/D bit updates exactly as the hardware walker does them, and the soft TLB.
#include "cpu/cpu.h"

namespace vmi86 {

namespace {
constexpr u32 PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80,
              PTE_G = 0x100;
}

u32 Cpu::translate(u32 lin, Access acc, bool user, WalkResult* walk) {
    u32 a20 = mem.a20_mask();
    if (!(s.cr0 & CR0_PG)) return lin & a20;
    bool write = acc == Access::Write;
    auto page_fault = [&](bool present) {
        s.cr2 = lin;
        fault(kPF, (present ? 1u : 0u) | (write ? 2u : 0u) | (user ? 4u : 0u));
    };
    u32 pde_addr = ((s.cr3 & 0xFFFFF000u) | ((lin >> 20) & 0xFFC)) & a20;
    u32 pde = mem.read(pde_addr, 4);
    if (!(pde & PTE_P)) page_fault(false);
    bool big = (pde & PTE_PS) && (s.cr4 & CR4_PSE);
    u32 pte = 0, pte_addr = 0, flags;
    if (big) {
        flags = pde;
    } else {
        pte_addr = ((pde & 0xFFFFF000u) | ((lin >> 10) & 0xFFC)) & a20;
        pte = mem.read(pte_addr, 4);
        if (!(pte & PTE_P)) page_fault(false);
        flags = pde & pte;
    }
    const bool writable = (flags & PTE_W) || (!user && !(s.cr0 & CR0_WP));
    if (write && !writable) page_fault(true);
    if (user && !(flags & PTE_U)) page_fault(true);
    // Accessed and dirty bits, set only when the access is allowed.
    u32 leaf = big ? pde : pte;
    const u32 nleaf = leaf | PTE_A | (write ? PTE_D : 0);
    if (!big && !(pde & PTE_A)) mem.write(pde_addr, 4, pde | PTE_A);
    if (nleaf != leaf) mem.write(big ? pde_addr : pte_addr, 4, nleaf);
    if (walk) {
        walk->pd_page = pde_addr >> 12;
        walk->pt_page = pte_addr >> 12;
        walk->global = (s.cr4 & CR4_PGE) && (leaf & PTE_G);
        // Later writes may skip the walker only when allowed and the page is already dirty.
        walk->write_ready = writable && (nleaf & PTE_D);
    }
    if (big) return ((pde & 0xFFC00000u) | (lin & 0x3FFFFF)) & a20;
    return ((pte & 0xFFFFF000u) | (lin & 0xFFF)) & a20;
}

void Cpu::fill_tlb(u32 lin, u32 phys, bool writable, const WalkResult& walk, bool user) {
    const PageInfo& p = mem.page(phys);
    if (p.kind != PageKind::Ram && p.kind != PageKind::Rom) return;
    unsigned idx = (lin >> 12) & (kTlbSize - 1);
    TlbEntry& e = tlb_[user ? 1 : 0][idx];
    if (!tlb_listed_[user ? 1 : 0][idx]) {
        tlb_listed_[user ? 1 : 0][idx] = 1;
        tlb_filled_[user ? 1 : 0].push_back(u16(idx));
    }
    u32 page = lin & ~0xFFFu;
    e.read_tag = page;
    e.addend = reinterpret_cast<uintptr_t>(p.host) - page;
    e.phys_page = phys & ~0xFFFu;
    e.write_tag = (writable && p.kind == PageKind::Ram && !blocks_.page_has_code(phys)) ? page : 1;
    tlb_global_[user ? 1 : 0][idx] = walk.global ? 1 : 0;
    tlb_source_[user ? 1 : 0][idx] = {walk.pd_page, walk.pt_page, address_spaces_.next_event()};
}

u32 Cpu::read_lin_slow(u32 lin, unsigned size, bool user) {
    if ((lin & 0xFFF) + size > 0x1000) {
        u32 v = 0;
        for (unsigned i = 0; i < size; ++i) v |= read_lin_slow(lin + i, 1, user) << (8 * i);
        return v;
    }
    WalkResult walk;
    u32 phys = translate(lin, Access::Read, user, &walk);
    fill_tlb(lin, phys, walk.write_ready, walk, user);
    return mem.read(phys, size);
}

void Cpu::write_lin_slow(u32 lin, unsigned size, u32 v, bool user) {
    if ((lin & 0xFFF) + size > 0x1000) {
        // Both pages are checked before any byte is written.
        u32 first = 0x1000 - (lin & 0xFFF);
        translate(lin, Access::Write, user);
        translate(lin + first, Access::Write, user);
        for (unsigned i = 0; i < size; ++i) write_lin_slow(lin + i, 1, v >> (8 * i), user);
        return;
    }
    WalkResult walk;
    u32 phys = translate(lin, Access::Write, user, &walk);
    if (blocks_.page_has_code(phys)) invalidate_code(phys, size);
    mem.write(phys, size, v);
    fill_tlb(lin, phys, true, walk, user);
}

void Cpu::flush_tlb(bool include_global) {
    ++chain_epoch_;
    // A global flush comes with a change of paging mode or of the memory map.
    if (include_global) address_spaces_.clear();
    for (unsigned set = 0; set < 2; ++set) {
        std::vector<u16>& filled = tlb_filled_[set];
        size_t kept = 0;
        for (u16 i : filled) {
            if (include_global || !tlb_global_[set][i]) {
                tlb_[set][i] = TlbEntry{};
                tlb_global_[set][i] = 0;
                tlb_listed_[set][i] = 0;
            } else {
                filled[kept++] = i;
            }
        }
        filled.resize(kept);
    }
}

void Cpu::invlpg(u32 lin) {
    ++chain_epoch_;
    unsigned idx = (lin >> 12) & (kTlbSize - 1);
    for (unsigned set = 0; set < 2; ++set) {
        tlb_[set][idx] = TlbEntry{};
        tlb_global_[set][idx] = 0;
    }
}

void Cpu::switch_address_space(u32 cr3) {
    // Keep the non-global entries of the space left (the global ones stay in the TLB anyway).
    // Whether each is still what a walk would give is decided when it comes back.
    auto& kept = address_spaces_.keep(s.cr3);
    for (u8 set = 0; set < 2; ++set)
        for (u16 i : tlb_filled_[set])
            if (!tlb_global_[set][i] && tlb_[set][i].read_tag != 1)
                kept.push_back({i, set, tlb_[set][i], tlb_source_[set][i]});
    write_cr3(cr3);
    const auto* back = address_spaces_.find(s.cr3);
    if (!back) return;
    // Entries mostly share their page directory and a few page tables: remember the last
    // lookups.
    u32 pd = ~0u, pt = ~0u;
    u64 pd_written = 0, pt_written = 0;
    const u64 floor = address_spaces_.floor();
    for (const AddressSpaceCache::SavedEntry& e : *back) {
        // A slot holding a global entry keeps it: a TLB may always drop an entry.
        if (tlb_[e.set][e.index].read_tag != 1) continue;
        if (e.source.pd_page != pd) {
            pd = e.source.pd_page;
            pd_written = address_spaces_.last_write(pd);
        }
        if (e.source.pt_page != pt) {
            pt = e.source.pt_page;
            pt_written = address_spaces_.last_write(pt);
        }
        // Not if an announced update may have changed it since it was filled.
        if (e.source.filled <= floor || e.source.filled <= pd_written ||
            e.source.filled <= pt_written)
            continue;
        tlb_[e.set][e.index] = e.entry;
        tlb_source_[e.set][e.index] = e.source;
        if (!tlb_listed_[e.set][e.index]) {
            tlb_listed_[e.set][e.index] = 1;
            tlb_filled_[e.set].push_back(e.index);
        }
    }
    address_spaces_.release(s.cr3);
}

void Cpu::page_table_written(u32 lin) {
    // The store just made (SetPxE) filled the TLB entry; for an UpdatePxE of an entry not in
    // the TLB, forget everything rather than walk (a walk has side effects: A bits, CR2).
    const TlbEntry& e = tlb_now_[(lin >> 12) & (kTlbSize - 1)];
    if (e.read_tag == (lin & ~0xFFFu))
        address_spaces_.page_table_written(e.phys_page >> 12);
    else
        address_spaces_.clear();
}

} // namespace vmi86
