#include "cpu/tlb_contexts.h"

namespace vmi86 {

void Tlb::flush(bool include_global) {
    for (unsigned set = 0; set < 2; ++set) {
        size_t kept = 0;
        for (u16 i : filled[set]) {
            if (include_global || !global[set][i]) {
                entry[set][i] = TlbEntry{};
                global[set][i] = 0;
                listed[set][i] = 0;
            } else {
                filled[set][kept++] = i;
            }
        }
        filled[set].resize(kept);
    }
    if (include_global) table_filter = 0;
}

void Tlb::drop_write_tags() {
    for (auto& set : entry)
        for (TlbEntry& e : set) e.write_tag = 1;
}

TlbContexts::TlbContexts() : contexts_(kContexts), current_(&contexts_[0]), log_(kLogSize) {
    current_->in_use = true;
}

void TlbContexts::page_table_written(u32 addr) {
    log_[log_end_ % kLogSize] = Write{addr, next_event()};
    ++log_end_;
}

bool TlbContexts::drop_if_older(Context& c, unsigned set, unsigned index, u64 seq,
                                const BlockCache& blocks) {
    TlbEntry& e = c.tlb->entry[set][index];
    if (e.read_tag == 1 || c.tlb->source[set][index].filled > seq) return false;
    const bool code = blocks.page_has_code(e.phys_page);
    e = TlbEntry{};
    return code;
}

// Drops the entries an announced write since the last check may have changed: those filled
// before a write to the page-directory or page-table entry their walk read. A page-table entry
// maps one linear page, whose TLB index its offset gives; a page-directory entry (a write to
// the space's own directory) may stand behind any entry.
unsigned TlbContexts::apply_writes(Context& c, const BlockCache& blocks) {
    const u64 pending = log_end_ - c.synced;
    c.synced = log_end_;
    if (pending == 0) return 0;
    if (pending > kLogSize) {
        c.tlb->flush(false); // global entries survive a CR3 write anyway
        return 3;
    }
    unsigned stale = 0;
    const u32 directory = c.cr3 >> 12;
    for (u64 w = log_end_ - pending; w < log_end_; ++w) {
        const Write& write = log_[w % kLogSize];
        const u32 page = write.addr >> 12;
        for (unsigned set = 0; set < 2; ++set) {
            if (write.addr == kUnknownEntry || page == directory) {
                for (u16 i : c.tlb->filled[set])
                    if (write.addr == kUnknownEntry || c.tlb->source[set][i].pd_page == page ||
                        c.tlb->source[set][i].pt_page == page)
                        if (drop_if_older(c, set, i, write.seq, blocks)) stale |= 1u << set;
                continue;
            }
            if (!(c.tlb->table_filter & Tlb::table_bit(page))) break;
            const unsigned index = (write.addr & 0xFFF) >> 2;
            if (c.tlb->source[set][index].pt_page == page &&
                drop_if_older(c, set, index, write.seq, blocks))
                stale |= 1u << set;
        }
    }
    return stale;
}

unsigned TlbContexts::switch_to(u32 cr3, const BlockCache& blocks) {
    current_->last_used = next_event();
    for (Context& c : contexts_)
        if (c.in_use && c.cr3 == cr3) {
            current_ = &c;
            return apply_writes(c, blocks);
        }
    // A space not seen recently: an unused context, else the least recently used one.
    Context* next = &contexts_[0];
    for (Context& c : contexts_) {
        if (!c.in_use) {
            next = &c;
            break;
        }
        if (c.last_used < next->last_used) next = &c;
    }
    next->tlb->flush(true);
    next->may_hold_global = false;
    next->in_use = true;
    next->cr3 = cr3;
    next->synced = log_end_;
    current_ = next;
    return 3;
}

void TlbContexts::retag_current(u32 cr3) {
    for (Context& c : contexts_)
        if (&c != current_ && c.in_use && c.cr3 == cr3) {
            c.tlb->flush(true);
            c.in_use = false;
        }
    current_->cr3 = cr3;
    current_->synced = log_end_;
}

} // namespace vmi86
