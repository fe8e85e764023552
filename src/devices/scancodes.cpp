#include "devices/scancodes.h"

namespace vmi86 {

namespace {

struct Set2Code {
    u8 code;
    bool extended; // sent with an E0 prefix
};

// Scan set 2 make codes in HostKey order (PrintScreen and Pause are special-cased).
constexpr Set2Code kSet2[] = {
    // A..Z
    {0x1C, false},
    {0x32, false},
    {0x21, false},
    {0x23, false},
    {0x24, false},
    {0x2B, false},
    {0x34, false},
    {0x33, false},
    {0x43, false},
    {0x3B, false},
    {0x42, false},
    {0x4B, false},
    {0x3A, false},
    {0x31, false},
    {0x44, false},
    {0x4D, false},
    {0x15, false},
    {0x2D, false},
    {0x1B, false},
    {0x2C, false},
    {0x3C, false},
    {0x2A, false},
    {0x1D, false},
    {0x22, false},
    {0x35, false},
    {0x1A, false},
    // 0..9
    {0x45, false},
    {0x16, false},
    {0x1E, false},
    {0x26, false},
    {0x25, false},
    {0x2E, false},
    {0x36, false},
    {0x3D, false},
    {0x3E, false},
    {0x46, false},
    // ` - = [ ] \ ; ' , . / and the 102nd key
    {0x0E, false},
    {0x4E, false},
    {0x55, false},
    {0x54, false},
    {0x5B, false},
    {0x5D, false},
    {0x4C, false},
    {0x52, false},
    {0x41, false},
    {0x49, false},
    {0x4A, false},
    {0x61, false},
    // Enter Esc Backspace Tab Space CapsLock
    {0x5A, false},
    {0x76, false},
    {0x66, false},
    {0x0D, false},
    {0x29, false},
    {0x58, false},
    // shifts, ctrls, alts, GUIs, menu
    {0x12, false},
    {0x59, false},
    {0x14, false},
    {0x14, true},
    {0x11, false},
    {0x11, true},
    {0x1F, true},
    {0x27, true},
    {0x2F, true},
    // F1..F12
    {0x05, false},
    {0x06, false},
    {0x04, false},
    {0x0C, false},
    {0x03, false},
    {0x0B, false},
    {0x83, false},
    {0x0A, false},
    {0x01, false},
    {0x09, false},
    {0x78, false},
    {0x07, false},
    // arrows: up down left right
    {0x75, true},
    {0x72, true},
    {0x6B, true},
    {0x74, true},
    // Insert Delete Home End PgUp PgDn
    {0x70, true},
    {0x71, true},
    {0x6C, true},
    {0x69, true},
    {0x7D, true},
    {0x7A, true},
    // PrintScreen (special) ScrollLock Pause (special) NumLock
    {0x7C, true},
    {0x7E, false},
    {0x77, false},
    {0x77, false},
    // keypad 0..9
    {0x70, false},
    {0x69, false},
    {0x72, false},
    {0x7A, false},
    {0x6B, false},
    {0x73, false},
    {0x74, false},
    {0x6C, false},
    {0x75, false},
    {0x7D, false},
    // keypad / * - + Enter .
    {0x4A, true},
    {0x7C, false},
    {0x7B, false},
    {0x79, false},
    {0x5A, true},
    {0x71, false},
};
static_assert(sizeof(kSet2) / sizeof(kSet2[0]) == std::size_t(HostKey::Count),
              "one set 2 code per HostKey");

// The 8042 translation table (set 2 → set 1), as in every AT-compatible keyboard controller.
constexpr u8 kSet2ToSet1[128] = {
    0xff, 0x43, 0x41, 0x3f, 0x3d, 0x3b, 0x3c, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3e, 0x0f, 0x29, 0x59,
    0x65, 0x38, 0x2a, 0x70, 0x1d, 0x10, 0x02, 0x5a, 0x66, 0x71, 0x2c, 0x1f, 0x1e, 0x11, 0x03, 0x5b,
    0x67, 0x2e, 0x2d, 0x20, 0x12, 0x05, 0x04, 0x5c, 0x68, 0x39, 0x2f, 0x21, 0x14, 0x13, 0x06, 0x5d,
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5e, 0x6a, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5f,
    0x6b, 0x33, 0x25, 0x17, 0x18, 0x0b, 0x0a, 0x60, 0x6c, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0c, 0x61,
    0x6d, 0x73, 0x28, 0x74, 0x1a, 0x0d, 0x62, 0x6e, 0x3a, 0x36, 0x1c, 0x1b, 0x75, 0x2b, 0x63, 0x76,
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7a, 0x0e, 0x7b, 0x7c, 0x4f, 0x7d, 0x4b, 0x47, 0x7e, 0x7f, 0x6f,
    0x52, 0x53, 0x50, 0x4c, 0x4d, 0x48, 0x01, 0x45, 0x57, 0x4e, 0x51, 0x4a, 0x37, 0x49, 0x46, 0x54,
};

} // namespace

ScanSequence set2_sequence(HostKey key, bool down) {
    ScanSequence seq;
    switch (key) {
    case HostKey::PrintScreen:
        // Sent as a fake left shift plus keypad *, the way every MF2 keyboard does.
        if (down) {
            for (u8 b : {0xE0, 0x12, 0xE0, 0x7C}) seq.push(b);
        } else {
            for (u8 b : {0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12}) seq.push(b);
        }
        return seq;
    case HostKey::Pause:
        // Make and break in one burst on press; nothing on release.
        if (down) {
            for (u8 b : {0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77}) seq.push(b);
        }
        return seq;
    case HostKey::Count: return seq;
    default: break;
    }
    const Set2Code& code = kSet2[std::size_t(key)];
    if (code.extended) seq.push(0xE0);
    if (!down) seq.push(0xF0);
    seq.push(code.code);
    return seq;
}

u8 translate_set2_to_set1(u8 set2_byte) {
    if (set2_byte < 0x80) return kSet2ToSet1[set2_byte];
    // The upper half passes through, except the two codes above 0x7F that keys use.
    if (set2_byte == 0x83) return 0x41; // F7
    if (set2_byte == 0x84) return 0x54; // Alt+SysRq
    return set2_byte;
}

ScanSequence translate_sequence_to_set1(const ScanSequence& set2) {
    ScanSequence out;
    bool release = false;
    for (u8 b : set2) {
        if (b == 0xF0) {
            release = true;
            continue;
        }
        out.push(u8(translate_set2_to_set1(b) | (release ? 0x80 : 0)));
        release = false;
    }
    return out;
}

} // namespace vmi86
