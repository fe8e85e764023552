// Multiboot v1 kernels (ELF or a.out-kludge header), loaded and entered as the multiboot
// specification says: 32-bit protected mode, flat segments, EAX = 0x2BADB002, EBX = info.
#pragma once
#include "common/types.h"
#include <string>
#include <vector>

namespace vmi86 {

class Cpu;
class MemoryBus;

// Throws UserError when the file is not a loadable multiboot kernel.
void load_multiboot(const std::string& path, const std::vector<u8>& image,
                    const std::string& cmdline, MemoryBus& mem, Cpu& cpu);

} // namespace vmi86
