// A device on a PS/2 port (keyboard or mouse) as the 8042 sees it: bytes in from the controller,
// a queue of bytes out that the controller takes one at a time when its output buffer is free.
#pragma once
#include "common/types.h"
#include <deque>
#include <functional>

namespace vmi86 {

class Ps2Device {
public:
    virtual ~Ps2Device() = default;

    // A byte the controller sends to the device (a command or a command's argument).
    virtual void write(u8 byte) = 0;

    bool has_output() const { return !output_.empty(); }
    u8 take_output() {
        u8 b = output_.front();
        output_.pop_front();
        return b;
    }
    // Called whenever the device queues output, so the controller can fill its buffer.
    void set_output_listener(std::function<void()> listener) { listener_ = std::move(listener); }

protected:
    // Replies both kinds of device send.
    static constexpr u8 kAck = 0xFA;
    static constexpr u8 kResend = 0xFE;
    static constexpr u8 kBatOk = 0xAA; // self-test passed

    // The device's own buffer: real keyboards hold 16 bytes; a larger one keeps bursts of
    // host input (pasted text, scripted keys) from being lost while the guest is slow.
    static constexpr std::size_t kOutputCapacity = 256;

    std::size_t output_room() const { return kOutputCapacity - output_.size(); }
    void send(u8 byte) {
        output_.push_back(byte);
        if (listener_) listener_();
    }
    void clear_output() { output_.clear(); }

private:
    std::deque<u8> output_;
    std::function<void()> listener_;
};

} // namespace vmi86
