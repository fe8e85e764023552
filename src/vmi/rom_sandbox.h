// Asks a foreign VMI ROM's own GetRelocationInfo code: runs it on a private CPU and memory (flat
// 32-bit, paging off, the ROM mapped at the linear base the guest used), so its answers are
// learnt without touching the guest.
#pragma once
#include "common/log.h"
#include "common/types.h"
#include <memory>
#include <optional>
#include <vector>

namespace vmi86::vmi {

struct Relocation {
    u32 eip;
    u8 type;
};

class RomSandbox {
public:
    explicit RomSandbox(std::vector<u8> image);
    ~RomSandbox();
    // The ROM's answer for `call` when its image sits at linear `rom_base`; nullopt if its code
    // did not return normally within a bounded number of instructions.
    std::optional<Relocation> get_relocation_info(u32 rom_base, u32 call);

private:
    struct Machine;
    std::vector<u8> image_;
    std::unique_ptr<Machine> m_;
    u32 mapped_base_ = 0;
};

} // namespace vmi86::vmi
