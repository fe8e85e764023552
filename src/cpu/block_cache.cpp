#include "cpu/block_cache.h"
#include <algorithm>

namespace vmi86 {

BlockCache::BlockCache() : fast_(kFastSize, nullptr), code_pages_(1u << 20, 0) {}

Block* BlockCache::lookup_slow(u32 phys, bool code32) {
    auto it = map_.find(key(phys, code32));
    if (it == map_.end()) return nullptr;
    fast_[fast_index(phys)] = it->second.get();
    return it->second.get();
}

bool BlockCache::insert(std::unique_ptr<Block> block) {
    Block* b = block.get();
    u32 page = b->phys >> 12;
    bool first = code_pages_[page] == 0;
    code_pages_[page] = 1;
    page_blocks_[page].push_back(b);
    fast_[fast_index(b->phys)] = b;
    map_[key(b->phys, b->code32)] = std::move(block);
    return first;
}

void BlockCache::remove(Block* b) {
    b->valid = false;
    auto it = map_.find(key(b->phys, b->code32));
    if (it != map_.end() && it->second.get() == b) {
        graveyard_.push_back(std::move(it->second));
        map_.erase(it);
    }
    if (fast_[fast_index(b->phys)] == b) fast_[fast_index(b->phys)] = nullptr;
}

bool BlockCache::invalidate(u32 phys, u32 len) {
    bool any = false;
    u32 end = phys + len;
    for (u32 page = phys >> 12; page <= (end - 1) >> 12; ++page) {
        if (!code_pages_[page]) continue;
        auto pit = page_blocks_.find(page);
        if (pit == page_blocks_.end()) continue;
        auto& list = pit->second;
        auto keep = std::remove_if(list.begin(), list.end(), [&](Block* b) {
            if (b->phys < end && phys < b->phys_end) {
                remove(b);
                any = true;
                return true;
            }
            return false;
        });
        list.erase(keep, list.end());
        if (list.empty()) {
            page_blocks_.erase(pit);
            code_pages_[page] = 0;
        }
    }
    return any;
}

void BlockCache::clear() {
    for (auto& [k, b] : map_) {
        b->valid = false;
        graveyard_.push_back(std::move(b));
    }
    map_.clear();
    page_blocks_.clear();
    std::fill(code_pages_.begin(), code_pages_.end(), 0);
    std::fill(fast_.begin(), fast_.end(), nullptr);
}

} // namespace vmi86
