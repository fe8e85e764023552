// The tagged TLB behind VMI's SetCR3: one soft TLB per recent address space, kept across switches
// unless an announced page-table store since the space last ran may have changed an entry.
#include "cpu/block_cache.h"
#include "cpu/tlb_contexts.h"
#include <doctest/doctest.h>
#include <memory>

using namespace vmi86;

namespace {

constexpr unsigned kSupervisor = 0, kUser = 1;

// Two address spaces: page directories at 1 MiB and 2 MiB, their page tables just after.
constexpr u32 kCr3A = 0x100000, kCr3B = 0x200000;
constexpr u32 kDirA = kCr3A >> 12, kTableA = kDirA + 1, kOtherTableA = kDirA + 2;

// Fills the current space's entry for the linear page at `index` (in the first 4 MiB) with
// `phys`, as a walk through directory page `pd_page` and table page `pt_page` would.
TlbEntry& fill(TlbContexts& contexts, unsigned set, unsigned index, u32 pd_page, u32 pt_page,
               u32 phys, bool is_global = false) {
    TlbEntry& e = contexts.current().tlb->fill(set, index, is_global,
                                               TlbSource{pd_page, pt_page, contexts.next_event()});
    e.read_tag = index << 12;
    e.phys_page = phys;
    return e;
}

// Whether the current space still translates the linear page at `index`.
bool holds(TlbContexts& contexts, unsigned set, unsigned index) {
    return contexts.current().tlb->entry[set][index].read_tag == index << 12;
}

// The physical address of the PTE for linear page `index` in table page `pt_page`.
constexpr u32 pte_addr(u32 pt_page, unsigned index) { return pt_page << 12 | index * 4; }

// A store announced while the space `cr3` is away, then back to `cr3`; returns switch_to's answer.
unsigned store_while_away(TlbContexts& contexts, u32 cr3, u32 addr, const BlockCache& blocks) {
    contexts.switch_to(kCr3B, blocks);
    contexts.page_table_written(addr);
    return contexts.switch_to(cr3, blocks);
}

} // namespace

TEST_CASE("TlbContexts: switching back keeps a space's entries, a new space starts empty") {
    TlbContexts contexts;
    BlockCache no_code;
    // Entries of the space the CPU starts in must not show up in a new one.
    fill(contexts, kSupervisor, 5, 0, 1, 0x9000);
    CHECK(contexts.switch_to(kCr3A, no_code) == 3);
    CHECK(contexts.current().cr3 == kCr3A);
    CHECK(contexts.current().tlb->filled[kSupervisor].empty());
    CHECK_FALSE(holds(contexts, kSupervisor, 5));
    fill(contexts, kSupervisor, 5, kDirA, kTableA, 0x5000);
    fill(contexts, kUser, 7, kDirA, kTableA, 0x7000);

    CHECK(contexts.switch_to(kCr3B, no_code) == 3);
    CHECK_FALSE(holds(contexts, kSupervisor, 5));
    CHECK_FALSE(holds(contexts, kUser, 7));
    fill(contexts, kSupervisor, 5, kCr3B >> 12, (kCr3B >> 12) + 1, 0x15000);

    CHECK(contexts.switch_to(kCr3A, no_code) == 0);
    CHECK(holds(contexts, kSupervisor, 5));
    CHECK(contexts.current().tlb->entry[kSupervisor][5].phys_page == 0x5000);
    CHECK(holds(contexts, kUser, 7));
    CHECK(contexts.current().tlb->entry[kUser][7].phys_page == 0x7000);

    CHECK(contexts.switch_to(kCr3B, no_code) == 0);
    CHECK(contexts.current().tlb->entry[kSupervisor][5].phys_page == 0x15000);
}

TEST_CASE("TlbContexts: a PTE store drops only the entry filled from it before the store") {
    TlbContexts contexts;
    BlockCache no_code;
    contexts.switch_to(kCr3A, no_code);
    fill(contexts, kSupervisor, 5, kDirA, kTableA, 0x5000);
    fill(contexts, kUser, 5, kDirA, kTableA, 0x5000);
    fill(contexts, kSupervisor, 6, kDirA, kTableA, 0x6000);

    // The same slot of another page table maps another linear page: not these entries.
    CHECK(store_while_away(contexts, kCr3A, pte_addr(kOtherTableA, 5), no_code) == 0);
    CHECK(holds(contexts, kSupervisor, 5));
    CHECK(holds(contexts, kUser, 5));

    CHECK(store_while_away(contexts, kCr3A, pte_addr(kTableA, 5), no_code) == 0);
    CHECK_FALSE(holds(contexts, kSupervisor, 5));
    CHECK_FALSE(holds(contexts, kUser, 5));
    CHECK(holds(contexts, kSupervisor, 6));

    // SetPxE then an access while the space runs: the refill already saw the new PTE, so the
    // store, checked only when the space comes back, must not drop it.
    contexts.page_table_written(pte_addr(kTableA, 6));
    fill(contexts, kSupervisor, 6, kDirA, kTableA, 0x16000);
    contexts.switch_to(kCr3B, no_code);
    CHECK(contexts.switch_to(kCr3A, no_code) == 0);
    CHECK(holds(contexts, kSupervisor, 6));
    CHECK(contexts.current().tlb->entry[kSupervisor][6].phys_page == 0x16000);
}

