// A tagged TLB for VMI's SetCR3: one soft TLB per recently used address space, so switching back
// to a space costs no page walks. This is what VMI's MMU calls are for: the guest announces every
// page-table update (SetPxE, UpdatePxE, ...), so the hypervisor may keep translations across
// address-space switches as long as no announced update touched the entries they came from.
// A native MOV to CR3 never uses this: it gets the architectural flush of the current TLB.
#pragma once
#include "cpu/block_cache.h"
#include "cpu/tlb.h"
#include <memory>
#include <vector>

namespace vmi86 {

class TlbContexts {
public:
    struct Context {
        // Apart from the small fields, so a walk over the contexts reads one or two cache lines.
        std::unique_ptr<Tlb> tlb = std::make_unique<Tlb>();
        u32 cr3 = 0;
        bool in_use = false;
        u64 last_used = 0;
        u64 synced = 0;               // the write log's length when the entries were last checked
        u64 chain_epoch[2] = {};      // the engine's block-link epochs for this space (CPL 0-2, 3)
        bool may_hold_global = false; // a global entry was filled since the last full flush
    };

    TlbContexts();
    Context& current() { return *current_; }
    // A sequence number for a fill or an announced write: later events have larger numbers.
    u64 next_event() { return ++events_; }
    // An announced store to the paging-structure entry at physical address `addr`
    // (kUnknownEntry: somewhere).
    static constexpr u32 kUnknownEntry = ~0u;
    void page_table_written(u32 addr);
    // Makes the space `cr3` current: its own entries, less those an announced update may have
    // changed since they were filled, or an empty TLB. Returns which sets (bit 0 supervisor,
    // bit 1 user) lost the translation of a page holding code: the engine's block links made
    // with them are stale.
    unsigned switch_to(u32 cr3, const BlockCache& blocks);
    // A native CR3 write: the current TLB was flushed and now serves `cr3`; no other may.
    void retag_current(u32 cr3);
    // Every context, for flushes and invalidations that apply to all address spaces.
    template <class F> void for_each_in_use(F&& f) {
        for (Context& c : contexts_)
            if (c.in_use) f(c);
    }

private:
    static constexpr unsigned kContexts = 8;
    static constexpr unsigned kLogSize = 1024; // announced writes remembered; more: flush
    struct Write {
        u32 addr = 0;
        u64 seq = 0;
    };
    unsigned apply_writes(Context& c, const BlockCache& blocks);
    bool drop_if_older(Context& c, unsigned set, unsigned index, u64 seq, const BlockCache& blocks);

    std::vector<Context> contexts_;
    Context* current_;
    u64 events_ = 0;
    std::vector<Write> log_; // entry i at log_[i % kLogSize]
    u64 log_end_ = 0;        // writes logged so far
};

} // namespace vmi86
