#include "devices/debug_ports.h"

namespace vmi86 {

DebugPorts::DebugPorts(IoSpace& io, std::FILE* out, std::function<void(int)> request_exit)
    : out_(out), request_exit_(std::move(request_exit)) {
    io.attach(kDebugConsole, 1, this);
    io.attach(kExit, 1, this);
    io.attach(kPost, 1, this);
    io.attach(kPostAlt, 1, this);
}

u32 DebugPorts::io_read(u16 port, unsigned size) {
    // Reading 0xE9 returns 0xE9 (the Bochs "port E9 hack" presence check).
    if (port == kDebugConsole) return 0xE9;
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

void DebugPorts::io_write(u16 port, unsigned size, u32 value) {
    (void)size;
    switch (port) {
    case kDebugConsole: {
        char ch = char(value & 0xFF);
        console_.push_back(ch);
        if (out_) std::fputc(ch, out_);
        if (on_output) on_output(ch);
        break;
    }
    case kExit:
        if (request_exit_) request_exit_(int(((value & 0xFF) << 1) | 1));
        break;
    case kPost:
    case kPostAlt: post_codes_.emplace_back(port, u8(value)); break;
    default: break;
    }
}

} // namespace vmi86
