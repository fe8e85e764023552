// Host keys and PC keyboard scan codes. Frontends name keys with HostKey; the PS/2 keyboard turns
// them into scan set 2 make/break sequences, and the 8042 (or the keyboard itself in set 1)
// translates set 2 into set 1 with the standard translation table.
#pragma once
#include "common/types.h"
#include <array>
#include <cstddef>

namespace vmi86 {

// Keys of a US 104-key keyboard, named by position (a frontend maps its layout onto them).
// clang-format off
enum class HostKey : u8 {
    A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q, R, S, T, U, V, W, X, Y, Z,
    Digit0, Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9,
    Grave, Minus, Equal, LeftBracket, RightBracket, Backslash, Semicolon, Apostrophe, Comma,
    Period, Slash, NonUsBackslash,
    Enter, Escape, Backspace, Tab, Space, CapsLock,
    LeftShift, RightShift, LeftCtrl, RightCtrl, LeftAlt, RightAlt, LeftGui, RightGui, Menu,
    F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12,
    Up, Down, Left, Right,
    Insert, Delete, Home, End, PageUp, PageDown,
    PrintScreen, ScrollLock, Pause, NumLock,
    Keypad0, Keypad1, Keypad2, Keypad3, Keypad4, Keypad5, Keypad6, Keypad7, Keypad8, Keypad9,
    KeypadDivide, KeypadMultiply, KeypadMinus, KeypadPlus, KeypadEnter, KeypadPeriod,
    Count
};
// clang-format on

// A short byte sequence (the longest, Pause, is 8 bytes).
struct ScanSequence {
    std::array<u8, 8> bytes{};
    std::size_t size = 0;
    void push(u8 b) { bytes[size++] = b; }
    const u8* begin() const { return bytes.data(); }
    const u8* end() const { return bytes.data() + size; }
};

// The scan set 2 bytes a keyboard sends when `key` goes down or up (Pause has no break code).
ScanSequence set2_sequence(HostKey key, bool down);

// The 8042's set 2 → set 1 translation of one byte (F0 is handled by the caller: it is swallowed
// and sets bit 7 of the next translated byte).
u8 translate_set2_to_set1(u8 set2_byte);

// Translates a whole set 2 sequence into set 1, handling F0 break prefixes.
ScanSequence translate_sequence_to_set1(const ScanSequence& set2);

} // namespace vmi86
