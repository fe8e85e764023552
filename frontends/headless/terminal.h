// The host terminal in headless mode: stdin in raw mode when it is a terminal (restored on exit),
// non-blocking reads, and QEMU's escape: Ctrl-A x quits, Ctrl-A Ctrl-A sends a Ctrl-A.
#pragma once
#include <optional>
#include <termios.h>

namespace vmi86 {

class Terminal {
public:
    Terminal();
    ~Terminal();
    Terminal(const Terminal&) = delete;
    Terminal& operator=(const Terminal&) = delete;

    // The next byte for the guest, if one is waiting. Sets quit_requested() on Ctrl-A x.
    std::optional<unsigned char> poll();
    bool quit_requested() const { return quit_; }
    bool at_eof() const { return eof_; }

private:
    bool raw_ = false;
    bool escape_ = false;
    bool quit_ = false;
    bool eof_ = false;
    termios saved_{};
};

} // namespace vmi86
