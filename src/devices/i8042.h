// The 8042 keyboard controller of a PC/AT with PS/2 ports: data port 0x60, status/command port
// 0x64, the command byte (interrupt enables, port disables, set 2 → set 1 translation), the
// output port (A20 gate, CPU reset), and a keyboard and a mouse behind it. Like the real chip
// it has a one-byte output buffer: the next byte (controller reply, then keyboard, then mouse)
// is presented only when the guest has read the previous one from port 0x60.
#pragma once
#include "common/log.h"
#include "devices/bus/io_space.h"
#include "devices/irq.h"
#include "devices/ps2_keyboard.h"
#include "devices/ps2_mouse.h"
#include <deque>
#include <functional>

namespace vmi86 {

class I8042 : public IoHandler {
public:
    static constexpr u16 kDataPort = 0x60;
    static constexpr u16 kStatusPort = 0x64;

    // Status register bits (port 0x64 read).
    static constexpr u8 kStatusOutputFull = 0x01;
    static constexpr u8 kStatusInputFull = 0x02;
    static constexpr u8 kStatusSystem = 0x04;
    static constexpr u8 kStatusCommand = 0x08; // last write was to port 0x64
    static constexpr u8 kStatusNotInhibited = 0x10;
    static constexpr u8 kStatusAuxData = 0x20;
    static constexpr u8 kStatusTimeout = 0x40;
    static constexpr u8 kStatusParity = 0x80;

    // Command byte bits.
    static constexpr u8 kCtrKbdInterrupt = 0x01;
    static constexpr u8 kCtrAuxInterrupt = 0x02;
    static constexpr u8 kCtrSystem = 0x04;
    static constexpr u8 kCtrKbdDisabled = 0x10;
    static constexpr u8 kCtrAuxDisabled = 0x20;
    static constexpr u8 kCtrTranslate = 0x40;

    // Attaches ports 0x60 and 0x64. irq1 is the keyboard's IRQ, irq12 the mouse's.
    I8042(IoSpace& io, IrqLine& irq1, IrqLine& irq12, Log& log);

    // Output port bit 1 changed: the machine gates A20 (combined with port 0x92 as the chipset
    // does). Called only on a change.
    std::function<void(bool enabled)> on_a20;
    // Output port bit 0 pulsed or driven low: the machine resets the CPU.
    std::function<void()> on_reset;

    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

    // The devices behind the ports; frontends call keyboard().key_event() and
    // mouse().mouse_motion().
    Ps2Keyboard& keyboard() { return keyboard_; }
    Ps2Mouse& mouse() { return mouse_; }

    // Power-on state of the controller and both devices.
    void reset();

    u8 command_byte() const { return ram_[0]; }
    bool a20_enabled() const { return output_port_ & kOutA20; }

private:
    static constexpr u8 kOutReset = 0x01; // low = CPU held in reset
    static constexpr u8 kOutA20 = 0x02;
    static constexpr u8 kOutKbdFull = 0x10;
    static constexpr u8 kOutAuxFull = 0x20;

    enum class Source { Controller, Keyboard, Aux };
    struct QueuedByte {
        u8 value;
        Source source;
    };

    u8 read_data();
    u8 read_status() const;
    void write_data(u8 value);
    void write_command(u8 command);
    void write_command_byte(u8 value);
    void write_output_port(u8 value);
    void reply(u8 value, Source source = Source::Controller);

    // Moves the next byte into the empty output buffer and updates IRQ1/IRQ12.
    void fill_output_buffer();
    bool take_keyboard_byte(u8& out);
    void update_irqs();

    IrqLine& irq1_;
    IrqLine& irq12_;
    Log& log_;
    Ps2Keyboard keyboard_;
    Ps2Mouse mouse_;

    u8 ram_[32] = {}; // byte 0 is the command byte
    u8 output_port_ = 0;
    u8 status_flags_ = 0;    // SYS and command/data bits of the status register
    u8 pending_command_ = 0; // a command waiting for its data byte on port 0x60, or 0
    bool output_full_ = false;
    u8 output_byte_ = 0;
    Source output_source_ = Source::Controller;
    bool translate_release_ = false; // a set 2 F0 was swallowed by the translation
    std::deque<QueuedByte> replies_;
};

} // namespace vmi86
