#include "devices/ps2_keyboard.h"

namespace vmi86 {

namespace {
constexpr u8 kEcho = 0xEE;
constexpr u8 kIdFirst = 0xAB;
constexpr u8 kIdSecond = 0x83; // MF2 keyboard; the 8042 translates it to 0x41
constexpr u8 kOverrunSet2 = 0x00;
constexpr u8 kOverrunSet1 = 0xFF;

constexpr u8 kCmdSetLeds = 0xED;
constexpr u8 kCmdEcho = 0xEE;
constexpr u8 kCmdScanSet = 0xF0;
constexpr u8 kCmdIdentify = 0xF2;
constexpr u8 kCmdTypematic = 0xF3;
constexpr u8 kCmdEnable = 0xF4;
constexpr u8 kCmdDisable = 0xF5;
constexpr u8 kCmdDefaults = 0xF6;
constexpr u8 kCmdResend = 0xFE;
constexpr u8 kCmdReset = 0xFF;
} // namespace

Ps2Keyboard::Ps2Keyboard(Log& log) : log_(log) { reset(false); }

void Ps2Keyboard::set_defaults() {
    typematic_ = 0x2B; // 10.9 characters/s, 500 ms delay
    scan_set_ = 2;
}

void Ps2Keyboard::reset(bool announce) {
    clear_output();
    set_defaults();
    pending_command_ = 0;
    leds_ = 0;
    scanning_ = true;
    if (announce) reply(kBatOk);
}

void Ps2Keyboard::write(u8 byte) {
    // An argument byte that looks like a command (ED and up) aborts the pending command and is
    // run as a command, as real keyboards do.
    if (pending_command_ != 0 && byte < kCmdSetLeds) {
        u8 command = pending_command_;
        pending_command_ = 0;
        switch (command) {
        case kCmdSetLeds:
            leds_ = byte & 0x07;
            reply(kAck);
            return;
        case kCmdTypematic:
            typematic_ = byte & 0x7F;
            reply(kAck);
            return;
        case kCmdScanSet:
            if (byte == 0) {
                reply(kAck);
                reply(u8(scan_set_));
            } else if (byte <= 3) {
                scan_set_ = byte;
                if (byte == 3)
                    log_.warn_once("ps2kbd-set3",
                                   "PS/2 keyboard: scan set 3 selected; keys still send set 2");
                reply(kAck);
            } else {
                reply(kResend);
            }
            return;
        default: break;
        }
    }
    pending_command_ = 0;
    run_command(byte);
}

void Ps2Keyboard::run_command(u8 command) {
    switch (command) {
    case kCmdSetLeds:
    case kCmdTypematic:
    case kCmdScanSet:
        pending_command_ = command;
        reply(kAck);
        break;
    case kCmdEcho: reply(kEcho); break;
    case kCmdIdentify:
        reply(kAck);
        reply(kIdFirst);
        reply(kIdSecond);
        break;
    case kCmdEnable:
        clear_output();
        scanning_ = true;
        reply(kAck);
        break;
    case kCmdDisable:
        clear_output();
        set_defaults();
        scanning_ = false;
        reply(kAck);
        break;
    case kCmdDefaults:
        clear_output();
        set_defaults();
        reply(kAck);
        break;
    case kCmdResend: send(last_sent_); break;
    case kCmdReset:
        reset(false);
        reply(kAck);
        reply(kBatOk);
        break;
    default:
        if (command >= 0xF7 && command <= 0xFD) {
            // Scan set 3 key-type commands: acknowledged, with no effect in set 2.
            log_.warn_once("ps2kbd-set3-cmd", "PS/2 keyboard: set 3 command {:#04x} ignored",
                           command);
            reply(kAck);
        } else {
            log_.warn_once("ps2kbd-unknown", "PS/2 keyboard: unknown command {:#04x}", command);
            reply(kResend);
        }
        break;
    }
}

void Ps2Keyboard::key_event(HostKey key, bool down) {
    if (!scanning_ || key >= HostKey::Count) return;
    ScanSequence seq = set2_sequence(key, down);
    if (scan_set_ == 1) seq = translate_sequence_to_set1(seq);
    if (seq.size == 0) return;
    // A whole sequence or an overrun code: half a key code would confuse the guest.
    if (output_room() < seq.size + 1) {
        if (output_room() > 0) send(scan_set_ == 1 ? kOverrunSet1 : kOverrunSet2);
        return;
    }
    for (u8 b : seq) send(b);
}

} // namespace vmi86
