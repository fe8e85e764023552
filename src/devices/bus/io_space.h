// The 64 KiB I/O port space. Devices register handlers for port ranges; unclaimed reads float
// high (all-ones) and unclaimed writes are dropped, as on a real ISA bus.
#pragma once
#include "common/types.h"
#include <vector>

namespace vmi86 {

class IoHandler {
public:
    virtual ~IoHandler() = default;
    // size is 1, 2 or 4; port is the absolute port number.
    virtual u32 io_read(u16 port, unsigned size) = 0;
    virtual void io_write(u16 port, unsigned size, u32 value) = 0;
};

class IoSpace {
public:
    IoSpace();
    void attach(u16 first, u16 count, IoHandler* handler);
    u32 read(u16 port, unsigned size);
    void write(u16 port, unsigned size, u32 value);

private:
    std::vector<IoHandler*> ports_;
};

} // namespace vmi86
