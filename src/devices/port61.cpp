#include "devices/port61.h"

namespace vmi86 {

SystemControlPortB::SystemControlPortB(IoSpace& io, Scheduler& scheduler, Pit8254& pit)
    : scheduler_(scheduler), pit_(pit) {
    pit_.set_gate(2, false);
    io.attach(kPort, 1, this);
}

u32 SystemControlPortB::io_read(u16, unsigned size) {
    const bool refresh = (scheduler_.now() / kRefreshToggleNs) & 1;
    u32 value = control_ | (refresh ? 0x10 : 0) | (pit_.out(2) ? 0x20 : 0);
    // A wider access reads the unclaimed port 0x62 upwards as floating bus.
    for (unsigned i = 1; i < size; ++i) value |= 0xFFu << (8 * i);
    return value;
}

void SystemControlPortB::io_write(u16, unsigned, u32 value) {
    control_ = u8(value & 0x0F);
    pit_.set_gate(2, control_ & 0x01);
}

} // namespace vmi86
