#include "cpu/address_space_cache.h"

namespace vmi86 {

std::vector<AddressSpaceCache::SavedEntry>& AddressSpaceCache::keep(u32 cr3) {
    Space* slot = nullptr;
    for (Space& sp : spaces_)
        if (sp.used && sp.cr3 == cr3) slot = &sp;
    for (Space& sp : spaces_)
        if (!slot && !sp.used) slot = &sp;
    if (!slot) {
        slot = &spaces_[0];
        for (Space& sp : spaces_)
            if (sp.kept_at < slot->kept_at) slot = &sp;
    }
    slot->used = true;
    slot->cr3 = cr3;
    slot->kept_at = next_event();
    slot->entries.clear();
    return slot->entries;
}

const std::vector<AddressSpaceCache::SavedEntry>* AddressSpaceCache::find(u32 cr3) const {
    for (const Space& sp : spaces_)
        if (sp.used && sp.cr3 == cr3) return &sp.entries;
    return nullptr;
}

void AddressSpaceCache::release(u32 cr3) {
    for (Space& sp : spaces_)
        if (sp.used && sp.cr3 == cr3) {
            sp.used = false;
            sp.entries.clear();
        }
}

void AddressSpaceCache::clear() {
    for (Space& sp : spaces_) {
        sp.used = false;
        sp.entries.clear();
    }
    // The writes recorded so far are forgotten: entries filled before now may predate them.
    written_.clear();
    floor_ = next_event();
}

} // namespace vmi86
