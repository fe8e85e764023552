#include "devices/i8042.h"

namespace vmi86 {

namespace {
// Controller commands (port 0x64 writes).
constexpr u8 kCmdReadRamFirst = 0x20; // 0x20..0x3F: read RAM byte (0x20 = command byte)
constexpr u8 kCmdReadRamLast = 0x3F;
constexpr u8 kCmdWriteRamFirst = 0x60; // 0x60..0x7F: write RAM byte (0x60 = command byte)
constexpr u8 kCmdWriteRamLast = 0x7F;
constexpr u8 kCmdPasswordInstalled = 0xA4;
constexpr u8 kCmdAuxDisable = 0xA7;
constexpr u8 kCmdAuxEnable = 0xA8;
constexpr u8 kCmdAuxTest = 0xA9;
constexpr u8 kCmdSelfTest = 0xAA;
constexpr u8 kCmdKbdTest = 0xAB;
constexpr u8 kCmdKbdDisable = 0xAD;
constexpr u8 kCmdKbdEnable = 0xAE;
constexpr u8 kCmdReadInputPort = 0xC0;
constexpr u8 kCmdReadOutputPort = 0xD0;
constexpr u8 kCmdWriteOutputPort = 0xD1;
constexpr u8 kCmdWriteKbdBuffer = 0xD2;
constexpr u8 kCmdWriteAuxBuffer = 0xD3;
constexpr u8 kCmdWriteAux = 0xD4;
constexpr u8 kCmdA20Off = 0xDD; // HP Vectra style A20 commands
constexpr u8 kCmdA20On = 0xDF;
constexpr u8 kCmdReadTestInputs = 0xE0;
constexpr u8 kCmdPulseFirst = 0xF0; // 0xF0..0xFF: pulse output port bits 0-3 that are 0

constexpr u8 kSelfTestOk = 0x55;
constexpr u8 kInterfaceTestOk = 0x00;
constexpr u8 kNoPassword = 0xF1;
constexpr u8 kInputPort = 0x80; // keyboard not inhibited by the keylock
// Power-on command byte: keyboard interrupt on, mouse port off, translation on (what a BIOS
// leaves, so a directly booted kernel finds the usual state).
constexpr u8 kPowerOnCommandByte = 0x61;
constexpr u8 kPowerOnOutputPort = 0xCF; // not in reset, A20 on, clock/data lines high
} // namespace

I8042::I8042(IoSpace& io, IrqLine& irq1, IrqLine& irq12, Log& log)
    : irq1_(irq1), irq12_(irq12), log_(log), keyboard_(log), mouse_(log) {
    io.attach(kDataPort, 1, this);
    io.attach(kStatusPort, 1, this);
    keyboard_.set_output_listener([this] { fill_output_buffer(); });
    mouse_.set_output_listener([this] { fill_output_buffer(); });
    reset();
}

void I8042::reset() {
    for (u8& b : ram_) b = 0;
    ram_[0] = kPowerOnCommandByte;
    output_port_ = kPowerOnOutputPort;
    status_flags_ = 0;
    pending_command_ = 0;
    output_full_ = false;
    output_byte_ = 0;
    output_source_ = Source::Controller;
    translate_release_ = false;
    replies_.clear();
    keyboard_.reset(false);
    mouse_.reset(false);
    update_irqs();
}

u32 I8042::io_read(u16 port, unsigned size) {
    if (size != 1) log_.warn_once("i8042-wide", "i8042: {}-byte access to port {:#x}", size, port);
    return port == kDataPort ? read_data() : read_status();
}

void I8042::io_write(u16 port, unsigned size, u32 value) {
    if (size != 1) log_.warn_once("i8042-wide", "i8042: {}-byte access to port {:#x}", size, port);
    if (port == kDataPort) {
        status_flags_ &= ~kStatusCommand;
        write_data(u8(value));
    } else {
        status_flags_ |= kStatusCommand;
        write_command(u8(value));
    }
}

u8 I8042::read_status() const {
    u8 status = status_flags_ | kStatusNotInhibited;
    if (output_full_) {
        status |= kStatusOutputFull;
        if (output_source_ == Source::Aux) status |= kStatusAuxData;
    }
    return status;
}

u8 I8042::read_data() {
    // An empty buffer still reads as the last byte, as on the real chip.
    if (!output_full_) return output_byte_;
    u8 value = output_byte_;
    output_full_ = false;
    update_irqs(); // the IRQ output drops, so the next byte is a fresh edge
    fill_output_buffer();
    return value;
}

void I8042::reply(u8 value, Source source) {
    replies_.push_back({value, source});
    fill_output_buffer();
}

bool I8042::take_keyboard_byte(u8& out) {
    while (keyboard_.has_output()) {
        u8 b = keyboard_.take_output();
        if (!(ram_[0] & kCtrTranslate)) {
            out = b;
            return true;
        }
        // Translation swallows a break prefix and marks the next code as a release.
        if (b == 0xF0) {
            translate_release_ = true;
            continue;
        }
        out = u8(translate_set2_to_set1(b) | (translate_release_ ? 0x80 : 0));
        translate_release_ = false;
        return true;
    }
    return false;
}

void I8042::fill_output_buffer() {
    if (!output_full_) {
        u8 b = 0;
        if (!replies_.empty()) {
            output_byte_ = replies_.front().value;
            output_source_ = replies_.front().source;
            replies_.pop_front();
            output_full_ = true;
        } else if (!(ram_[0] & kCtrKbdDisabled) && take_keyboard_byte(b)) {
            output_byte_ = b;
            output_source_ = Source::Keyboard;
            output_full_ = true;
        } else if (!(ram_[0] & kCtrAuxDisabled) && mouse_.has_output()) {
            output_byte_ = mouse_.take_output();
            output_source_ = Source::Aux;
            output_full_ = true;
        }
    }
    update_irqs();
}

void I8042::update_irqs() {
    bool aux = output_source_ == Source::Aux;
    irq1_.set(output_full_ && !aux && (ram_[0] & kCtrKbdInterrupt));
    irq12_.set(output_full_ && aux && (ram_[0] & kCtrAuxInterrupt));
}

void I8042::write_data(u8 value) {
    u8 command = pending_command_;
    pending_command_ = 0;
    if (command >= kCmdWriteRamFirst && command <= kCmdWriteRamLast) {
        if (command == kCmdWriteRamFirst) {
            write_command_byte(value);
        } else {
            ram_[command & 0x1F] = value;
        }
        return;
    }
    switch (command) {
    case kCmdWriteOutputPort: write_output_port(value); return;
    case kCmdWriteKbdBuffer: reply(value, Source::Keyboard); return;
    case kCmdWriteAuxBuffer: reply(value, Source::Aux); return;
    case kCmdWriteAux:
        // Talking to a device re-enables its port, as on the chipsets that QEMU models.
        ram_[0] &= ~kCtrAuxDisabled;
        mouse_.write(value);
        fill_output_buffer();
        return;
    default: break;
    }
    ram_[0] &= ~kCtrKbdDisabled;
    keyboard_.write(value);
    fill_output_buffer();
}

void I8042::write_command_byte(u8 value) {
    if ((value ^ ram_[0]) & kCtrTranslate) translate_release_ = false;
    ram_[0] = value;
    // The system flag follows the command byte's bit 2.
    status_flags_ = u8((status_flags_ & ~kStatusSystem) | (value & kCtrSystem ? kStatusSystem : 0));
    fill_output_buffer(); // a port may have been enabled, an interrupt enabled or disabled
}

void I8042::write_output_port(u8 value) {
    bool a20_was = output_port_ & kOutA20;
    // Bit 0 low holds the CPU in reset; the machine resets it and the line reads high again.
    output_port_ = u8(value | kOutReset);
    bool a20_now = output_port_ & kOutA20;
    if (a20_now != a20_was && on_a20) on_a20(a20_now);
    if (!(value & kOutReset) && on_reset) on_reset();
}

void I8042::write_command(u8 command) {
    // A new command cancels one still waiting for its data byte.
    pending_command_ = 0;
    if (command >= kCmdReadRamFirst && command <= kCmdReadRamLast) {
        reply(ram_[command & 0x1F]);
        return;
    }
    if (command >= kCmdWriteRamFirst && command <= kCmdWriteRamLast) {
        pending_command_ = command;
        return;
    }
    if (command >= kCmdPulseFirst) {
        // Bits 0-3 that are 0 are pulsed low; bit 0 is the CPU reset line.
        if (!(command & kOutReset) && on_reset) on_reset();
        return;
    }
    switch (command) {
    case kCmdPasswordInstalled: reply(kNoPassword); break;
    case kCmdAuxDisable: write_command_byte(ram_[0] | kCtrAuxDisabled); break;
    case kCmdAuxEnable: write_command_byte(ram_[0] & ~kCtrAuxDisabled); break;
    case kCmdAuxTest: reply(kInterfaceTestOk); break;
    case kCmdSelfTest:
        status_flags_ |= kStatusSystem;
        reply(kSelfTestOk);
        break;
    case kCmdKbdTest: reply(kInterfaceTestOk); break;
    case kCmdKbdDisable: write_command_byte(ram_[0] | kCtrKbdDisabled); break;
    case kCmdKbdEnable: write_command_byte(ram_[0] & ~kCtrKbdDisabled); break;
    case kCmdReadInputPort: reply(kInputPort); break;
    case kCmdReadOutputPort: {
        u8 value = output_port_ & ~(kOutKbdFull | kOutAuxFull);
        if (output_full_) value |= output_source_ == Source::Aux ? kOutAuxFull : kOutKbdFull;
        reply(value);
        break;
    }
    case kCmdWriteOutputPort:
    case kCmdWriteKbdBuffer:
    case kCmdWriteAuxBuffer:
    case kCmdWriteAux: pending_command_ = command; break;
    case kCmdA20Off: write_output_port(output_port_ & ~kOutA20); break;
    case kCmdA20On: write_output_port(output_port_ | kOutA20); break;
    case kCmdReadTestInputs: reply(0x00); break;
    default:
        log_.warn_once(fmt::format("i8042-cmd-{:02x}", command),
                       "i8042: unsupported controller command {:#04x}", command);
        break;
    }
}

} // namespace vmi86
