// vmi86 command line: options follow QEMU's names where a user would look for them.
#include "common/error.h"
#include "machine/machine.h"
#include "terminal.h"
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <optional>

int main(int argc, char** argv) {
    vmi86::MachineConfig cfg;
    CLI::App app{"vmi86: a full-system x86 PC emulator"};
    app.set_version_flag("--version", "vmi86 0.1");
    app.add_option("-m,--memory", cfg.ram_mb, "guest RAM in MiB")->capture_default_str();
    std::string cpu_help = "CPU model:";
    for (const vmi86::CpuModel& m : vmi86::cpu_models())
        cpu_help += fmt::format("\n  {}: {}{}", m.name, m.description,
                                m.name == vmi86::default_cpu_model().name ? " (default)" : "");
    app.add_option("--cpu", cfg.cpu, cpu_help);
    app.add_option(
        "--bios", cfg.bios,
        "ROM image mapped at the top of the 4 GiB space (last 128 KiB mirrored below 1 MiB)");
    app.add_option("--kernel", cfg.kernel, "Linux bzImage or multiboot kernel to boot directly");
    app.add_option("--initrd", cfg.initrd, "initial ramdisk for a Linux kernel");
    app.add_option("--append", cfg.append, "kernel command line");
    app.add_option("--debugcon", cfg.debugcon, "file for port 0xE9 output (default: stdout)");
    app.add_flag("--post", cfg.print_post,
                 "print the POST codes written to ports 0x80 and 0x190 at exit");
    app.add_flag("--stats", cfg.stats, "print guest instructions, host time and speed at exit");
    app.add_option("--profile", cfg.profile,
                   "write retired guest instructions per block address to this file at exit");
    app.add_option("--max-instructions", cfg.max_instructions,
                   "stop after this many guest instructions");
    app.add_option("--timeout", cfg.timeout_seconds,
                   "give up after this many seconds (exit status 124)");
    app.add_flag("-v,--verbose", cfg.verbose, "log what the machine does");
    app.add_option("--serial", cfg.serial, "COM1: stdio (default), file:PATH or none");
    app.add_flag("--no-reboot", cfg.no_reboot, "end the run with status 0 when the guest reboots");
    std::string display = "none";
    app.add_option("--display", display, "none: headless (serial console on stdio)")
        ->check(CLI::IsMember({"none"}));
    app.add_option("--expect", cfg.expect,
                   "exit with status 0 when the guest prints TEXT (repeatable)");
    app.add_option("--fail-on", cfg.fail_on,
                   "exit with status 1 when the guest prints TEXT (repeatable)");
    app.add_option("--vmi", cfg.vmi,
                   "VMI ROM: fast (its calls run natively), rom (its code runs as any code), off "
                   "(no ROM)")
        ->check(CLI::IsMember({"fast", "rom", "off"}))
        ->capture_default_str();
    app.add_option("--vmi-rom", cfg.vmi_rom, "map this VMI ROM image instead of the generated one");
    app.add_flag(
        "--realtime", cfg.realtime,
        "virtual time follows the host clock (default: guest instructions, deterministic)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        fmt::print("{}", app.help());
        return 0;
    } catch (const CLI::CallForVersion&) {
        fmt::print("vmi86 0.1\n");
        return 0;
    } catch (const CLI::ParseError& e) {
        fmt::print(stderr, "vmi86: {}\n", e.what());
        return 2;
    }
    try {
        vmi86::Machine machine(cfg);
        // Headless: the terminal feeds COM1 when the console is on stdio; Ctrl-A x quits.
        std::optional<vmi86::Terminal> terminal;
        if (cfg.serial == "stdio") {
            terminal.emplace();
            machine.host_input = [&] { return terminal->poll(); };
            machine.host_quit = [&] { return terminal->quit_requested(); };
        }
        return machine.run();
    } catch (const vmi86::UserError& e) {
        fmt::print(stderr, "vmi86: {}\n", e.what());
        return 2;
    }
}
