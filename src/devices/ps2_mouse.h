// A standard PS/2 mouse (device ID 00, three-byte packets): reset, identify, sample rate,
// resolution, scaling, stream/remote/wrap modes, status request, and packets built from host
// motion with sign and overflow bits.
#pragma once
#include "common/log.h"
#include "devices/ps2_device.h"

namespace vmi86 {

class Ps2Mouse : public Ps2Device {
public:
    // Host button bits for mouse_motion (the PS/2 packet's order).
    static constexpr unsigned kLeftButton = 1u << 0;
    static constexpr unsigned kRightButton = 1u << 1;
    static constexpr unsigned kMiddleButton = 1u << 2;

    explicit Ps2Mouse(Log& log);

    void write(u8 byte) override;

    // Host motion in counts, screen convention: dx > 0 is right, dy > 0 is DOWN (as SDL and
    // most window systems report); the packet carries PS/2's up-positive Y. `buttons` is the
    // current button state (k*Button bits). In stream mode with reporting on, one packet is
    // sent; a delta beyond -256..255 saturates and sets the overflow bit. In remote mode the
    // motion accumulates until the guest reads it (EB).
    void mouse_motion(int dx, int dy, unsigned buttons);

    // Power-on defaults (100 samples/s, 4 counts/mm, 1:1 scaling, stream mode, reporting off),
    // with AA 00 queued when `announce`.
    void reset(bool announce);

    bool reporting() const { return reporting_; }
    u8 sample_rate() const { return sample_rate_; }
    u8 resolution() const { return resolution_; }

private:
    void run_command(u8 command);
    void set_defaults();
    void send_packet();
    void reply(u8 byte) {
        last_sent_ = byte;
        send(byte);
    }

    Log& log_;
    u8 pending_command_ = 0; // F3 or E8 waiting for its argument, or 0
    u8 last_sent_ = 0xFA;
    u8 sample_rate_ = 100;
    u8 resolution_ = 2;
    bool scaling_2to1_ = false;
    bool remote_mode_ = false;
    bool wrap_mode_ = false;
    bool reporting_ = false;
    unsigned buttons_ = 0;
    int acc_dx_ = 0; // accumulated motion, PS/2 convention (Y up)
    int acc_dy_ = 0;
};

} // namespace vmi86
