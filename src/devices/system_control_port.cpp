#include "devices/system_control_port.h"

namespace vmi86 {

SystemControlPort::SystemControlPort(IoSpace& io, MemoryBus& mem, std::function<void()> reset_cpu)
    : mem_(mem), reset_cpu_(std::move(reset_cpu)) {
    io.attach(kPort, 1, this);
}

u32 SystemControlPort::io_read(u16, unsigned) { return mem_.a20_enabled() ? 0x02 : 0x00; }

void SystemControlPort::io_write(u16, unsigned, u32 value) {
    mem_.set_a20(value & 0x02);
    if ((value & 0x01) && reset_cpu_) reset_cpu_();
}

} // namespace vmi86
