// The 8042 with its PS/2 keyboard and mouse, driven as Linux's i8042, atkbd and psmouse drivers
// (and a BIOS) probe and use them.
#include "common/log.h"
#include "devices/bus/io_space.h"
#include "devices/i8042.h"
#include "devices/irq.h"
#include "devices/scancodes.h"
#include <doctest/doctest.h>
#include <vector>

using namespace vmi86;

namespace {

constexpr u8 STR_OBF = 0x01, STR_SYS = 0x04, STR_CMDDAT = 0x08, STR_AUXDATA = 0x20;
constexpr u8 CTR_KBDINT = 0x01, CTR_AUXINT = 0x02, CTR_SYS = 0x04, CTR_KBDDIS = 0x10,
             CTR_AUXDIS = 0x20, CTR_XLATE = 0x40;

using Bytes = std::vector<u8>;

struct KbcRig {
    Log log;
    IoSpace io;
    IrqLine irq1, irq12;
    I8042 kbc{io, irq1, irq12, log};
    int irq1_edges = 0, irq12_edges = 0;
    std::vector<bool> a20_calls;
    int resets = 0;

    KbcRig() {
        irq1.connect([this](bool level) { irq1_edges += level; });
        irq12.connect([this](bool level) { irq12_edges += level; });
        kbc.on_a20 = [this](bool on) { a20_calls.push_back(on); };
        kbc.on_reset = [this] { ++resets; };
    }

    u8 status() { return u8(io.read(0x64, 1)); }
    void command(u8 c) { io.write(0x64, 1, c); }
    void data(u8 d) { io.write(0x60, 1, d); }
    u8 read() { return u8(io.read(0x60, 1)); }
    // i8042_command: a controller command, an optional parameter, the reply.
    u8 command_reply(u8 c) {
        command(c);
        REQUIRE((status() & STR_OBF) != 0);
        return read();
    }
    // Everything waiting, one byte per read, as an interrupt handler would collect it.
    Bytes drain() {
        Bytes out;
        for (int guard = 0; guard < 64 && (status() & STR_OBF); ++guard) out.push_back(read());
        return out;
    }
    void write_ctr(u8 ctr) {
        command(0x60);
        data(ctr);
    }
    void kbd(u8 b) { data(b); }
    void aux(u8 b) {
        command(0xD4);
        data(b);
    }
    void key(HostKey k, bool down) { kbc.keyboard().key_event(k, down); }
};

} // namespace

TEST_CASE("i8042: Linux controller probe: flush, self-test, command byte") {
    KbcRig r;
    CHECK((r.status() & STR_OBF) == 0); // i8042_flush finds nothing
    CHECK((r.status() & STR_SYS) == 0);
    CHECK(r.command_reply(0xAA) == 0x55);
    CHECK((r.status() & STR_SYS) != 0);
    CHECK((r.status() & STR_CMDDAT) != 0); // last write went to the command port

    u8 ctr = r.command_reply(0x20);
    CHECK(ctr == (CTR_XLATE | CTR_AUXDIS | CTR_KBDINT));
    CHECK(r.command_reply(0x20) == ctr); // read twice until stable, as Linux does

    // Disable both ports and their interrupts, keep translation.
    ctr = u8((ctr | CTR_KBDDIS | CTR_AUXDIS) & ~(CTR_KBDINT | CTR_AUXINT));
    r.write_ctr(ctr);
    CHECK((r.status() & STR_CMDDAT) == 0);
    CHECK(r.command_reply(0x20) == ctr);
    r.write_ctr(ctr | CTR_SYS);
    CHECK(r.kbc.command_byte() == (ctr | CTR_SYS));
    CHECK((r.status() & STR_SYS) != 0);

    CHECK(r.command_reply(0xAB) == 0x00); // keyboard interface test
    CHECK(r.command_reply(0xA9) == 0x00); // aux interface test
    CHECK(r.command_reply(0xA4) == 0xF1); // no password
    CHECK((r.status() & STR_OBF) == 0);
}

