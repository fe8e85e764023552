#include "devices/bus/memory_bus.h"
#include "common/bits.h"
#include "common/error.h"
#include <algorithm>
#include <cstring>
#include <fmt/core.h>
#include <new>

namespace vmi86 {

MemoryBus::MemoryBus() : pages_(allocate_zeroed<PageInfo>(kPages)) {
    if (!pages_) throw std::bad_alloc();
}

void MemoryBus::allocate_ram(u64 bytes) {
    if (bytes == 0 || bytes % kPageSize != 0 || bytes > 0xE0000000ull)
        throw UserError(
            fmt::format("RAM size of {} bytes is not possible (1 MiB to 3584 MiB)", bytes));
    ram_ = allocate_zeroed<u8>(bytes, true);
    if (!ram_)
        throw UserError(fmt::format("the host cannot provide {} MiB of guest RAM", bytes >> 20));
    ram_size_ = bytes;
    for (u64 p = 0; p < bytes / kPageSize; ++p) {
        pages_[p].kind = PageKind::Ram;
        pages_[p].host = ram_.get() + p * kPageSize;
        pages_[p].mmio = nullptr;
    }
    changed();
}

void MemoryBus::map_rom(u32 base, std::vector<u8> image) {
    u32 size = u32(image.size());
    auto copy = std::make_unique<u8[]>(size);
    std::memcpy(copy.get(), image.data(), size);
    for (u32 off = 0; off < size; off += kPageSize) {
        PageInfo& p = pages_[(base + off) >> kPageShift];
        p.kind = PageKind::Rom;
        p.host = copy.get() + off;
        p.mmio = nullptr;
    }
    roms_.push_back(std::move(copy));
    changed();
}

void MemoryBus::map_rom_alias(u32 base, u32 rom_base, u32 size) {
    for (u32 off = 0; off < size; off += kPageSize)
        pages_[(base + off) >> kPageShift] = pages_[(rom_base + off) >> kPageShift];
    changed();
}

void MemoryBus::map_mmio(u32 base, u32 size, MmioHandler* handler) {
    for (u32 off = 0; off < size; off += kPageSize) {
        PageInfo& p = pages_[(base + off) >> kPageShift];
        p.kind = PageKind::Mmio;
        p.host = nullptr;
        p.mmio = handler;
        p.mmio_base = base;
    }
    changed();
}

void MemoryBus::unmap(u32 base, u32 size) {
    for (u32 off = 0; off < size; off += kPageSize) pages_[(base + off) >> kPageShift] = PageInfo{};
    changed();
}

void MemoryBus::set_a20(bool on) {
    u32 mask = on ? 0xFFFFFFFFu : ~(1u << 20);
    if (mask == a20_mask_) return;
    a20_mask_ = mask;
    changed();
}

u8 MemoryBus::read_byte(u32 phys) {
    const PageInfo& p = page(phys);
    switch (p.kind) {
    case PageKind::Ram:
    case PageKind::Rom: return p.host[phys & (kPageSize - 1)];
    case PageKind::Mmio: return u8(p.mmio->mmio_read(phys - p.mmio_base, 1));
    case PageKind::Unmapped: break;
    }
    return 0xFF;
}

void MemoryBus::write_byte(u32 phys, u8 v) {
    const PageInfo& p = page(phys);
    if (p.kind == PageKind::Ram)
        p.host[phys & (kPageSize - 1)] = v;
    else if (p.kind == PageKind::Mmio)
        p.mmio->mmio_write(phys - p.mmio_base, 1, v);
}

u32 MemoryBus::read(u32 phys, unsigned size) {
    const PageInfo& p = page(phys);
    u32 off = phys & (kPageSize - 1);
    if (off + size <= kPageSize) {
        if (p.kind == PageKind::Ram || p.kind == PageKind::Rom) {
            // Fixed-size loads: a memcpy of a variable size is a library call (page walks read
            // through here).
            switch (size) {
            case 1: return p.host[off];
            case 2: return load_le<u16>(p.host + off);
            default: return load_le<u32>(p.host + off);
            }
        }
        if (p.kind == PageKind::Mmio) return p.mmio->mmio_read(phys - p.mmio_base, size);
        return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1;
    }
    u32 v = 0;
    for (unsigned i = 0; i < size; ++i) v |= u32(read_byte(phys + i)) << (8 * i);
    return v;
}

void MemoryBus::write(u32 phys, unsigned size, u32 value) {
    const PageInfo& p = page(phys);
    u32 off = phys & (kPageSize - 1);
    if (off + size <= kPageSize && p.kind == PageKind::Mmio) {
        p.mmio->mmio_write(phys - p.mmio_base, size, value);
        return;
    }
    if (off + size <= kPageSize && p.kind == PageKind::Ram) {
        switch (size) {
        case 1: p.host[off] = u8(value); return;
        case 2: store_le<u16>(p.host + off, u16(value)); return;
        default: store_le<u32>(p.host + off, value); return;
        }
    }
    for (unsigned i = 0; i < size; ++i) write_byte(phys + i, u8(value >> (8 * i)));
}

void MemoryBus::read_block(u32 phys, void* dst, u32 len) {
    u8* d = static_cast<u8*>(dst);
    while (len) {
        const PageInfo& p = page(phys);
        const u32 off = phys & (kPageSize - 1), chunk = std::min(len, kPageSize - off);
        if (p.kind == PageKind::Ram || p.kind == PageKind::Rom)
            std::memcpy(d, p.host + off, chunk);
        else
            for (u32 i = 0; i < chunk; ++i) d[i] = read_byte(phys + i);
        d += chunk;
        phys += chunk;
        len -= chunk;
    }
}

void MemoryBus::write_block(u32 phys, const void* src, u32 len) {
    const u8* s = static_cast<const u8*>(src);
    for (u32 i = 0; i < len; ++i) write_byte(phys + i, s[i]);
    if (on_dma_write) on_dma_write(phys, len);
}

} // namespace vmi86
