#include "machine/machine.h"
#include "common/error.h"
#include "machine/linux_boot.h"
#include "machine/multiboot.h"
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/core.h>
#include <fstream>
#include <iterator>

namespace vmi86 {

std::vector<u8> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw UserError(fmt::format("{}: {}", path, std::strerror(errno ? errno : ENOENT)));
    std::vector<u8> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (f.bad()) throw UserError(fmt::format("{}: read error", path));
    return data;
}

Machine::Machine(const MachineConfig& config) : config_(config), cpu_(mem_, io_, log_) {
    log_.verbose = config.verbose;
    if (config.ram_mb == 0 || config.ram_mb > 3584)
        throw UserError(
            fmt::format("-m {}: RAM size must be between 1 and 3584 MiB", config.ram_mb));
    mem_.allocate_ram(config.ram_mb << 20);
    std::FILE* out = stdout;
    if (!config.debugcon.empty()) {
        debugcon_file_ = std::fopen(config.debugcon.c_str(), "wb");
        if (!debugcon_file_)
            throw UserError(fmt::format("{}: {}", config.debugcon, std::strerror(errno)));
        out = debugcon_file_;
    }
    debug_ports_ =
        std::make_unique<DebugPorts>(io_, out, [this](int status) { request_exit(status); });
    port92_ = std::make_unique<SystemControlPort>(io_, mem_, [this] { cpu_.reset(); });
    cpu_.on_triple_fault = [this] {
        // A triple fault resets the CPU, as the board's shutdown logic does.
        cpu_.reset();
    };
    if (!config.bios.empty()) load_bios(config.bios);
    if (!config.kernel.empty()) {
        std::vector<u8> image = read_file(config.kernel);
        if (is_linux_bzimage(image)) {
            std::vector<u8> initrd = config.initrd.empty() ? std::vector<u8>{} : read_file(config.initrd);
            load_linux(config.kernel, image, initrd, config.append, mem_, cpu_);
        } else {
            if (!config.initrd.empty()) throw UserError("--initrd needs a Linux kernel (bzImage) in --kernel");
            // As QEMU and GRUB do, the multiboot command line starts with the kernel's path.
            std::string cmdline = config.append.empty() ? config.kernel : config.kernel + " " + config.append;
            load_multiboot(config.kernel, image, cmdline, mem_, cpu_);
        }
    } else if (!config.initrd.empty()) {
        throw UserError("--initrd needs --kernel");
    }
    if (config.bios.empty() && config.kernel.empty())
        throw UserError("no guest given: use --bios FILE or --kernel FILE");
}

Machine::~Machine() {
    std::fflush(stdout);
    if (debugcon_file_) std::fclose(debugcon_file_);
}

void Machine::load_bios(const std::string& path) {
    std::vector<u8> rom = read_file(path);
    if (rom.empty() || rom.size() % 4096 != 0 || rom.size() > (16u << 20))
        throw UserError(fmt::format(
            "{}: not a BIOS ROM image (size {} is not a multiple of 4 KiB up to 16 MiB)", path,
            rom.size()));
    const u32 size = u32(rom.size());
    const u32 base = u32(0x100000000ull - size);
    mem_.map_rom(base, std::move(rom));
    // The last 128 KiB (or the whole smaller ROM) also appear just below 1 MiB.
    const u32 low = std::min<u32>(size, 128u << 10);
    mem_.map_rom_alias(0x100000 - low, 0u - low, low);
}

void Machine::request_exit(int status) {
    if (!exit_status_) exit_status_ = status;
    cpu_.s.exit_request = true;
}

int Machine::run() {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const u64 chunk = 1'000'000;
    int status = 0;
    for (;;) {
        u64 budget = chunk;
        if (config_.max_instructions) {
            if (cpu_.s.retired >= config_.max_instructions) {
                log_.info("instruction limit reached");
                break;
            }
            budget = std::min(budget, config_.max_instructions - cpu_.s.retired);
        }
        cpu_.run(budget);
        if (exit_status_) {
            status = *exit_status_;
            break;
        }
        if (cpu_.s.halted && !cpu_.interrupts) {
            // Nothing can wake this CPU: the guest has stopped for good.
            log_.info("guest halted at {:04x}:{:08x}", cpu_.s.seg[CS].selector, cpu_.s.eip);
            break;
        }
        if (config_.timeout_seconds > 0 &&
            std::chrono::duration<double>(clock::now() - start).count() > config_.timeout_seconds) {
            fmt::print(stderr, "vmi86: timeout after {} s\n", config_.timeout_seconds);
            status = 124;
            break;
        }
    }
    const double secs = std::chrono::duration<double>(clock::now() - start).count();
    std::fflush(stdout);
    if (debugcon_file_) std::fflush(debugcon_file_);
    if (config_.print_post) {
        for (auto [port, code] : debug_ports_->post_codes())
            fmt::print(stderr, "POST {:#x}: {:#04x}\n", port, code);
    }
    if (config_.stats) print_stats(secs);
    return status;
}

void Machine::print_stats(double seconds) const {
    const u64 n = cpu_.s.retired;
    fmt::print(stderr, "guest instructions: {}\nhost time: {:.3f} s\nspeed: {:.1f} MIPS\n", n,
               seconds, seconds > 0 ? n / seconds / 1e6 : 0.0);
}

} // namespace vmi86