TEST_CASE("i8042: controller replies raise IRQ1 only when the keyboard interrupt is on") {
    KbcRig r;
    r.write_ctr(CTR_XLATE);
    r.command(0x20);
    CHECK(!r.irq1.level());
    CHECK(r.read() == CTR_XLATE);
    r.write_ctr(CTR_XLATE | CTR_KBDINT);
    r.command(0x20);
    CHECK(r.irq1.level());
    CHECK(!r.irq12.level());
    r.read();
    CHECK(!r.irq1.level());
}

TEST_CASE("i8042: aux loopback (0xD3) as Linux's i8042_check_aux and mux probe use it") {
    KbcRig r;
    r.write_ctr(CTR_XLATE | CTR_KBDDIS | CTR_AUXDIS);
    r.command(0xD3);
    r.data(0x5A);
    CHECK((r.status() & (STR_OBF | STR_AUXDATA)) == (STR_OBF | STR_AUXDATA));
    CHECK(!r.irq12.level()); // aux interrupt off
    CHECK(r.read() == 0x5A);
    CHECK((r.status() & STR_OBF) == 0);

    // Port bit assignment test: A7/A8 toggle the AUXDIS bit of the command byte.
    r.command(0xA8);
    CHECK((r.command_reply(0x20) & CTR_AUXDIS) == 0);
    r.command(0xA7);
    CHECK((r.command_reply(0x20) & CTR_AUXDIS) != 0);

    // AUX IRQ delivery test: aux port and interrupt on, the looped byte arrives on IRQ12.
    r.write_ctr(CTR_XLATE | CTR_KBDDIS | CTR_AUXINT);
    r.command(0xD3);
    r.data(0xA5);
    CHECK(r.irq12.level());
    CHECK(!r.irq1.level());
    CHECK((r.status() & STR_AUXDATA) != 0);
    CHECK(r.read() == 0xA5);
    CHECK(!r.irq12.level());

    // Active multiplexing probe: a plain controller echoes F0, 56, A4 unchanged.
    for (u8 b : {0xF0, 0x56, 0xA4}) {
        r.command(0xD3);
        r.data(b);
        CHECK(r.read() == b);
    }
}

TEST_CASE("i8042: keyboard reset and identify, translated and raw") {
    KbcRig r;
    r.write_ctr(CTR_XLATE | CTR_KBDINT);
    r.kbd(0xFF);
    CHECK(r.drain() == Bytes{0xFA, 0xAA});
    r.kbd(0xF2);
    CHECK(r.drain() == Bytes{0xFA, 0xAB, 0x41}); // 83 translated, as atkbd expects
    r.write_ctr(CTR_KBDINT);
    r.kbd(0xF2);
    CHECK(r.drain() == Bytes{0xFA, 0xAB, 0x83});
    r.kbd(0xEE);
    CHECK(r.drain() == Bytes{0xEE});
    r.kbd(0xED);
    r.kbd(0x05);
    CHECK(r.drain() == Bytes{0xFA, 0xFA});
    CHECK(r.kbc.keyboard().leds() == 0x05);
    r.kbd(0xF3);
    r.kbd(0x20);
    CHECK(r.drain() == Bytes{0xFA, 0xFA});
    r.kbd(0x42); // not a command
    CHECK(r.drain() == Bytes{0xFE});
}

