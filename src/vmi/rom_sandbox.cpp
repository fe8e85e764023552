#include "vmi/rom_sandbox.h"
#include "cpu/cpu.h"

namespace vmi86::vmi {

namespace {
constexpr u32 kRamSize = 64 << 10;
constexpr u32 kStackTop = 0xF000;
constexpr u32 kReturnTrap = 0xE000; // holds HLT: the ROM's ret lands here
constexpr u64 kMaxInstructions = 100000;
} // namespace

struct RomSandbox::Machine {
    Log log;
    MemoryBus mem;
    IoSpace io;
    Cpu cpu{mem, io, log};
};

RomSandbox::RomSandbox(std::vector<u8> image) : image_(std::move(image)) {}
RomSandbox::~RomSandbox() = default;

std::optional<Relocation> RomSandbox::get_relocation_info(u32 rom_base, u32 call) {
    const u32 page_base = rom_base & ~0xFFFu;
    if (page_base < kRamSize || u64(rom_base) + image_.size() > 0xFFFFF000ull) return std::nullopt;
    if (!m_ || mapped_base_ != rom_base) {
        m_ = std::make_unique<Machine>();
        m_->mem.allocate_ram(kRamSize);
        std::vector<u8> pages((((rom_base & 0xFFF) + image_.size()) + 0xFFF) & ~size_t(0xFFF), 0);
        std::copy(image_.begin(), image_.end(), pages.begin() + (rom_base & 0xFFF));
        m_->mem.map_rom(page_base, std::move(pages));
        mapped_base_ = rom_base;
    }
    Cpu& c = m_->cpu;
    c.reset();
    Cpu::set_cache_from_descriptor(c.s.seg[CS], 0x08, 0x00CF9B000000FFFFull);
    for (unsigned sr : {ES, SS, DS, FS, GS})
        Cpu::set_cache_from_descriptor(c.s.seg[sr], 0x10, 0x00CF93000000FFFFull);
    c.s.cr0 = CR0_ET | CR0_PE;
    c.set_cpl(0);
    m_->mem.write(kReturnTrap, 1, 0xF4);
    m_->mem.write(kStackTop - 4, 4, kReturnTrap);
    c.s.gpr[ESP].r32 = kStackTop - 4;
    c.s.gpr[EAX].r32 = call;
    c.s.eip = rom_base + 0x88;
    c.run(kMaxInstructions);
    if (!c.s.halted || c.s.eip != kReturnTrap + 1 || c.s.gpr[ESP].r32 != kStackTop)
        return std::nullopt;
    return Relocation{c.s.gpr[EAX].r32, u8(c.s.gpr[EDX].r32)};
}

} // namespace vmi86::vmi
