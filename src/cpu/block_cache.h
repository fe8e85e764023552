// Pre-decoded blocks keyed by physical address and mode, with self-modifying-code tracking: a
// write to a page holding decoded code invalidates the blocks it overlaps. The translator attaches
// host code to these same blocks, so invalidation is one mechanism for both engines.
#pragma once
#include "common/types.h"
#include "cpu/decode/insn.h"
#include <memory>
#include <unordered_map>
#include <vector>

namespace vmi86 {

struct Block {
    // A block that followed this one, remembered so the engine can skip the lookup. Valid only
    // while the CPU's chain epoch (bumped by TLB flushes, mode changes and invalidations) holds.
    struct Successor {
        u32 eip = 0;
        u32 cs_base = 0;
        u64 epoch = ~0ull;
        Block* block = nullptr;
    };

    u32 phys = 0;     // physical address of the first byte
    u32 phys_end = 0; // one past the last byte (blocks never cross a page)
    bool code32 = false;
    bool valid = true;
    bool cached = true; // false for the one-off block of a page-crossing instruction
    std::vector<DecodedInsn> insns;
    Successor succ[2];
    u8 next_slot = 0;

    Block* successor(u32 eip, u32 cs_base, u64 epoch) const {
        for (const Successor& x : succ)
            if (x.eip == eip && x.epoch == epoch && x.cs_base == cs_base) return x.block;
        return nullptr;
    }
    void remember(u32 eip, u32 cs_base, u64 epoch, Block* b) {
        succ[next_slot] = Successor{eip, cs_base, epoch, b};
        next_slot ^= 1;
    }
};

class BlockCache {
public:
    BlockCache();
    Block* lookup(u32 phys, bool code32) {
        Block* b = fast_[fast_index(phys)];
        if (b && b->phys == phys && b->code32 == code32) return b;
        return lookup_slow(phys, code32);
    }
    // Takes ownership; returns true if this is the first code on its page (the caller then makes
    // writes to the page take the slow path).
    bool insert(std::unique_ptr<Block> block);
    bool page_has_code(u32 phys) const { return code_pages_[phys >> 12] != 0; }
    // Invalidates blocks overlapping [phys, phys+len). Returns true if any was.
    bool invalidate(u32 phys, u32 len);
    void clear();
    // Frees invalidated blocks; call where no block is executing.
    void collect_garbage() { graveyard_.clear(); }
    size_t size() const { return map_.size(); }

private:
    static constexpr unsigned kFastSize = 4096;
    static unsigned fast_index(u32 phys) { return (phys ^ (phys >> 12)) & (kFastSize - 1); }
    static u64 key(u32 phys, bool code32) { return (u64(phys) << 1) | (code32 ? 1 : 0); }
    Block* lookup_slow(u32 phys, bool code32);
    void remove(Block* b);

    std::vector<Block*> fast_;
    std::unordered_map<u64, std::unique_ptr<Block>> map_;
    std::unordered_map<u32, std::vector<Block*>> page_blocks_;
    std::vector<u8> code_pages_;
    std::vector<std::unique_ptr<Block>> graveyard_;
};

} // namespace vmi86