TEST_CASE("i8042: key presses in set 1 with translation, set 2 without") {
    KbcRig r;
    r.write_ctr(CTR_XLATE | CTR_KBDINT);
    r.key(HostKey::A, true);
    r.key(HostKey::A, false);
    CHECK(r.drain() == Bytes{0x1E, 0x9E});
    r.key(HostKey::Right, true);
    r.key(HostKey::Right, false);
    CHECK(r.drain() == Bytes{0xE0, 0x4D, 0xE0, 0xCD});
    r.key(HostKey::Enter, true);
    r.key(HostKey::Escape, true);
    r.key(HostKey::F7, true);
    r.key(HostKey::F7, false);
    CHECK(r.drain() == Bytes{0x1C, 0x01, 0x41, 0xC1});
    r.key(HostKey::Pause, true);
    CHECK(r.drain() == Bytes{0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5});
    r.key(HostKey::PrintScreen, true);
    r.key(HostKey::PrintScreen, false);
    CHECK(r.drain() == Bytes{0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA});

    r.write_ctr(CTR_KBDINT);
    r.key(HostKey::A, true);
    r.key(HostKey::A, false);
    CHECK(r.drain() == Bytes{0x1C, 0xF0, 0x1C});
    r.key(HostKey::Right, true);
    r.key(HostKey::Right, false);
    CHECK(r.drain() == Bytes{0xE0, 0x74, 0xE0, 0xF0, 0x74});
    r.key(HostKey::LeftShift, true);
    r.key(HostKey::Digit1, true);
    r.key(HostKey::Space, true);
    r.key(HostKey::F12, true);
    CHECK(r.drain() == Bytes{0x12, 0x16, 0x29, 0x07});
}

TEST_CASE("i8042: scan set select and query") {
    KbcRig r;
    r.write_ctr(CTR_XLATE);
    r.kbd(0xF0);
    r.kbd(0x00);
    CHECK(r.drain() == Bytes{0xFA, 0xFA, 0x41}); // set 2, translated
    r.write_ctr(0);
    r.kbd(0xF0);
    r.kbd(0x01);
    CHECK(r.drain() == Bytes{0xFA, 0xFA});
    r.kbd(0xF0);
    r.kbd(0x00);
    CHECK(r.drain() == Bytes{0xFA, 0xFA, 0x01});
    // The keyboard itself now sends set 1.
    r.key(HostKey::Q, true);
    r.key(HostKey::Q, false);
    CHECK(r.drain() == Bytes{0x10, 0x90});
    r.kbd(0xFF); // reset returns to set 2
    r.drain();
    CHECK(r.kbc.keyboard().scan_set() == 2);
}

TEST_CASE("i8042: one byte at a time; each byte is a new IRQ1 edge") {
    KbcRig r;
    r.write_ctr(CTR_XLATE | CTR_KBDINT);
    int edges_before = r.irq1_edges;
    r.key(HostKey::Up, true); // E0 48
    CHECK(r.irq1.level());
    CHECK((r.status() & STR_OBF) != 0);
    CHECK(r.read() == 0xE0);
    CHECK(r.irq1.level()); // the next byte is already presented
    CHECK(r.read() == 0x48);
    CHECK(!r.irq1.level());
    CHECK(r.irq1_edges - edges_before == 2);
    CHECK(r.read() == 0x48); // an empty buffer reads as the last byte
}

TEST_CASE("i8042: a disabled keyboard port holds keys until re-enabled") {
    KbcRig r;
    r.write_ctr(CTR_XLATE | CTR_KBDINT);
    r.command(0xAD);
    r.key(HostKey::B, true);
    CHECK((r.status() & STR_OBF) == 0);
    CHECK(!r.irq1.level());
    r.command(0xAE);
    CHECK((r.status() & STR_OBF) != 0);
    CHECK(r.irq1.level());
    CHECK(r.read() == 0x30);
}

TEST_CASE("i8042: keyboard scanning disabled drops keys") {
    KbcRig r;
    r.write_ctr(CTR_XLATE);
    r.kbd(0xF5);
    CHECK(r.drain() == Bytes{0xFA});
    r.key(HostKey::C, true);
    CHECK(r.drain().empty());
    r.kbd(0xF4);
    CHECK(r.drain() == Bytes{0xFA});
    r.key(HostKey::C, true);
    CHECK(r.drain() == Bytes{0x2E});
}

