// PS/2 System Control Port A (port 0x92): bit 1 gates A20, bit 0 pulses a fast CPU reset.
#pragma once
#include "devices/bus/io_space.h"
#include <functional>

namespace vmi86 {

class SystemControlPort : public IoHandler {
public:
    static constexpr u16 kPort = 0x92;
    SystemControlPort(IoSpace& io, std::function<void(bool)> set_a20, std::function<void()> reset_cpu);
    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

private:
    std::function<void(bool)> set_a20_;
    std::function<void()> reset_cpu_;
    u8 value_ = 0;
};

} // namespace vmi86
