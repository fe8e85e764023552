// What the user asked for: the machine's configuration, filled by the command line.
#pragma once
#include "common/types.h"
#include <string>
#include <vector>

namespace vmi86 {

struct MachineConfig {
    u64 ram_mb = 128;
    std::string cpu;      // --cpu: a CPU model (cpu/cpu_model.h); empty: the default model
    std::string bios;     // ROM image mapped at the top of the 4 GiB space
    std::string kernel;   // Linux bzImage or multiboot kernel
    std::string initrd;   // initial ramdisk for a Linux kernel
    std::string append;   // kernel command line
    std::string debugcon; // file for port 0xE9 output; empty: stdout
    bool print_post = false;
    bool verbose = false;
    bool stats = false;
    std::string profile;      // --profile: file for per-block guest instruction counts
    u64 max_instructions = 0; // 0: no limit
    double timeout_seconds = 0;
    std::string vmi = "fast";        // VMI ROM: fast (calls run natively), rom (ROM code runs), off
    std::string vmi_rom;             // a VMI ROM file to map instead of the generated one
    std::string serial = "stdio";    // COM1: stdio, file:PATH or none
    bool no_reboot = false;          // a guest reboot ends the run with status 0
    bool realtime = false;           // virtual time follows the host clock instead of instructions
    std::vector<std::string> expect; // exit 0 when the guest prints one of these
    std::vector<std::string> fail_on; // exit 1 when the guest prints one of these
};

} // namespace vmi86