TEST_CASE("i8042: output port, A20 gate and reset") {
    KbcRig r;
    u8 out = r.command_reply(0xD0);
    CHECK((out & 0x03) == 0x03); // not in reset, A20 on
    r.command(0xD1);
    r.data(0xDD); // A20 off
    CHECK(r.a20_calls == std::vector<bool>{false});
    CHECK((r.command_reply(0xD0) & 0x02) == 0);
    CHECK(!r.kbc.a20_enabled());
    r.command(0xD1);
    r.data(0xDD); // no change: no call
    CHECK(r.a20_calls.size() == 1);
    r.command(0xD1);
    r.data(0xDF);
    CHECK(r.a20_calls == std::vector<bool>{false, true});
    r.command(0xDD);
    r.command(0xDF);
    CHECK(r.a20_calls.size() == 4);
    CHECK(r.resets == 0);

    r.command(0xFF); // pulse nothing
    CHECK(r.resets == 0);
    r.command(0xFE); // pulse reset
    CHECK(r.resets == 1);
    r.command(0xD1);
    r.data(0xDE); // drive reset low
    CHECK(r.resets == 2);
    CHECK((r.command_reply(0xD0) & 0x01) == 0x01);

    // The output port shows which interrupt the full buffer requests.
    r.command(0xD3);
    r.data(0x11);
    r.command(0xD0);
    r.read(); // the looped byte was first
    CHECK((r.read() & 0x30) == 0x20);
}

TEST_CASE("i8042: 0xD2 writes the keyboard output buffer") {
    KbcRig r;
    r.write_ctr(CTR_XLATE | CTR_KBDINT);
    r.command(0xD2);
    r.data(0x2A); // not translated
    CHECK((r.status() & (STR_OBF | STR_AUXDATA)) == STR_OBF);
    CHECK(r.irq1.level());
    CHECK(r.read() == 0x2A);
}

TEST_CASE("i8042: RAM bytes through 0x21..0x3F and 0x61..0x7F") {
    KbcRig r;
    r.command(0x65);
    r.data(0x99);
    CHECK(r.command_reply(0x25) == 0x99);
    CHECK(r.command_reply(0x20) == (CTR_XLATE | CTR_AUXDIS | CTR_KBDINT));
}

TEST_CASE("i8042: psmouse probe: reset, identify, rates, status") {
    KbcRig r;
    r.write_ctr(CTR_XLATE | CTR_KBDINT | CTR_AUXINT);
    r.aux(0xFF);
    CHECK((r.status() & STR_AUXDATA) != 0);
    CHECK(r.irq12.level());
    CHECK(!r.irq1.level());
    CHECK(r.drain() == Bytes{0xFA, 0xAA, 0x00});
    r.aux(0xF2);
    CHECK(r.drain() == Bytes{0xFA, 0x00});
    // IntelliMouse knock: 200, 100, 80 then identify; a plain PS/2 mouse stays ID 0.
    for (u8 rate : {200, 100, 80}) {
        r.aux(0xF3);
        r.aux(rate);
    }
    CHECK(r.drain() == Bytes{0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA});
    r.aux(0xF2);
    CHECK(r.drain() == Bytes{0xFA, 0x00});
    r.aux(0xE8);
    r.aux(0x03);
    r.aux(0xE7);
    CHECK(r.drain() == Bytes{0xFA, 0xFA, 0xFA});
    r.aux(0xE9);
    CHECK(r.drain() == Bytes{0xFA, 0x10, 0x03, 80}); // 2:1 scaling, 8 counts/mm, 80/s
    r.aux(0xE6);
    r.aux(0xEA);
    r.aux(0xF4);
    CHECK(r.drain() == Bytes{0xFA, 0xFA, 0xFA});
    r.aux(0xE9);
    CHECK(r.drain() == Bytes{0xFA, 0x20, 0x03, 80}); // reporting on, 1:1
    r.aux(0xE8);
    r.aux(0x07); // out of range
    CHECK(r.drain() == Bytes{0xFA, 0xFC});
}

