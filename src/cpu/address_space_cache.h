// The TLB entries of address spaces a paravirtual guest switched away from with VMI's SetCR3,
// so that switching back costs no page walks. This is what VMI's MMU calls are for: the guest
// announces every page-table update (SetPxE, UpdatePxE, ...), so the hypervisor may keep
// translations across address-space switches as long as no announced update touched the page
// tables they came from. A native MOV to CR3 never uses this: a guest that does not announce its
// updates gets the architectural flush.
#pragma once
#include "common/types.h"
#include <unordered_map>
#include <vector>

namespace vmi86 {

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

class AddressSpaceCache {
public:
    struct SavedEntry {
        u16 index;
        u8 set; // 0 supervisor, 1 user
        TlbEntry entry;
        TlbSource source;
    };

    // A sequence number for a fill or an announced write: later events have larger numbers.
    u64 next_event() { return ++events_; }
    // An announced page-table update in physical page `page`.
    void page_table_written(u32 page) { written_[page] = next_event(); }
    // When page `page` was last written (0: never), and the oldest fill that may be kept.
    u64 last_write(u32 page) const {
        auto it = written_.find(page);
        return it == written_.end() ? 0 : it->second;
    }
    u64 floor() const { return floor_; }

    // An empty list to keep the entries of address space `cr3` in (replacing what was kept).
    std::vector<SavedEntry>& keep(u32 cr3);
    // What was kept for `cr3`, or null; release() once it has been brought back.
    const std::vector<SavedEntry>* find(u32 cr3) const;
    void release(u32 cr3);
    // Forgets everything: the paging mode, the memory map or the code pages changed.
    void clear();

private:
    static constexpr unsigned kSpaces = 8;
    struct Space {
        bool used = false;
        u32 cr3 = 0;
        u64 kept_at = 0;                 // the least recently kept is replaced first
        std::vector<SavedEntry> entries; // its capacity is reused
    };
    u64 events_ = 0;
    u64 floor_ = 0; // entries filled before the last clear() are never kept
    std::unordered_map<u32, u64> written_;
    Space spaces_[kSpaces];
};

} // namespace vmi86
