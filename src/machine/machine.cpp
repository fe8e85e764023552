#include "machine/machine.h"
#include "common/error.h"
#include "cpu/guest_profile.h"
#include "machine/linux_boot.h"
#include "machine/mp_table.h"
#include "machine/multiboot.h"
#include "machine/smbios_table.h"
#include "vmi/rom_image.h"
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/core.h>
#include <fstream>
#include <iterator>
#include <thread>

namespace vmi86 {

namespace {
// In deterministic mode one retired instruction is one nanosecond of virtual time: a 1 GHz CPU.
constexpr u64 kNsPerInstruction = 1;
constexpr u64 kSliceInstructions = 1'000'000;

u64 host_ns() {
    return u64(std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count());
}
} // namespace

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
    if (!config.cpu.empty()) {
        const CpuModel* model = find_cpu_model(config.cpu);
        if (!model) {
            std::string known;
            for (const CpuModel& m : cpu_models()) known += fmt::format(" {}", m.name);
            throw UserError(
                fmt::format("--cpu {}: unknown CPU model (known:{})", config.cpu, known));
        }
        cpu_.model = *model;
    }
    host_start_ns_ = host_ns();
    sched_.set_clock([this] { return virtual_now(); });
    for (const auto& e : config.expect) watch_.expect(e);
    for (const auto& f : config.fail_on) watch_.fail_on(f);

    if (!config.profile.empty()) {
        profile_ = std::make_unique<GuestProfile>();
        cpu_.profile = profile_.get();
    }

    std::FILE* out = stdout;
    if (!config.debugcon.empty()) {
        debugcon_file_ = std::fopen(config.debugcon.c_str(), "wb");
        if (!debugcon_file_)
            throw UserError(fmt::format("{}: {}", config.debugcon, std::strerror(errno)));
        out = debugcon_file_;
    }
    debug_ports_ =
        std::make_unique<DebugPorts>(io_, out, [this](int status) { request_exit(status); });
    debug_ports_->on_output = [this](char c) { guest_output(c); };
    // The board; deterministic runs start the RTC at a fixed date (2026-01-01 00:00:00 UTC).
    board_ =
        std::make_unique<PcBoard>(mem_, io_, sched_, log_, cpu_,
                                  config.realtime ? std::nullopt : std::optional<s64>(1767225600));
    board_->on_reset_request = [this] { reset_pending_ = true, cpu_.s.exit_request = true; };
    port92_ = std::make_unique<SystemControlPort>(
        io_, [this](bool on) { board_->set_a20(on); },
        [this] { reset_pending_ = true, cpu_.s.exit_request = true; });
    // A triple fault resets the system, as the board's shutdown logic does.
    cpu_.on_triple_fault = [this] { reset_pending_ = true, cpu_.s.exit_request = true; };
    setup_serial();

    setup_vmi();
    if (config.bios.empty() && config.kernel.empty())
        throw UserError("no guest given: use --bios FILE or --kernel FILE");
    if (config.kernel.empty() && !config.initrd.empty()) throw UserError("--initrd needs --kernel");
    load_images();
}

void Machine::load_images() {
    if (!config_.bios.empty()) load_bios(config_.bios);
    if (!config_.kernel.empty()) load_kernel();
}

// COM1 carries the console: to stdout (and the --expect watch), a file, or nowhere.
void Machine::setup_serial() {
    class ConsoleBackend : public SerialBackend {
    public:
        ConsoleBackend(std::FILE* out, Machine& m) : out_(out), m_(m) {}
        void write_byte(u8 byte) override {
            if (out_) {
                std::fputc(byte, out_);
                std::fflush(out_);
            }
            m_.guest_output(char(byte));
        }

    private:
        std::FILE* out_;
        Machine& m_;
    };
    std::FILE* out = nullptr;
    const std::string& mode = config_.serial;
    if (mode == "stdio") {
        out = stdout;
    } else if (mode.rfind("file:", 0) == 0) {
        serial_file_ = std::fopen(mode.c_str() + 5, "wb");
        if (!serial_file_)
            throw UserError(fmt::format("--serial {}: {}", mode, std::strerror(errno)));
        out = serial_file_;
    } else if (mode != "none") {
        throw UserError(fmt::format("--serial {}: expected stdio, file:PATH or none", mode));
    }
    console_ = std::make_unique<ConsoleBackend>(out, *this);
    board_->uart(0).set_backend(console_.get());
}

void Machine::feed_host_input() {
    if (host_quit && host_quit()) request_exit(0);
    if (!host_input) return;
    for (int n = 0; n < 64; ++n) {
        if (!pending_input_) pending_input_ = host_input();
        if (!pending_input_ || !board_->uart(0).can_receive()) return;
        board_->uart(0).receive(*pending_input_);
        pending_input_.reset();
    }
}

void Machine::reset_system() {
    reset_pending_ = false;
    if (config_.no_reboot) {
        log_.info("guest reboot: ending the run (--no-reboot)");
        request_exit(0);
        return;
    }
    log_.info("guest reboot: resetting the machine");
    board_->reset();
    cpu_.reset();
    load_images();
}

