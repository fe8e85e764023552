#include "devices/ps2_mouse.h"
#include <algorithm>

namespace vmi86 {

namespace {
constexpr u8 kError = 0xFC;
constexpr u8 kMouseId = 0x00;

constexpr u8 kCmdScaling1to1 = 0xE6;
constexpr u8 kCmdScaling2to1 = 0xE7;
constexpr u8 kCmdResolution = 0xE8;
constexpr u8 kCmdStatus = 0xE9;
constexpr u8 kCmdStreamMode = 0xEA;
constexpr u8 kCmdReadData = 0xEB;
constexpr u8 kCmdResetWrap = 0xEC;
constexpr u8 kCmdWrapMode = 0xEE;
constexpr u8 kCmdRemoteMode = 0xF0;
constexpr u8 kCmdIdentify = 0xF2;
constexpr u8 kCmdSampleRate = 0xF3;
constexpr u8 kCmdEnable = 0xF4;
constexpr u8 kCmdDisable = 0xF5;
constexpr u8 kCmdDefaults = 0xF6;
constexpr u8 kCmdResend = 0xFE;
constexpr u8 kCmdReset = 0xFF;

// 2:1 scaling maps small counts through a table and doubles larger ones (stream mode only).
int scale_2to1(int v) {
    static constexpr int kSmall[] = {0, 1, 1, 3, 6, 9};
    int mag = v < 0 ? -v : v;
    int scaled = mag <= 5 ? kSmall[mag] : 2 * mag;
    return v < 0 ? -scaled : scaled;
}
} // namespace

Ps2Mouse::Ps2Mouse(Log& log) : log_(log) { reset(false); }

void Ps2Mouse::set_defaults() {
    sample_rate_ = 100;
    resolution_ = 2;
    scaling_2to1_ = false;
    reporting_ = false;
    acc_dx_ = acc_dy_ = 0;
}

void Ps2Mouse::reset(bool announce) {
    clear_output();
    set_defaults();
    pending_command_ = 0;
    remote_mode_ = false;
    wrap_mode_ = false;
    if (announce) {
        reply(kBatOk);
        reply(kMouseId);
    }
}

void Ps2Mouse::write(u8 byte) {
    if (pending_command_ != 0) {
        u8 command = pending_command_;
        pending_command_ = 0;
        if (command == kCmdSampleRate) {
            sample_rate_ = byte;
        } else {
            if (byte > 3) {
                reply(kError);
                return;
            }
            resolution_ = byte;
        }
        reply(kAck);
        return;
    }
    // Wrap mode echoes every byte except the two that leave it.
    if (wrap_mode_ && byte != kCmdResetWrap && byte != kCmdReset) {
        send(byte);
        return;
    }
    run_command(byte);
}

void Ps2Mouse::run_command(u8 command) {
    switch (command) {
    case kCmdScaling1to1:
        scaling_2to1_ = false;
        reply(kAck);
        break;
    case kCmdScaling2to1:
        scaling_2to1_ = true;
        reply(kAck);
        break;
    case kCmdResolution:
    case kCmdSampleRate:
        pending_command_ = command;
        reply(kAck);
        break;
    case kCmdStatus: {
        reply(kAck);
        // Byte 1: remote mode, reporting, 2:1 scaling, then left, middle, right buttons.
        u8 status =
            u8((remote_mode_ ? 0x40 : 0) | (reporting_ ? 0x20 : 0) | (scaling_2to1_ ? 0x10 : 0) |
               ((buttons_ & kLeftButton) ? 0x04 : 0) | ((buttons_ & kMiddleButton) ? 0x02 : 0) |
               ((buttons_ & kRightButton) ? 0x01 : 0));
        reply(status);
        reply(resolution_);
        reply(sample_rate_);
        break;
    }
    case kCmdStreamMode:
        remote_mode_ = false;
        acc_dx_ = acc_dy_ = 0;
        reply(kAck);
        break;
    case kCmdReadData:
        reply(kAck);
        send_packet();
        break;
    case kCmdResetWrap:
        wrap_mode_ = false;
        acc_dx_ = acc_dy_ = 0;
        reply(kAck);
        break;
    case kCmdWrapMode:
        wrap_mode_ = true;
        acc_dx_ = acc_dy_ = 0;
        reply(kAck);
        break;
    case kCmdRemoteMode:
        remote_mode_ = true;
        acc_dx_ = acc_dy_ = 0;
        reply(kAck);
        break;
    case kCmdIdentify:
        reply(kAck);
        reply(kMouseId);
        break;
    case kCmdEnable:
        reporting_ = true;
        acc_dx_ = acc_dy_ = 0;
        reply(kAck);
        break;
    case kCmdDisable:
        reporting_ = false;
        acc_dx_ = acc_dy_ = 0;
        reply(kAck);
        break;
    case kCmdDefaults:
        set_defaults();
        reply(kAck);
        break;
    case kCmdResend: send(last_sent_); break;
    case kCmdReset:
        reset(false);
        reply(kAck);
        reply(kBatOk);
        reply(kMouseId);
        break;
    default:
        log_.warn_once("ps2mouse-unknown", "PS/2 mouse: unknown command {:#04x}", command);
        reply(kResend);
        break;
    }
}

void Ps2Mouse::mouse_motion(int dx, int dy, unsigned buttons) {
    buttons_ = buttons & 0x07;
    if (wrap_mode_) return;
    acc_dx_ += dx;
    acc_dy_ -= dy; // PS/2 Y grows upwards
    if (remote_mode_) return;
    if (!reporting_) {
        acc_dx_ = acc_dy_ = 0;
        return;
    }
    if (output_room() < 3) return; // the guest is not reading; keep the motion for later
    if (scaling_2to1_) {
        acc_dx_ = scale_2to1(acc_dx_);
        acc_dy_ = scale_2to1(acc_dy_);
    }
    send_packet();
}

void Ps2Mouse::send_packet() {
    bool x_overflow = acc_dx_ < -256 || acc_dx_ > 255;
    bool y_overflow = acc_dy_ < -256 || acc_dy_ > 255;
    int dx = std::clamp(acc_dx_, -256, 255);
    int dy = std::clamp(acc_dy_, -256, 255);
    u8 flags = u8((y_overflow ? 0x80 : 0) | (x_overflow ? 0x40 : 0) | (dy < 0 ? 0x20 : 0) |
                  (dx < 0 ? 0x10 : 0) | 0x08 | (buttons_ & 0x07));
    acc_dx_ = acc_dy_ = 0;
    last_sent_ = u8(dy);
    send(flags);
    send(u8(dx));
    send(u8(dy));
}

} // namespace vmi86