TEST_CASE("i8042: mouse packets with sign and overflow bits") {
    KbcRig r;
    r.write_ctr(CTR_XLATE | CTR_KBDINT | CTR_AUXINT);
    r.kbc.mouse().mouse_motion(3, 3, 0); // reporting off: nothing
    CHECK(r.drain().empty());
    r.aux(0xF4);
    CHECK(r.drain() == Bytes{0xFA});

    r.kbc.mouse().mouse_motion(5, -3, Ps2Mouse::kLeftButton); // right and up
    CHECK(r.irq12.level());
    CHECK(r.drain() == Bytes{0x09, 0x05, 0x03});
    r.kbc.mouse().mouse_motion(-10, 20, Ps2Mouse::kRightButton | Ps2Mouse::kMiddleButton);
    CHECK(r.drain() == Bytes{0x08 | 0x10 | 0x20 | 0x06, 0xF6, 0xEC});
    r.kbc.mouse().mouse_motion(300, -1000, 0);
    CHECK(r.drain() == Bytes{0x08 | 0x40 | 0x80, 0xFF, 0xFF});
    r.kbc.mouse().mouse_motion(-300, 0, 0);
    CHECK(r.drain() == Bytes{0x08 | 0x10 | 0x40, 0x00, 0x00});

    // 2:1 scaling maps 3 → 3, 4 → 6, 10 → 20.
    r.aux(0xE7);
    r.drain();
    r.kbc.mouse().mouse_motion(4, -10, 0);
    CHECK(r.drain() == Bytes{0x08, 0x06, 0x14});
}

TEST_CASE("i8042: remote mode reads accumulated motion with 0xEB") {
    KbcRig r;
    r.write_ctr(CTR_XLATE);
    r.aux(0xF0);
    CHECK(r.drain() == Bytes{0xFA});
    r.kbc.mouse().mouse_motion(2, 0, 0);
    r.kbc.mouse().mouse_motion(3, -1, 0);
    CHECK(r.drain().empty());
    r.aux(0xEB);
    CHECK(r.drain() == Bytes{0xFA, 0x08, 0x05, 0x01});
}

TEST_CASE("i8042: mouse wrap mode echoes until reset wrap") {
    KbcRig r;
    r.aux(0xEE);
    r.aux(0x12);
    r.aux(0xF2);
    r.aux(0xEC);
    CHECK(r.drain() == Bytes{0xFA, 0x12, 0xF2, 0xFA});
}

TEST_CASE("i8042: a disabled aux port holds mouse data; keyboard data goes first") {
    KbcRig r;
    r.write_ctr(CTR_XLATE | CTR_KBDINT | CTR_AUXINT);
    r.aux(0xF4);
    r.drain();
    r.command(0xA7);
    r.kbc.mouse().mouse_motion(1, 0, 0);
    CHECK((r.status() & STR_OBF) == 0);
    r.key(HostKey::Z, true);
    r.command(0xA8);
    CHECK((r.status() & (STR_OBF | STR_AUXDATA)) == STR_OBF); // the key first
    CHECK(r.read() == 0x2C);
    CHECK((r.status() & STR_AUXDATA) != 0);
    CHECK(r.irq12.level());
    CHECK(r.drain() == Bytes{0x08, 0x01, 0x00});
}

TEST_CASE("scancodes: every key has a set 2 code and a set 1 translation") {
    for (int k = 0; k < int(HostKey::Count); ++k) {
        auto key = HostKey(k);
        ScanSequence make = set2_sequence(key, true);
        CHECK(make.size >= 1);
        ScanSequence set1 = translate_sequence_to_set1(make);
        CHECK(set1.size >= 1);
        for (u8 b : set1) CHECK(b != 0xFF); // no key translates to the error code
        if (key != HostKey::Pause) {
            ScanSequence brk = set2_sequence(key, false);
            CHECK(brk.size == make.size + (key == HostKey::PrintScreen ? 2 : 1));
        }
    }
}
