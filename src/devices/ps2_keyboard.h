// An MF2 PS/2 keyboard: the command set an AT BIOS, Linux's atkbd and DOS programs use (reset,
// identify, scan set select, LEDs, typematic, enable/disable, echo) and key events from the host
// turned into scan set 2 (or set 1 when the guest selects it). Typematic repeat is left to the
// host: a frontend that auto-repeats sends repeated key-down events.
#pragma once
#include "common/log.h"
#include "devices/ps2_device.h"
#include "devices/scancodes.h"

namespace vmi86 {

class Ps2Keyboard : public Ps2Device {
public:
    explicit Ps2Keyboard(Log& log);

    void write(u8 byte) override;

    // A host key went down or up. Ignored while scanning is disabled; an overrun code is sent
    // when the keyboard's buffer is full, as a real keyboard does.
    void key_event(HostKey key, bool down);

    // Power-on state (scan set 2, scanning enabled, LEDs off), with the BAT completion code
    // queued when `announce` (a keyboard sends AA after power-up).
    void reset(bool announce);

    u8 leds() const { return leds_; } // bit 0 scroll, 1 num, 2 caps lock
    int scan_set() const { return scan_set_; }
    bool scanning() const { return scanning_; }

private:
    void run_command(u8 command);
    void set_defaults();

    Log& log_;
    u8 pending_command_ = 0; // a command waiting for its argument byte, or 0
    u8 last_sent_ = 0xFA;    // for the resend command (FE)
    u8 leds_ = 0;
    u8 typematic_ = 0x2B;
    int scan_set_ = 2;
    bool scanning_ = true;

    void reply(u8 byte) {
        last_sent_ = byte;
        send(byte);
    }
};

} // namespace vmi86
