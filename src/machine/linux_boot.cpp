#include "machine/linux_boot.h"
#include "common/bits.h"
#include "common/error.h"
#include "cpu/cpu.h"
#include <algorithm>
#include <cstring>
#include <fmt/core.h>

namespace vmi86 {

namespace {

// Where the loader puts its own data, all in conventional memory below the kernel.
constexpr u32 kBootParams = 0x10000;
constexpr u32 kCmdline = 0x20000;
constexpr u32 kCmdlineMax = 0x10000;
constexpr u32 kGdt = 0x30000;
constexpr u32 kKernelBase = 0x100000;

// Offsets in boot_params / the setup header (boot.rst).
constexpr u32 kExtMemK = 0x002, kAltMemK = 0x1E0, kE820Entries = 0x1E8, kSetupSects = 0x1F1;
constexpr u32 kSysSize = 0x1F4, kBootFlag = 0x1FE, kHeaderMagic = 0x202, kVersion = 0x206;
constexpr u32 kTypeOfLoader = 0x210, kLoadFlags = 0x211, kCode32Start = 0x214,
              kRamdiskImage = 0x218;
constexpr u32 kRamdiskSize = 0x21C, kHeapEndPtr = 0x224, kCmdLinePtr = 0x228,
              kInitrdAddrMax = 0x22C;
constexpr u32 kCmdlineSize = 0x238, kE820Table = 0x2D0;

} // namespace

bool is_linux_bzimage(const std::vector<u8>& img) {
    return img.size() >= 0x250 && std::memcmp(&img[kHeaderMagic], "HdrS", 4) == 0;
}

void load_linux(const std::string& path, const std::vector<u8>& img, const std::vector<u8>& initrd,
                const std::string& cmdline, MemoryBus& mem, Cpu& cpu) {
    if (!is_linux_bzimage(img) || load_le<u16>(&img[kBootFlag]) != 0xAA55)
        throw UserError(fmt::format("{}: not a Linux bzImage (no setup header)", path));
    const u16 version = load_le<u16>(&img[kVersion]);
    if (version < 0x0206)
        throw UserError(fmt::format("{}: Linux boot protocol {}.{:02} is too old (need 2.06)", path,
                                    version >> 8, version & 0xFF));
    if (!(img[kLoadFlags] & 1))
        throw UserError(fmt::format("{}: not a bzImage (zImage loaded low)", path));
    unsigned setup_sects = img[kSetupSects] ? img[kSetupSects] : 4;
    const u64 kernel_off = u64(setup_sects + 1) * 512;
    const u64 kernel_size = u64(load_le<u32>(&img[kSysSize])) * 16;
    if (kernel_off + kernel_size > img.size() || kernel_size == 0)
        throw UserError(fmt::format("{}: truncated bzImage ({} bytes, header says {})", path,
                                    img.size(), kernel_off + kernel_size));
    const u64 ram = mem.ram_size();
    if (kKernelBase + kernel_size > ram)
        throw UserError(fmt::format("{}: kernel does not fit in guest RAM", path));
    u8* m = mem.ram();

    // boot_params: zero page + the setup header copied from the image.
    std::memset(m + kBootParams, 0, 4096);
    const u32 header_end = 0x202 + img[0x201];
    std::memcpy(m + kBootParams + kSetupSects, &img[kSetupSects],
                std::min<u32>(header_end, 4096) - kSetupSects);
    u8* bp = m + kBootParams;
    bp[kTypeOfLoader] = 0xFF; // an unregistered boot loader
    bp[kLoadFlags] |= 0x80;   // CAN_USE_HEAP
    store_le<u16>(bp + kHeapEndPtr, 0xFE00);
    store_le<u32>(bp + kCode32Start, kKernelBase);

    // Command line.
    u32 cmd_max = version >= 0x0206 ? load_le<u32>(&img[kCmdlineSize]) : 255;
    if (cmdline.size() > std::min(cmd_max, kCmdlineMax - 1))
        throw UserError(fmt::format(
            "kernel command line is longer than the kernel accepts ({} bytes)", cmd_max));
    std::memcpy(m + kCmdline, cmdline.c_str(), cmdline.size() + 1);
    store_le<u32>(bp + kCmdLinePtr, kCmdline);

    // Memory: the E820 map and the legacy size fields.
    struct E820 {
        u64 base, size;
        u32 type;
    };
    const E820 map[] = {
        {0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2}, {0x100000, ram - 0x100000, 1}};
    for (unsigned i = 0; i < std::size(map); ++i) {
        u8* e = bp + kE820Table + 20 * i;
        store_le<u64>(e, map[i].base);
        store_le<u64>(e + 8, map[i].size);
        store_le<u32>(e + 16, map[i].type);
    }
    bp[kE820Entries] = u8(std::size(map));
    store_le<u16>(bp + kExtMemK, u16(std::min<u64>((ram - 0x100000) >> 10, 0xFFFF)));
    store_le<u32>(bp + kAltMemK, u32((ram - 0x100000) >> 10));

    // The protected-mode kernel at 1 MiB.
    std::memcpy(m + kKernelBase, &img[kernel_off], kernel_size);

    // The initrd as high as the kernel allows, page aligned.
    if (!initrd.empty()) {
        u64 max = load_le<u32>(&img[kInitrdAddrMax]);
        u64 top = std::min<u64>(max + 1, ram);
        u64 addr = (top - initrd.size()) & ~u64(0xFFF);
        if (initrd.size() > top || addr < kKernelBase + kernel_size)
            throw UserError(fmt::format("initrd of {} bytes does not fit in guest RAM below {:#x}",
                                        initrd.size(), top));
        std::memcpy(m + addr, initrd.data(), initrd.size());
        store_le<u32>(bp + kRamdiskImage, u32(addr));
        store_le<u32>(bp + kRamdiskSize, u32(initrd.size()));
    }

    // Flat segments __BOOT_CS = 0x10, __BOOT_DS = 0x18 as the protocol requires.
    const u64 code = 0x00CF9B000000FFFFull, data = 0x00CF93000000FFFFull;
    store_le<u64>(m + kGdt, 0);
    store_le<u64>(m + kGdt + 8, 0);
    store_le<u64>(m + kGdt + 0x10, code);
    store_le<u64>(m + kGdt + 0x18, data);
    CpuState& s = cpu.s;
    s.gdtr = {kGdt, 0x1F};
    s.idtr = {0, 0};
    Cpu::set_cache_from_descriptor(s.seg[CS], 0x10, code);
    for (unsigned sr : {ES, SS, DS, FS, GS}) Cpu::set_cache_from_descriptor(s.seg[sr], 0x18, data);
    s.cr0 = CR0_ET | CR0_PE;
    s.eflags = 2;
    s.lazy.op = FlagOp::None;
    for (auto& r : s.gpr) r.r64 = 0;
    s.gpr[ESI].r64 = kBootParams;
    s.eip = kKernelBase;
    mem.set_a20(true);
    cpu.set_cpl(0);
    cpu.flush_tlb(true);
}

} // namespace vmi86
