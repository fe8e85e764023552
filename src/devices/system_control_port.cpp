#include "devices/system_control_port.h"

namespace vmi86 {

SystemControlPort::SystemControlPort(IoSpace& io, std::function<void(bool)> set_a20, std::function<void()> reset_cpu)
    : set_a20_(std::move(set_a20)), reset_cpu_(std::move(reset_cpu)) {
    io.attach(kPort, 1, this);
}

u32 SystemControlPort::io_read(u16, unsigned) { return value_ & 0x02; }

void SystemControlPort::io_write(u16, unsigned, u32 value) {
    value_ = u8(value & 0x02);
    if (set_a20_) set_a20_(value & 0x02);
    if ((value & 0x01) && reset_cpu_) reset_cpu_();
}

} // namespace vmi86
