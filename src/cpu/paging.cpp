// Linear -> physical translation: two-level paging with 4 KiB and 4 MiB (PSE) pages, global pages,
// CR0.WP, A/D bit updates exactly as the hardware walker does them, and the soft TLB.
#include "cpu/cpu.h"

namespace vmi86 {

namespace {
constexpr u32 PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80,
              PTE_G = 0x100;
} // namespace

u32 Cpu::translate(u32 lin, Access acc, bool user, WalkResult* walk) {
    u32 a20 = mem.a20_mask();
    if (!(s.cr0 & CR0_PG)) return lin & a20;
    bool write = acc == Access::Write;
    auto page_fault = [&](bool present) {
        s.cr2 = lin;
        fault(kPF, (present ? 1u : 0u) | (write ? 2u : 0u) | (user ? 4u : 0u));
    };
    u32 pde_addr = ((s.cr3 & 0xFFFFF000u) | ((lin >> 20) & 0xFFC)) & a20;
    u32 pde = mem.read_aligned32(pde_addr);
    if (!(pde & PTE_P)) page_fault(false);
    bool big = (pde & PTE_PS) && (s.cr4 & CR4_PSE);
    u32 pte = 0, pte_addr = 0, flags;
    if (big) {
        flags = pde;
    } else {
        pte_addr = ((pde & 0xFFFFF000u) | ((lin >> 10) & 0xFFC)) & a20;
        pte = mem.read_aligned32(pte_addr);
        if (!(pte & PTE_P)) page_fault(false);
        flags = pde & pte;
    }
    const bool writable = (flags & PTE_W) || (!user && !(s.cr0 & CR0_WP));
    if (write && !writable) page_fault(true);
    if (user && !(flags & PTE_U)) page_fault(true);
    // Accessed and dirty bits, set only when the access is allowed.
    u32 leaf = big ? pde : pte;
    const u32 nleaf = leaf | PTE_A | (write ? PTE_D : 0);
    if (!big && !(pde & PTE_A)) mem.write_aligned32(pde_addr, pde | PTE_A);
    if (nleaf != leaf) mem.write_aligned32(big ? pde_addr : pte_addr, nleaf);
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
    const unsigned set = user ? 1 : 0, index = (lin >> 12) & (kTlbSize - 1);
    const u32 page = lin & ~0xFFFu;
    // Replacing the translation of a code page makes the block links made with it stale: an
    // INVLPG of that page would no longer find it here (see invlpg()).
    const TlbEntry& old = tlb_->entry[set][index];
    if (old.read_tag != 1 && (old.read_tag != page || old.phys_page != (phys & ~0xFFFu)) &&
        blocks_.page_has_code(old.phys_page)) {
        renew_chain_epochs(tlbs_.current(), 1u << set);
        select_tlb();
    }
    const TlbSource source{walk.pd_page, walk.pt_page, tlbs_.next_event()};
    if (walk.global) tlbs_.current().may_hold_global = true;
    TlbEntry& e = tlb_->fill(set, index, walk.global, source);
    e.read_tag = page;
    e.addend = reinterpret_cast<uintptr_t>(p.host) - page;
    e.phys_page = phys & ~0xFFFu;
    e.write_tag = (writable && p.kind == PageKind::Ram && !blocks_.page_has_code(phys)) ? page : 1;
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
    // A global flush comes with a change of paging mode or of the memory map: it applies to
    // the TLBs of every address space.
    if (include_global) {
        tlbs_.for_each_in_use([this](TlbContexts::Context& c) {
            c.tlb->flush(true);
            c.may_hold_global = false;
            renew_chain_epochs(c);
        });
    } else {
        tlb_->flush(false);
        renew_chain_epochs(tlbs_.current());
    }
    select_tlb();
}

void Cpu::invlpg(u32 lin) {
    const unsigned idx = (lin >> 12) & (kTlbSize - 1);
    // As with PCIDs: the current address space loses the page, the others their global entry
    // for it (their own entries stay unless an announced store changed them; tlb_contexts.h).
    // Block links rest on the translations of code pages, and a TLB set that held one for a
    // page keeps it until INVLPG or a flush (fill_tlb() renews the epoch when it replaces one),
    // so a set's links are stale only if the page's entry is there and maps code.
    tlbs_.for_each_in_use([&](TlbContexts::Context& c) {
        const bool current = &c == &tlbs_.current();
        if (!current && !c.may_hold_global) return;
        unsigned stale = 0;
        for (unsigned set = 0; set < 2; ++set) {
            if (!current && !c.tlb->global[set][idx]) continue;
            TlbEntry& e = c.tlb->entry[set][idx];
            if (e.read_tag == (lin & ~0xFFFu) && blocks_.page_has_code(e.phys_page))
                stale |= 1u << set;
            e = TlbEntry{};
            c.tlb->global[set][idx] = 0;
        }
        if (stale) renew_chain_epochs(c, stale);
    });
    select_tlb();
}

void Cpu::switch_address_space(u32 cr3) {
    s.cr3 = cr3 & 0xFFFFF018u;
    const unsigned stale = tlbs_.switch_to(s.cr3, blocks_);
    renew_chain_epochs(tlbs_.current(), stale);
    select_tlb();
}

void Cpu::page_table_written(u32 lin) {
    // The store just made (SetPxE) filled the TLB entry; for an UpdatePxE of an entry not in
    // the TLB, count it as a write to any entry rather than walk (a walk has side effects: A
    // bits, CR2).
    const TlbEntry* e = tlb_hit(lin);
    tlbs_.page_table_written(e ? e->phys_page | (lin & 0xFFF) : TlbContexts::kUnknownEntry);
}

} // namespace vmi86
