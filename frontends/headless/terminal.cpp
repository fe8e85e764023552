#include "terminal.h"
#include <poll.h>
#include <unistd.h>

namespace vmi86 {

namespace {
constexpr unsigned char kCtrlA = 0x01;
}

Terminal::Terminal() {
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
        termios raw = saved_;
        cfmakeraw(&raw);
        raw.c_oflag |= OPOST; // keep newline translation for our own messages
        raw_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
}

Terminal::~Terminal() {
    if (raw_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
}

std::optional<unsigned char> Terminal::poll() {
    while (!eof_ && !quit_) {
        // poll() rather than O_NONBLOCK: a terminal's stdin and stdout share one file
        // description, and a non-blocking stdout would lose guest output.
        pollfd p{STDIN_FILENO, POLLIN, 0};
        if (::poll(&p, 1, 0) <= 0) return std::nullopt;
        unsigned char c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n == 0) {
            eof_ = true;
            return std::nullopt;
        }
        if (n < 0) return std::nullopt;
        if (!raw_) return c; // a pipe: bytes go through unchanged
        if (escape_) {
            escape_ = false;
            if (c == 'x' || c == 'X') {
                quit_ = true;
                return std::nullopt;
            }
            if (c == kCtrlA) return c;
            continue; // unknown escape: dropped, as QEMU does
        }
        if (c == kCtrlA) {
            escape_ = true;
            continue;
        }
        return c;
    }
    return std::nullopt;
}

} // namespace vmi86