Machine::~Machine() {
    std::fflush(stdout);
    if (debugcon_file_) std::fclose(debugcon_file_);
    if (serial_file_) std::fclose(serial_file_);
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

void Machine::load_kernel() {
    std::vector<u8> image = read_file(config_.kernel);
    if (is_linux_bzimage(image)) {
        std::vector<u8> initrd =
            config_.initrd.empty() ? std::vector<u8>{} : read_file(config_.initrd);
        load_linux(config_.kernel, image, initrd, config_.append, mem_, cpu_);
        write_mp_table();
        write_smbios_table();
        return;
    }
    if (!config_.initrd.empty())
        throw UserError("--initrd needs a Linux kernel (bzImage) in --kernel");
    // As QEMU and GRUB do, the multiboot command line starts with the kernel's path.
    std::string cmdline =
        config_.append.empty() ? config_.kernel : config_.kernel + " " + config_.append;
    load_multiboot(config_.kernel, image, cmdline, mem_, cpu_);
    write_mp_table();
    write_smbios_table();
}

// No firmware runs before a kernel loaded directly, so the machine leaves the MP table a BIOS
// would: without it Linux finds no I/O APIC. It goes in the last KiB of base memory (639-640
// KiB), which both loaders' memory maps reserve and Linux's MP scan covers.
void Machine::write_mp_table() {
    constexpr u32 kMpTableBase = 0x9FC00;
    if (mem_.ram_size() < kMpTableBase + 0x400) return;
    board_->assign_io_apic_id();
    std::vector<u8> table = build_mp_table(kMpTableBase, board_->mp_table_config());
    std::memcpy(mem_.ram() + kMpTableBase, table.data(), table.size());
}

// Likewise the SMBIOS tables (Linux's "DMI:" line), at the start of the BIOS area both loaders'
// maps reserve (0xF0000-0xFFFFF), where Linux scans for them; plain RAM when no BIOS is mapped.
void Machine::write_smbios_table() {
    constexpr u32 kSmbiosBase = 0xF0000;
    if (mem_.ram_size() < 0x100000) return;
    SmbiosConfig c;
    c.ram_bytes = mem_.ram_size();
    u32 a, b, ecx, d;
    cpu_.cpuid(0, a, b, ecx, d);
    char vendor[12];
    std::memcpy(vendor, &b, 4), std::memcpy(vendor + 4, &d, 4), std::memcpy(vendor + 8, &ecx, 4);
    c.cpu_vendor.assign(vendor, 12);
    cpu_.cpuid(1, c.cpu_signature, b, ecx, c.cpu_features);
    // The model's name without its feature list: "Pentium III (Katmai)".
    const std::string_view desc = cpu_.model.description;
    c.cpu_version = std::string(desc.substr(0, desc.find(':')));
    std::vector<u8> table = build_smbios_table(kSmbiosBase, c);
    std::memcpy(mem_.ram() + kSmbiosBase, table.data(), table.size());
}

// Maps the VMI ROM (generated, or the user's file) in the option ROM area, then finds it as a
// guest would; with --vmi=fast the CPU runs the calls of the ROM it found natively.
void Machine::setup_vmi() {
    constexpr u32 kRomBase = 0xC8000, kRomMax = vmi::kScanEnd - kRomBase;
    if (config_.vmi == "off") return;
    if (config_.vmi != "fast" && config_.vmi != "rom")
        throw UserError(fmt::format("--vmi={}: expected fast, rom or off", config_.vmi));
    std::vector<u8> image;
    if (!config_.vmi_rom.empty()) {
        image = read_file(config_.vmi_rom);
        if (image.empty() || image.size() > kRomMax)
            throw UserError(fmt::format("{}: a VMI ROM image must be 1 byte to {} KiB",
                                        config_.vmi_rom, kRomMax >> 10));
        image.resize((image.size() + 0xFFF) & ~size_t(0xFFF), 0xFF);
    } else {
        image = vmi::build_rom_image().bytes;
    }
    mem_.map_rom(kRomBase, std::move(image));
    auto rom = vmi::scan_for_vmi_rom(mem_, log_);
    if (!rom || config_.vmi != "fast") return;
    vmi::Platform p;
    p.scheduler = &sched_;
    // Wall-clock time follows virtual time from the RTC's start date (fixed when deterministic).
    const u64 epoch_ns = config_.realtime
                             ? u64(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count())
                             : 1767225600ull * 1'000'000'000ull;
    p.wallclock_ns = [this, epoch_ns] { return epoch_ns + virtual_now(); };
    p.reboot = [this] { reset_pending_ = true, cpu_.s.exit_request = true; };
    // An alarm wired to IRQ0 is a rising edge on the ISA line, whatever level the PIT holds.
    p.raise_irq0 = [this] {
        IrqLine& line = board_->isa_irq(0);
        const bool level = line.level();
        line.set(false);
        line.set(true);
        line.set(level);
    };
    p.raise_lapic_timer = [this] {
        LocalApic& apic = board_->local_apic();
        const u32 lvtt = apic.mmio_read(0x320, 4);
        if (!(lvtt & (1u << 16))) apic.accept_interrupt(u8(lvtt), false);
    };
    p.apic_read = [this](u32 reg) { return board_->local_apic().mmio_read(reg & 0xFF0, 4); };
    p.apic_write = [this](u32 reg, u32 v) { board_->local_apic().mmio_write(reg & 0xFF0, 4, v); };
    vmi_ = std::make_unique<vmi::Vmi>(*rom, mem_, std::move(p), log_);
    cpu_.vmi = vmi_.get();
}

u64 Machine::virtual_now() const {
    if (config_.realtime) return host_ns() - host_start_ns_;
    return cpu_.s.retired * kNsPerInstruction + skipped_ns_;
}

void Machine::request_exit(int status) {
    if (!exit_status_) exit_status_ = status;
    cpu_.s.exit_request = true;
}

void Machine::guest_output(char c) {
    watch_.feed(c);
    if (watch_.verdict()) request_exit(*watch_.verdict());
}

bool Machine::skip_halt() {
    // With interrupts disabled (and no NMI source) a halted CPU never runs again.
    if (!(cpu_.s.eflags & FLAG_IF)) return false;
    if (cpu_.s.intr_line) return true; // the CPU takes the interrupt on its next slice
    const u64 next = sched_.next_deadline();
    if (next == Scheduler::kNever) return false;
    const u64 now = virtual_now();
    if (next > now) {
        if (config_.realtime)
            std::this_thread::sleep_for(
                std::chrono::nanoseconds(std::min<u64>(next - now, 10'000'000)));
        else
            skipped_ns_ += next - now;
    }
    sched_.run_due();
    return true;
}

int Machine::run() {
    const u64 start = host_ns();
    int status = 0;
    for (;;) {
        u64 budget = kSliceInstructions;
        const u64 deadline = sched_.next_deadline();
        if (deadline != Scheduler::kNever) {
            const u64 now = virtual_now();
            budget = std::clamp<u64>(deadline > now ? (deadline - now) / kNsPerInstruction : 1, 1,
                                     kSliceInstructions);
        }
        if (config_.max_instructions) {
            if (cpu_.s.retired >= config_.max_instructions) {
                log_.info("instruction limit reached");
                break;
            }
            budget = std::min(budget, config_.max_instructions - cpu_.s.retired);
        }
        cpu_.run(budget);
        sched_.run_due();
        if (reset_pending_) reset_system();
        feed_host_input();
        board_->update_cpu_intr();
        if (exit_status_) {
            status = *exit_status_;
            break;
        }
        if (cpu_.s.halted && !skip_halt()) {
            // Nothing can wake this CPU: the guest has powered off.
            log_.info("guest halted for good at {:04x}:{:08x}", cpu_.s.seg[CS].selector,
                      cpu_.s.eip);
            break;
        }
        if (config_.timeout_seconds > 0 &&
            double(host_ns() - start) / 1e9 > config_.timeout_seconds) {
            fmt::print(stderr, "vmi86: timeout after {} s\n", config_.timeout_seconds);
            status = 124;
            break;
        }
    }
    const double secs = double(host_ns() - start) / 1e9;
    std::fflush(stdout);
    if (debugcon_file_) std::fflush(debugcon_file_);
    if (config_.print_post)
        for (auto [port, code] : debug_ports_->post_codes())
            fmt::print(stderr, "POST {:#x}: {:#04x}\n", port, code);
    if (config_.stats) print_stats(secs);
    if (profile_) write_profile();
    return status;
}

void Machine::write_profile() {
    std::FILE* f = std::fopen(config_.profile.c_str(), "w");
    if (!f) {
        fmt::print(stderr, "vmi86: {}: {}\n", config_.profile, std::strerror(errno));
        return;
    }
    profile_->write(f);
    std::fclose(f);
}

void Machine::print_stats(double seconds) {
    const u64 n = cpu_.s.retired - cpu_.s.stall_cycles;
    fmt::print(
        stderr,
        "guest instructions: {}\nvirtual time: {:.3f} s\nhost time: {:.3f} s\nspeed: {:.1f} MIPS\n",
        n, double(virtual_now()) / 1e9, seconds, seconds > 0 ? double(n) / seconds / 1e6 : 0.0);
    std::string code;
    for (u32 i = 0; i < 16; ++i) {
        try {
            code += fmt::format(" {:02x}", cpu_.read_sys(cpu_.s.seg[CS].base + cpu_.s.eip + i, 1));
        } catch (const GuestFault&) {
            code += " ??";
        }
    }
    fmt::print(stderr, "cpu: {:04x}:{:08x} cpl {} {}, code{}\n", cpu_.s.seg[CS].selector,
               cpu_.s.eip, cpu_.s.cpl, cpu_.s.halted ? "halted" : "running", code);
    if (vmi_) vmi_->print_stats(stderr);
}

} // namespace vmi86
