// The soft TLB of one address space: a supervisor and a user set of direct-mapped entries, what
// each entry's page walk read, and which entries were filled, so a flush touches only those.
#pragma once
#include "common/types.h"
#include <vector>

namespace vmi86 {

constexpr unsigned kTlbSize = 1024;

struct TlbEntry {
    u32 read_tag = 1; // linear page | 0, or 1 (never matches)
    u32 write_tag = 1;
    uintptr_t addend = 0; // host address = linear + addend
    u32 phys_page = 0;
};

// Where a TLB entry came from: the page-directory and page-table pages its walk read (physical
// page numbers; pt_page is 0 for a 4 MiB page), and when it was filled.
struct TlbSource {
    u32 pd_page = 0, pt_page = 0;
    u64 filled = 0;
};

struct Tlb {
    TlbEntry entry[2][kTlbSize]; // [0] supervisor, [1] user
    TlbSource source[2][kTlbSize];
    u8 global[2][kTlbSize] = {};
    u8 listed[2][kTlbSize] = {};
    std::vector<u16> filled[2]; // the listed indices
    // A filter of the page-table pages the entries came from (a bit per page number mod 64), so
    // a store to a page table none of them came from is dismissed without touching the arrays.
    u64 table_filter = 0;
    static u64 table_bit(u32 page) { return 1ull << ((page ^ (page >> 6)) & 63); }

    TlbEntry& fill(unsigned set, unsigned index, bool is_global, const TlbSource& from) {
        if (!listed[set][index]) {
            listed[set][index] = 1;
            filled[set].push_back(u16(index));
        }
        global[set][index] = is_global ? 1 : 0;
        source[set][index] = from;
        table_filter |= table_bit(from.pt_page);
        return entry[set][index];
    }
    // Empties the filled entries (the non-global ones only unless include_global).
    void flush(bool include_global);
    // Makes every write through these entries take the slow path (a page became code).
    void drop_write_tags();
};

} // namespace vmi86
