// System Control Port B (port 0x61) of the PC/AT and PIIX3: bit 0 gates PIT counter 2, bit 1
// enables speaker data, bits 2-3 are the parity/channel-check enables; read-only bit 4 is the
// DRAM refresh toggle (every 15.085 us of virtual time: BIOSes and Linux time short delays by
// it), bit 5 is PIT counter 2's OUT, bits 6-7 (channel check, parity error) read 0.
#pragma once
#include "devices/bus/io_space.h"
#include "devices/i8254.h"
#include "devices/scheduler.h"

namespace vmi86 {

class SystemControlPortB : public IoHandler {
public:
    static constexpr u16 kPort = 0x61;
    static constexpr u64 kRefreshToggleNs = 15085;

    SystemControlPortB(IoSpace& io, Scheduler& scheduler, Pit8254& pit);

    // The speaker sounds counter 2's OUT when both bits 0 and 1 are set.
    bool speaker_enabled() const { return (control_ & 0x03) == 0x03; }

    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

private:
    Scheduler& scheduler_;
    Pit8254& pit_;
    u8 control_ = 0; // bits 0-3 as written
};

} // namespace vmi86