TEST_CASE("TlbContexts: a store into the space's page directory drops every entry it walked") {
    TlbContexts contexts;
    BlockCache no_code;
    contexts.switch_to(kCr3A, no_code);
    fill(contexts, kSupervisor, 1, kDirA, kTableA, 0x1000);
    fill(contexts, kUser, 700, kDirA, kOtherTableA, 0x2000);
    // Left over from an earlier directory (a global page across a native CR3 write).
    constexpr u32 kEarlierDir = 0x300;
    fill(contexts, kSupervisor, 3, kEarlierDir, kEarlierDir + 1, 0x3000, true);

    // PDE 16 maps neither linear page, but a directory store may stand behind any entry.
    CHECK(store_while_away(contexts, kCr3A, pte_addr(kDirA, 16), no_code) == 0);
    CHECK_FALSE(holds(contexts, kSupervisor, 1));
    CHECK_FALSE(holds(contexts, kUser, 700));
    CHECK(holds(contexts, kSupervisor, 3));
}

TEST_CASE("TlbContexts: a store to an unknown entry drops every entry filled before it") {
    TlbContexts contexts;
    BlockCache no_code;
    contexts.switch_to(kCr3A, no_code);
    fill(contexts, kSupervisor, 1, kDirA, kTableA, 0x1000);
    fill(contexts, kUser, 2, kDirA, kOtherTableA, 0x2000, true);

    CHECK(store_while_away(contexts, kCr3A, TlbContexts::kUnknownEntry, no_code) == 0);
    CHECK_FALSE(holds(contexts, kSupervisor, 1));
    CHECK_FALSE(holds(contexts, kUser, 2));

    contexts.page_table_written(TlbContexts::kUnknownEntry);
    fill(contexts, kSupervisor, 3, kDirA, kTableA, 0x3000);
    contexts.switch_to(kCr3B, no_code);
    contexts.switch_to(kCr3A, no_code);
    CHECK(holds(contexts, kSupervisor, 3));
}

TEST_CASE("TlbContexts: more stores than the log holds flush the non-global entries") {
    TlbContexts contexts;
    BlockCache no_code;
    // Stores to a page table none of the entries came from: only their number matters.
    constexpr u32 kUnrelatedTable = 0x400;
    // Stores from before a space had a context concern none of its entries.
    for (unsigned i = 0; i < 1025; ++i) contexts.page_table_written(pte_addr(kUnrelatedTable, 0));
    contexts.switch_to(kCr3A, no_code);
    fill(contexts, kSupervisor, 1, kDirA, kTableA, 0x1000);
    fill(contexts, kSupervisor, 2, kDirA, kTableA, 0x2000, true);
    fill(contexts, kUser, 3, kDirA, kTableA, 0x3000);
    fill(contexts, kUser, 4, kDirA, kTableA, 0x4000, true);
    auto stores_while_away = [&](unsigned count) {
        contexts.switch_to(kCr3B, no_code);
        for (unsigned i = 0; i < count; ++i)
            contexts.page_table_written(pte_addr(kUnrelatedTable, i % kTlbSize));
        return contexts.switch_to(kCr3A, no_code);
    };

    // A full log still names every store: nothing to drop.
    CHECK(stores_while_away(1024) == 0);
    CHECK(holds(contexts, kSupervisor, 1));
    CHECK(holds(contexts, kUser, 3));

    CHECK(stores_while_away(1025) == 3);
    CHECK_FALSE(holds(contexts, kSupervisor, 1));
    CHECK_FALSE(holds(contexts, kUser, 3));
    CHECK(holds(contexts, kSupervisor, 2));
    CHECK(holds(contexts, kUser, 4));
}

