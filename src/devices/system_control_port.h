// PS/2 System Control Port A (port 0x92): bit 1 gates A20, bit 0 pulses a fast CPU reset.
#pragma once
#include "devices/bus/io_space.h"
#include "devices/bus/memory_bus.h"
#include <functional>

namespace vmi86 {

class SystemControlPort : public IoHandler {
public:
    static constexpr u16 kPort = 0x92;
    SystemControlPort(IoSpace& io, MemoryBus& mem, std::function<void()> reset_cpu);
    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

private:
    MemoryBus& mem_;
    std::function<void()> reset_cpu_;
};

} // namespace vmi86
