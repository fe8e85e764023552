// Direct Linux boot (Documentation/x86/boot.rst, the 32-bit boot protocol): the protected-mode
// kernel of a bzImage at 1 MiB, boot_params ("zero page") with the setup header, an E820 map,
// the command line and the initrd, entered in flat 32-bit protected mode with ESI = boot_params.
#pragma once
#include "common/types.h"
#include <string>
#include <vector>

namespace vmi86 {

class Cpu;
class MemoryBus;

// True if the image carries the Linux setup header ("HdrS").
bool is_linux_bzimage(const std::vector<u8>& image);

// Throws UserError for a truncated or unsupported image, or an initrd that does not fit.
void load_linux(const std::string& path, const std::vector<u8>& image,
                const std::vector<u8>& initrd, const std::string& cmdline, MemoryBus& mem,
                Cpu& cpu);

} // namespace vmi86