TEST_CASE("TlbContexts: switch_to reports the sets that lost a code page's translation") {
    TlbContexts contexts;
    BlockCache blocks;
    constexpr u32 kCodePage = 0x5000, kDataPage = 0x6000, kOtherDataPage = 0x7000;
    auto block = std::make_unique<Block>();
    block->phys = kCodePage + 0x10;
    block->phys_end = kCodePage + 0x11;
    block->insns.push_back(DecodedInsn{});
    blocks.insert(std::move(block));
    REQUIRE(blocks.page_has_code(kCodePage));
    REQUIRE_FALSE(blocks.page_has_code(kDataPage));

    contexts.switch_to(kCr3A, blocks);
    fill(contexts, kSupervisor, 3, kDirA, kTableA, kCodePage);
    fill(contexts, kUser, 4, kDirA, kTableA, kDataPage);
    fill(contexts, kSupervisor, 8, kDirA, kTableA, kOtherDataPage);
    fill(contexts, kUser, 9, kDirA, kTableA, kCodePage);

    auto stores_while_away = [&](std::initializer_list<unsigned> indices) {
        contexts.switch_to(kCr3B, blocks);
        for (unsigned i : indices) contexts.page_table_written(pte_addr(kTableA, i));
        return contexts.switch_to(kCr3A, blocks);
    };
    // Dropped data pages need no new block links; a dropped code page marks its own set only.
    CHECK(stores_while_away({4, 8}) == 0);
    CHECK_FALSE(holds(contexts, kUser, 4));
    CHECK_FALSE(holds(contexts, kSupervisor, 8));
    CHECK(stores_while_away({9}) == 2);
    CHECK_FALSE(holds(contexts, kUser, 9));
    CHECK(holds(contexts, kSupervisor, 3));
    CHECK(stores_while_away({3}) == 1);
    CHECK_FALSE(holds(contexts, kSupervisor, 3));
}

TEST_CASE("TlbContexts: a ninth address space recycles the least recently used context") {
    TlbContexts contexts;
    BlockCache no_code;
    auto cr3_of = [](unsigned space) { return u32(space) << 20; };
    // Each space maps linear page 0 to a page of its own, so a leftover would show.
    auto own_phys = [](unsigned space) { return u32(space) << 12; };
    auto holds_own_entry = [&](unsigned space) {
        return holds(contexts, kSupervisor, 0) &&
               contexts.current().tlb->entry[kSupervisor][0].phys_page == own_phys(space);
    };
    // Spaces 1-7 take the free contexts; 8 recycles the one the CPU started in.
    for (unsigned space = 1; space <= 8; ++space) {
        CHECK(contexts.switch_to(cr3_of(space), no_code) == 3);
        fill(contexts, kSupervisor, 0, cr3_of(space) >> 12, (cr3_of(space) >> 12) + 1,
             own_phys(space));
    }
    // Back to space 1: space 2 is now the least recently used.
    CHECK(contexts.switch_to(cr3_of(1), no_code) == 0);
    CHECK(holds_own_entry(1));

    CHECK(contexts.switch_to(cr3_of(9), no_code) == 3);
    CHECK_FALSE(holds(contexts, kSupervisor, 0));
    fill(contexts, kSupervisor, 0, cr3_of(9) >> 12, (cr3_of(9) >> 12) + 1, own_phys(9));

    for (unsigned space : {1u, 3u, 4u, 5u, 6u, 7u, 8u, 9u}) {
        CAPTURE(space);
        CHECK(contexts.switch_to(cr3_of(space), no_code) == 0);
        CHECK(holds_own_entry(space));
    }
    CHECK(contexts.switch_to(cr3_of(2), no_code) == 3);
    CHECK_FALSE(holds(contexts, kSupervisor, 0));
}

TEST_CASE("TlbContexts: a native CR3 write takes the space from its old context") {
    TlbContexts contexts;
    BlockCache no_code;
    contexts.switch_to(kCr3A, no_code);
    fill(contexts, kSupervisor, 1, kDirA, kTableA, 0x1000);
    contexts.switch_to(kCr3B, no_code);
    fill(contexts, kSupervisor, 2, kCr3B >> 12, (kCr3B >> 12) + 1, 0x2000);
    // Stores before the CR3 write: the flush below covers them, so they must not count later.
    for (unsigned i = 0; i < 1025; ++i) contexts.page_table_written(pte_addr(0x400, 0));

    // MOV CR3 in space B loads A: Cpu::write_cr3 flushes the current TLB, then retags it.
    contexts.current().tlb->flush(false);
    contexts.retag_current(kCr3A);
    CHECK(contexts.current().cr3 == kCr3A);
    fill(contexts, kSupervisor, 3, kDirA, kTableA, 0x3000);

    // Back to A: the retagged context, not A's old one (with the entry for page 1).
    constexpr u32 kCr3C = 0x300000;
    contexts.switch_to(kCr3C, no_code);
    CHECK(contexts.switch_to(kCr3A, no_code) == 0);
    CHECK_FALSE(holds(contexts, kSupervisor, 1));
    CHECK_FALSE(holds(contexts, kSupervisor, 2));
    CHECK(holds(contexts, kSupervisor, 3));
    // B's context now serves A: B starts afresh.
    CHECK(contexts.switch_to(kCr3B, no_code) == 3);
    CHECK_FALSE(holds(contexts, kSupervisor, 2));
}
