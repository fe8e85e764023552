#include "machine/multiboot.h"
#include "common/bits.h"
#include "common/error.h"
#include "cpu/cpu.h"
#include <cstring>
#include <fmt/core.h>

namespace vmi86 {

namespace {

constexpr u32 kMagic = 0x1BADB002;
constexpr u32 kBootMagic = 0x2BADB002;
constexpr u32 kGdtAddr = 0x500;
constexpr u32 kInfoAddr = 0x9000;

void copy_in(MemoryBus& mem, const std::string& path, u32 addr, const u8* src, u32 len) {
    if (u64(addr) + len > mem.ram_size())
        throw UserError(fmt::format("{}: kernel does not fit in guest RAM (needs {:#x}..{:#x})",
                                    path, addr, u64(addr) + len));
    std::memcpy(mem.ram() + addr, src, len);
}

// Loads the PT_LOAD segments of a 32-bit i386 ELF executable; returns the entry point.
u32 load_elf(const std::string& path, const std::vector<u8>& img, MemoryBus& mem) {
    if (img.size() < 52 || std::memcmp(img.data(),
                                       "\x7F"
                                       "ELF",
                                       4) != 0)
        throw UserError(fmt::format(
            "{}: multiboot header without the a.out kludge, and not an ELF file", path));
    if (img[4] != 1 || img[5] != 1 || load_le<u16>(&img[18]) != 3)
        throw UserError(fmt::format("{}: not a 32-bit little-endian i386 ELF file", path));
    u32 phoff = load_le<u32>(&img[28]);
    u16 phentsize = load_le<u16>(&img[42]), phnum = load_le<u16>(&img[44]);
    for (unsigned i = 0; i < phnum; ++i) {
        u64 ph = u64(phoff) + u64(i) * phentsize;
        if (ph + 32 > img.size())
            throw UserError(fmt::format("{}: truncated ELF program headers", path));
        const u8* p = &img[ph];
        if (load_le<u32>(p) != 1) continue; // PT_LOAD
        u32 offset = load_le<u32>(p + 4), paddr = load_le<u32>(p + 12);
        u32 filesz = load_le<u32>(p + 16), memsz = load_le<u32>(p + 20);
        if (u64(offset) + filesz > img.size())
            throw UserError(fmt::format("{}: truncated ELF segment", path));
        if (memsz < filesz) throw UserError(fmt::format("{}: corrupt ELF segment sizes", path));
        copy_in(mem, path, paddr, img.data() + offset, filesz);
        if (u64(paddr) + memsz > mem.ram_size())
            throw UserError(fmt::format("{}: kernel does not fit in guest RAM", path));
        std::memset(mem.ram() + paddr + filesz, 0, memsz - filesz);
    }
    return load_le<u32>(&img[24]);
}

void write32(MemoryBus& mem, u32 addr, u32 v) { store_le<u32>(mem.ram() + addr, v); }

} // namespace

void load_multiboot(const std::string& path, const std::vector<u8>& img, const std::string& cmdline,
                    MemoryBus& mem, Cpu& cpu) {
    // The header: 4-byte aligned within the first 8 KiB, with magic + flags + checksum == 0.
    size_t hdr = SIZE_MAX;
    for (size_t off = 0; off + 12 <= img.size() && off < 8192; off += 4) {
        u32 magic = load_le<u32>(&img[off]), flags = load_le<u32>(&img[off + 4]),
            sum = load_le<u32>(&img[off + 8]);
        if (magic == kMagic && u32(magic + flags + sum) == 0) {
            hdr = off;
            break;
        }
    }
    if (hdr == SIZE_MAX)
        throw UserError(fmt::format(
            "{}: not a multiboot kernel (no multiboot header in the first 8 KiB)", path));
    u32 flags = load_le<u32>(&img[hdr + 4]);
    // Bits 0..15 are requirements: we provide 0 (page-aligned modules), 1 (memory info); 2
    // (video mode) is a preference we may ignore. Others we cannot satisfy.
    if (flags & 0xFFF8u & 0xFFFF)
        throw UserError(fmt::format(
            "{}: multiboot header requires unsupported features (flags {:#x})", path, flags));
    u32 entry;
    if (flags & (1u << 16)) {
        if (hdr + 32 > img.size())
            throw UserError(fmt::format("{}: truncated multiboot header", path));
        u32 header_addr = load_le<u32>(&img[hdr + 12]), load_addr = load_le<u32>(&img[hdr + 16]);
        u32 load_end = load_le<u32>(&img[hdr + 20]), bss_end = load_le<u32>(&img[hdr + 24]);
        entry = load_le<u32>(&img[hdr + 28]);
        if (load_addr > header_addr || header_addr - load_addr > hdr)
            throw UserError(fmt::format("{}: inconsistent multiboot a.out addresses", path));
        u64 file_off = hdr - (header_addr - load_addr);
        u64 len = load_end ? u64(load_end) - load_addr : img.size() - file_off;
        if (load_end && load_end < load_addr)
            throw UserError(fmt::format("{}: inconsistent multiboot load_end_addr", path));
        if (file_off + len > img.size()) len = img.size() - file_off;
        copy_in(mem, path, load_addr, img.data() + file_off, u32(len));
        if (bss_end > load_addr + len) {
            if (bss_end > mem.ram_size())
                throw UserError(fmt::format("{}: kernel BSS does not fit in guest RAM", path));
            std::memset(mem.ram() + load_addr + len, 0, bss_end - (load_addr + len));
        }
    } else {
        entry = load_elf(path, img, mem);
    }

    // Multiboot information structure, command line, memory map.
    const u32 ram = u32(mem.ram_size());
    u32 cmd_addr = kInfoAddr + 0x100;
    u32 name_addr = kInfoAddr + 0x900;
    u32 mmap_addr = kInfoAddr + 0xA00;
    std::string cmd = cmdline.substr(0, 0x7FF);
    std::memcpy(mem.ram() + cmd_addr, cmd.c_str(), cmd.size() + 1);
    std::memcpy(mem.ram() + name_addr, "vmi86", 6);
    struct Range {
        u64 base, len;
        u32 type;
    };
    const Range ranges[] = {{0, 0x9FC00, 1},
                            {0x9FC00, 0x400, 2},
                            {0xF0000, 0x10000, 2},
                            {0x100000, u64(ram) - 0x100000, 1}};
    u32 m = mmap_addr;
    for (const Range& r : ranges) {
        write32(mem, m, 20);
        store_le<u64>(mem.ram() + m + 4, r.base);
        store_le<u64>(mem.ram() + m + 12, r.len);
        write32(mem, m + 20, r.type);
        m += 24;
    }
    std::memset(mem.ram() + kInfoAddr, 0, 88);
    write32(mem, kInfoAddr + 0, (1u << 0) | (1u << 2) | (1u << 6) | (1u << 9));
    write32(mem, kInfoAddr + 4, 639);
    write32(mem, kInfoAddr + 8, (ram - 0x100000) / 1024);
    write32(mem, kInfoAddr + 16, cmd_addr);
    write32(mem, kInfoAddr + 44, m - mmap_addr);
    write32(mem, kInfoAddr + 48, mmap_addr);
    write32(mem, kInfoAddr + 64, name_addr);

    // A flat GDT (null, code 0x08, data 0x10) so the entry state is backed by real descriptors.
    store_le<u64>(mem.ram() + kGdtAddr, 0);
    store_le<u64>(mem.ram() + kGdtAddr + 8, 0x00CF9B000000FFFFull);
    store_le<u64>(mem.ram() + kGdtAddr + 16, 0x00CF93000000FFFFull);
    CpuState& s = cpu.s;
    s.gdtr = {kGdtAddr, 23};
    s.idtr = {0, 0x3FF};
    Cpu::set_cache_from_descriptor(s.seg[CS], 0x08, 0x00CF9B000000FFFFull);
    for (unsigned sr : {ES, SS, DS, FS, GS})
        Cpu::set_cache_from_descriptor(s.seg[sr], 0x10, 0x00CF93000000FFFFull);
    s.cr0 = CR0_ET | CR0_PE;
    s.eflags = 2;
    s.lazy.op = FlagOp::None;
    s.gpr[EAX].r64 = kBootMagic;
    s.gpr[EBX].r64 = kInfoAddr;
    s.eip = entry;
    mem.set_a20(true);
    cpu.set_cpl(0);
    cpu.flush_tlb(true);
}

} // namespace vmi86
