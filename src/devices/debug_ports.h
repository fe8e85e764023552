// The test-harness ports every vmi86 machine has: the debug console (0xE9, bytes to a host
// stream, as Bochs and QEMU's debugcon), the exit port (0xF4, QEMU's isa-debug-exit: the process
// ends with status (value << 1) | 1) and POST code capture (0x80 and 0x190).
#pragma once
#include "devices/bus/io_space.h"
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace vmi86 {

class DebugPorts : public IoHandler {
public:
    static constexpr u16 kDebugConsole = 0xE9;
    static constexpr u16 kExit = 0xF4;
    static constexpr u16 kPost = 0x80;
    static constexpr u16 kPostAlt = 0x190;

    // out: where debug-console bytes go (not owned). request_exit: asked to end the run.
    DebugPorts(IoSpace& io, std::FILE* out, std::function<void(int status)> request_exit);

    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

    const std::vector<std::pair<u16, u8>>& post_codes() const { return post_codes_; }
    const std::string& console_text() const { return console_; }
    // Sees every debug-console byte (the machine's --expect/--fail-on watch).
    std::function<void(char)> on_output;

private:
    std::FILE* out_;
    std::function<void(int)> request_exit_;
    std::vector<std::pair<u16, u8>> post_codes_;
    std::string console_; // everything written, for tests and --expect
};

} // namespace vmi86
