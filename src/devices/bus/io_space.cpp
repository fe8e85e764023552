#include "devices/bus/io_space.h"

namespace vmi86 {

IoSpace::IoSpace() : ports_(0x10000, nullptr) {}

void IoSpace::attach(u16 first, u16 count, IoHandler* handler) {
    for (u32 p = first; p < u32(first) + count && p < 0x10000; ++p) ports_[p] = handler;
}

u32 IoSpace::read(u16 port, unsigned size) {
    if (IoHandler* h = ports_[port]) return h->io_read(port, size);
    return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

void IoSpace::write(u16 port, unsigned size, u32 value) {
    if (IoHandler* h = ports_[port]) h->io_write(port, size, value);
}

} // namespace vmi86
