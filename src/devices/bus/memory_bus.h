// The physical address space: RAM, ROM and MMIO regions at 4 KiB granularity, plus the A20 gate.
// Devices and the CPU both reach guest memory through it; it knows nothing of either.
#pragma once
#include "common/bits.h"
#include "common/types.h"
#include "common/zeroed_array.h"
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vmi86 {

// A device's memory-mapped registers. Offsets are relative to the region base; size is 1, 2 or 4.
class MmioHandler {
public:
    virtual ~MmioHandler() = default;
    virtual u32 mmio_read(u32 offset, unsigned size) = 0;
    virtual void mmio_write(u32 offset, unsigned size, u32 value) = 0;
};

enum class PageKind : u8 { Unmapped, Ram, Rom, Mmio };

struct PageInfo { // all zero bytes: unmapped
    PageKind kind = PageKind::Unmapped;
    u8* host = nullptr; // RAM/ROM: host address of the page
    MmioHandler* mmio = nullptr;
    u32 mmio_base = 0; // physical base of the MMIO region
};

class MemoryBus {
public:
    static constexpr u32 kPageShift = 12;
    static constexpr u32 kPageSize = 1u << kPageShift;
    static constexpr u32 kPages = 1u << (32 - kPageShift);

    MemoryBus();

    // Allocates guest RAM (bytes, multiple of 4 KiB) mapped from physical 0, except holes made
    // later by map_rom/map_mmio. Throws UserError if the host cannot provide it.
    void allocate_ram(u64 bytes);
    u64 ram_size() const { return ram_size_; }
    u8* ram() { return ram_.get(); }

    // Maps a copy of image (size multiple of 4 KiB) read-only at base. Several mappings may share
    // one image (the BIOS is mirrored below 1 MiB): map_rom_alias maps an existing ROM again.
    void map_rom(u32 base, std::vector<u8> image);
    void map_rom_alias(u32 base, u32 rom_base, u32 size);
    void map_mmio(u32 base, u32 size, MmioHandler* handler);
    void unmap(u32 base, u32 size);

    const PageInfo& page(u32 phys) const { return pages_[phys >> kPageShift]; }

    // A20 gate: when off, physical address bit 20 reads as zero.
    bool a20_enabled() const { return a20_mask_ & (1u << 20); }
    void set_a20(bool on);
    u32 a20_mask() const { return a20_mask_; }

    // Slow-path accesses by physical address (size 1, 2 or 4, may cross pages). Unmapped reads
    // return all-ones, writes to ROM or unmapped space are dropped.
    u32 read(u32 phys, unsigned size);
    void write(u32 phys, unsigned size, u32 value);
    // An aligned dword (never crosses a page), RAM accessed in place without a call: the CPU's
    // page walker reads and updates paging-structure entries through these.
    u32 read_aligned32(u32 phys) {
        const PageInfo& p = page(phys);
        return p.kind == PageKind::Ram ? load_le<u32>(p.host + (phys & (kPageSize - 1)))
                                       : read(phys, 4);
    }
    void write_aligned32(u32 phys, u32 value) {
        const PageInfo& p = page(phys);
        if (p.kind == PageKind::Ram)
            store_le<u32>(p.host + (phys & (kPageSize - 1)), value);
        else
            write(phys, 4, value);
    }
    void read_block(u32 phys, void* dst, u32 len);
    void write_block(u32 phys, const void* src, u32 len);

    // Called after the mapping or the A20 gate changed (the CPU drops its soft TLB), and after a
    // device wrote guest memory (the CPU invalidates code translated from it).
    std::function<void()> on_mapping_changed;
    std::function<void(u32 phys, u32 len)> on_dma_write;

private:
    u8 read_byte(u32 phys);
    void write_byte(u32 phys, u8 v);
    void changed() {
        if (on_mapping_changed) on_mapping_changed();
    }

    ZeroedArray<PageInfo> pages_; // kPages
    ZeroedArray<u8> ram_;
    u64 ram_size_ = 0;
    std::vector<std::unique_ptr<u8[]>> roms_;
    u32 a20_mask_ = 0xFFFFFFFF;
};

} // namespace vmi86
