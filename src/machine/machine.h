// Machine: a PC board that owns everything — RAM/ROM and the physical memory map, the I/O port
// space, the scheduler (virtual time), the CPU, every device — and runs it. Several machines can
// live in one process.
#pragma once
#include "common/log.h"
#include "cpu/cpu.h"
#include "devices/bus/io_space.h"
#include "devices/bus/memory_bus.h"
#include "devices/debug_ports.h"
#include "devices/scheduler.h"
#include "devices/serial_backend.h"
#include "devices/system_control_port.h"
#include "machine/config.h"
#include "machine/output_watch.h"
#include "machine/pc_board.h"
#include "vmi/vmi.h"
#include <cstdio>
#include <memory>
#include <optional>

namespace vmi86 {

class Machine {
public:
    // Throws UserError for bad configuration or images.
    explicit Machine(const MachineConfig& config);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    // Runs the guest until it exits (port 0xF4, --expect/--fail-on), powers off (halts with
    // nothing left to wake it), or a limit is reached. Returns the process exit status.
    int run();

    Cpu& cpu() { return cpu_; }
    MemoryBus& memory() { return mem_; }
    IoSpace& io() { return io_; }
    Scheduler& scheduler() { return sched_; }
    DebugPorts& debug_ports() { return *debug_ports_; }
    Log& log() { return log_; }
    // The VMI fast path, when --vmi=fast found a ROM.
    const vmi::Vmi* vmi() const { return vmi_.get(); }

    // Ends run() with this status at the next block boundary.
    void request_exit(int status);
    // Guest output that the --expect/--fail-on rules look at.
    void guest_output(char c);
    PcBoard& board() { return *board_; }
    // Polled between CPU slices for bytes the host types into COM1 (the headless frontend).
    std::function<std::optional<u8>()> host_input;
    // Polled between CPU slices: true when the user asked to quit (Ctrl-A x).
    std::function<bool()> host_quit;

private:
    void load_bios(const std::string& path);
    void load_kernel();
    void write_mp_table();
    void write_smbios_table();
    void setup_vmi();
    void setup_serial();
    void load_images();
    // A guest reboot: the whole board resets and the images load again (or the run ends with
    // --no-reboot).
    void reset_system();
    void feed_host_input();
    void write_profile();
    void print_stats(double seconds);
    u64 virtual_now() const;
    // Lets virtual time jump to the next event while the CPU is halted. False: nothing can
    // ever wake it.
    bool skip_halt();

    MachineConfig config_;
    Log log_;
    MemoryBus mem_;
    IoSpace io_;
    Scheduler sched_;
    Cpu cpu_;
    OutputWatch watch_;
    std::FILE* debugcon_file_ = nullptr;
    std::unique_ptr<DebugPorts> debug_ports_;
    std::unique_ptr<SystemControlPort> port92_;
    std::unique_ptr<PcBoard> board_;
    std::FILE* serial_file_ = nullptr;
    std::unique_ptr<SerialBackend> console_;
    std::optional<u8> pending_input_;
    bool reset_pending_ = false;
    std::optional<int> exit_status_;
    std::unique_ptr<GuestProfile> profile_; // with --profile
    std::unique_ptr<vmi::Vmi> vmi_;         // the VMI fast path, with --vmi=fast and a ROM found
    u64 skipped_ns_ = 0; // virtual time skipped while halted (deterministic mode)
    u64 host_start_ns_ = 0;
};

// Reads a whole file; throws UserError with the path if it cannot.
std::vector<u8> read_file(const std::string& path);

} // namespace vmi86
