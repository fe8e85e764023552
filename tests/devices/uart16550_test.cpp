// The 16550A driven through its ports the way Linux's 8250 driver probes and uses it.
#include "common/log.h"
#include "devices/bus/io_space.h"
#include "devices/irq.h"
#include "devices/scheduler.h"
#include "devices/serial_backend.h"
#include "devices/uart16550.h"
#include <doctest/doctest.h>
#include <string>

using namespace vmi86;

namespace {

// Register offsets and bits as the Linux driver names them.
constexpr unsigned RX = 0, TX = 0, DLL = 0, DLM = 1, IER = 1, IIR = 2, FCR = 2, EFR = 2, LCR = 3,
                   MCR = 4, LSR = 5, MSR = 6, SCR = 7;
constexpr u8 IER_RDI = 0x01, IER_THRI = 0x02, IER_RLSI = 0x04, IER_MSI = 0x08;
constexpr u8 IIR_NO_INT = 0x01;
constexpr u8 MCR_DTR = 0x01, MCR_RTS = 0x02, MCR_OUT1 = 0x04, MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
constexpr u8 LSR_DR = 0x01, LSR_OE = 0x02, LSR_THRE = 0x20, LSR_TEMT = 0x40;

struct UartRig {
    Log log;
    IoSpace io;
    Scheduler scheduler;
    IrqLine irq;
    StringSerialBackend host;
    Uart16550 uart{io, Uart16550::kCom1, irq, scheduler, log};
    UartRig() { uart.set_backend(&host); }

    u8 in(unsigned reg) { return u8(io.read(u16(Uart16550::kCom1 + reg), 1)); }
    void out(unsigned reg, u8 value) { io.write(u16(Uart16550::kCom1 + reg), 1, value); }
    void advance_ns(u64 ns) {
        scheduler.set_manual_time(scheduler.now() + ns);
        scheduler.run_due();
    }
    // 115200 baud, 8N1 (Linux's console setup).
    void set_115200_8n1() {
        out(LCR, 0x83);
        out(DLL, 1);
        out(DLM, 0);
        out(LCR, 0x03);
    }
};

// One 8N1 character at 115200 baud: 10 bits.
constexpr u64 kCharNs = 10'000'000'000ull / 115200;

} // namespace

TEST_CASE("uart: Linux autoconfig identifies a 16550A") {
    UartRig r;
    // Existence test: IER holds what is written to its low nibble.
    u8 saved_ier = r.in(IER);
    r.out(IER, 0);
    CHECK((r.in(IER)&0x0F) == 0);
    r.out(IER, 0x0F);
    CHECK((r.in(IER)&0x0F) == 0x0F);
    r.out(IER, saved_ier);

    // Loopback test: MCR = LOOP | OUT2 | RTS must read back as DCD | CTS.
    u8 saved_mcr = r.in(MCR);
    r.out(MCR, MCR_LOOP | 0x0A);
    CHECK((r.in(MSR)&0xF0) == 0x90);
    r.out(MCR, saved_mcr);

    // Clear EFR (a 16550A has none: this is an FCR write), then enable the FIFOs.
    r.out(LCR, 0xBF);
    r.out(EFR, 0);
    r.out(LCR, 0);
    r.out(FCR, 0x01);
    CHECK((r.in(IIR) >> 6) == 3);

    // No EFR behind LCR = 0x80: the read is IIR, which is non-zero.
    r.out(LCR, 0x80);
    CHECK(r.in(EFR) != 0);
    r.out(LCR, 0);

    // Not a TI16750: IIR bit 5 (64-byte FIFO) never sets, with or without DLAB.
    r.out(FCR, 0x21);
    u8 status1 = r.in(IIR) >> 5;
    r.out(FCR, 0x01);
    r.out(LCR, 0x80);
    r.out(FCR, 0x21);
    u8 status2 = r.in(IIR) >> 5;
    r.out(FCR, 0x01);
    r.out(LCR, 0);
    CHECK(status1 == 6);
    CHECK(status2 == 6);

    // Not an XScale UART: IER bit 6 does not stick.
    r.out(IER, 0x40);
    CHECK((r.in(IER)&0x40) == 0);

    // Scratch register (the 8250/16450 path's test).
    r.out(SCR, 0xA5);
    CHECK(r.in(SCR) == 0xA5);
    r.out(SCR, 0x5A);
    CHECK(r.in(SCR) == 0x5A);
}

TEST_CASE("uart: FCR 0xE7 enables the FIFOs and IIR reports them") {
    UartRig r;
    CHECK((r.in(IIR)&0xC0) == 0x00);
    r.out(FCR, 0xE7);
    u8 iir = r.in(IIR);
    CHECK((iir & 0xC0) == 0xC0);
    CHECK((iir & 0x30) == 0); // no 64-byte FIFO bit on a 16550A
    CHECK((iir & 0x0F) == IIR_NO_INT);
    r.out(FCR, 0x00);
    CHECK((r.in(IIR)&0xC0) == 0x00);
}

TEST_CASE("uart: divisor latch behind DLAB") {
    UartRig r;
    r.out(LCR, 0x83);
    r.out(DLL, 0x0C);
    r.out(DLM, 0x01);
    CHECK(r.in(DLL) == 0x0C);
    CHECK(r.in(DLM) == 0x01);
    CHECK(r.host.text().empty()); // DLL writes are not transmitted
    r.out(LCR, 0x03);
    CHECK(r.uart.divisor() == 0x010C);
    CHECK(r.in(LCR) == 0x03);
    CHECK(r.in(IER) == 0); // IER is back at offset 1
}

TEST_CASE("uart: transmit goes to the host at once, THRE and TEMT stay set") {
    UartRig r;
    r.set_115200_8n1();
    for (char c : std::string("Hello\n")) {
        CHECK((r.in(LSR)&LSR_THRE) != 0); // wait_for_xmitr
        r.out(TX, u8(c));
    }
    CHECK(r.host.text() == "Hello\n");
    CHECK(r.in(LSR) == (LSR_THRE | LSR_TEMT));
}

TEST_CASE("uart: THRE interrupt (serial8250_startup's TXEN and THRE tests)") {
    UartRig r;
    r.out(LCR, 0x03);
    r.out(MCR, MCR_OUT2 | MCR_RTS | MCR_DTR);

    // TXEN test: with THRI enabled and the transmitter empty, IIR must show an interrupt.
    r.out(IER, IER_THRI);
    u8 lsr = r.in(LSR);
    CHECK((lsr & LSR_TEMT) != 0);
    CHECK(r.irq.level());
    u8 iir = r.in(IIR);
    CHECK(iir == 0x02);
    r.out(IER, 0);
    CHECK(!r.irq.level());

    // THRE re-assert test: reading IIR acknowledges THRE; re-enabling THRI raises it again.
    r.out(IER, IER_THRI);
    u8 iir1 = r.in(IIR);
    CHECK(iir1 == 0x02);
    CHECK(r.in(IIR) == IIR_NO_INT); // acknowledged by the read
    CHECK(!r.irq.level());
    r.out(IER, 0);
    r.out(IER, IER_THRI);
    CHECK(r.in(IIR) == 0x02);

    // Writing THR acknowledges and, the byte gone, re-arms: the IRQ output makes an edge.
    int rising_edges = 0;
    r.irq.connect([&](bool level) { rising_edges += level ? 1 : 0; });
    r.out(TX, 'x');
    CHECK(rising_edges == 1);
    CHECK(r.irq.level());
    CHECK((r.in(IIR)&0x0F) == 0x02);
}

TEST_CASE("uart: OUT2 gates the IRQ; loopback disconnects it") {
    UartRig r;
    r.out(IER, IER_RDI);
    r.uart.receive('a');
    CHECK((r.in(IIR)&0x0F) == 0x04);
    CHECK(!r.irq.level()); // OUT2 off
    r.out(MCR, MCR_OUT2);
    CHECK(r.irq.level());
    r.out(MCR, MCR_OUT2 | MCR_LOOP);
    CHECK(!r.irq.level());
    r.out(MCR, MCR_OUT2);
    CHECK(r.in(RX) == 'a');
    CHECK(!r.irq.level());
}

TEST_CASE("uart: loopback sends transmitted bytes to the receiver, not the host") {
    UartRig r;
    r.out(MCR, MCR_LOOP);
    CHECK(!r.uart.can_receive()); // the input pin is disconnected
    r.out(TX, 0x55);
    CHECK(r.host.text().empty());
    CHECK((r.in(LSR)&LSR_DR) != 0);
    CHECK(r.in(RX) == 0x55);
    CHECK((r.in(LSR)&LSR_DR) == 0);
    r.uart.receive('z'); // dropped: not connected
    CHECK((r.in(LSR)&LSR_DR) == 0);
}

TEST_CASE("uart: receive FIFO trigger level and character timeout") {
    UartRig r;
    r.set_115200_8n1();
    r.out(MCR, MCR_OUT2 | MCR_RTS | MCR_DTR);
    r.out(FCR, 0x81); // FIFO on, trigger at 8 (Linux's 16550A setting)
    r.out(IER, IER_RDI | IER_RLSI);

    for (u8 c : {'a', 'b', 'c'}) r.uart.receive(c);
    CHECK((r.in(LSR)&LSR_DR) != 0);
    CHECK(r.in(IIR) == 0xC1); // below the trigger, no timeout yet
    CHECK(!r.irq.level());
    r.advance_ns(4 * kCharNs - 1000);
    CHECK(r.in(IIR) == 0xC1);
    r.advance_ns(2000);
    CHECK(r.in(IIR) == 0xCC); // character timeout
    CHECK(r.irq.level());

    // The driver drains the FIFO while LSR.DR is set; the first read clears the timeout.
    std::string got;
    while (r.in(LSR)&LSR_DR) got.push_back(char(r.in(RX)));
    CHECK(got == "abc");
    CHECK(r.in(IIR) == 0xC1);
    CHECK(!r.irq.level());

    // Reaching the trigger level interrupts at once.
    for (int i = 0; i < 8; ++i) r.uart.receive(u8('0' + i));
    CHECK(r.in(IIR) == 0xC4);
    CHECK(r.irq.level());
    CHECK(r.in(RX) == '0');
    // Below the trigger again: no interrupt until the timeout restarts and expires.
    CHECK(r.in(IIR) == 0xC1);
    r.advance_ns(4 * kCharNs + 1000);
    CHECK(r.in(IIR) == 0xCC);
}

TEST_CASE("uart: a full FIFO refuses host bytes, and overflow sets OE") {
    UartRig r;
    r.out(FCR, 0x01 | 0xC0); // trigger 14
    r.out(IER, IER_RDI | IER_RLSI);
    for (int i = 0; i < 16; ++i) {
        CHECK(r.uart.can_receive());
        r.uart.receive(u8(i));
    }
    CHECK(!r.uart.can_receive());
    CHECK((r.in(IIR)&0x0F) == 0x04);
    r.uart.receive(0xEE);            // lost
    CHECK((r.in(IIR)&0x0F) == 0x06); // line status outranks received data
    u8 lsr = r.in(LSR);
    CHECK((lsr & (LSR_OE | LSR_DR)) == (LSR_OE | LSR_DR));
    CHECK((r.in(LSR)&LSR_OE) == 0); // cleared by the read
    CHECK((r.in(IIR)&0x0F) == 0x04);
    for (int i = 0; i < 16; ++i) CHECK(r.in(RX) == i);
    CHECK((r.in(LSR)&LSR_DR) == 0);
    r.out(FCR, 0xC3); // clear RX: nothing left, no interrupt
    CHECK((r.in(IIR)&0x0F) == IIR_NO_INT);
}

TEST_CASE("uart: without FIFOs a second byte overwrites RBR and sets OE") {
    UartRig r;
    CHECK(r.uart.can_receive());
    r.uart.receive('a');
    CHECK(!r.uart.can_receive());
    r.uart.receive('b');
    CHECK((r.in(LSR) & (LSR_OE | LSR_DR)) == (LSR_OE | LSR_DR));
    CHECK(r.in(RX) == 'b');
    CHECK(r.uart.can_receive());
}

TEST_CASE("uart: modem status follows MCR in loopback, with deltas and an interrupt") {
    UartRig r;
    CHECK((r.in(MSR)&0xF0) == 0xB0); // host lines: DCD, DSR, CTS
    r.out(MCR, MCR_LOOP);
    r.in(MSR); // clear the deltas from entering loopback
    CHECK(r.in(MSR) == 0x00);
    r.out(IER, IER_MSI);
    r.out(MCR, MCR_LOOP | MCR_DTR);
    CHECK(r.in(IIR) == 0x00);          // modem status interrupt
    CHECK(r.in(MSR) == (0x20 | 0x02)); // DSR, delta DSR
    CHECK(r.in(IIR) == IIR_NO_INT);

    // RI from OUT1: the trailing edge sets TERI.
    r.out(MCR, MCR_LOOP | MCR_OUT1);
    CHECK((r.in(MSR)&0x40) == 0x40);
    r.out(MCR, MCR_LOOP);
    CHECK((r.in(MSR)&0x0F) == 0x04);

    // Leaving loopback brings back the host's lines; the changes show as deltas.
    r.out(MCR, 0);
    CHECK(r.in(MSR) == (0xB0 | 0x0B)); // CTS, DSR and DCD all changed
}

TEST_CASE("uart: interrupt priorities: line status, data, THRE, modem status") {
    UartRig r;
    r.out(MCR, MCR_OUT2);
    r.out(IER, IER_RDI | IER_THRI | IER_RLSI | IER_MSI);
    r.uart.set_modem_inputs(Uart16550::kMsrCts); // DSR and DCD drop: modem status deltas
    r.uart.receive('a');
    r.uart.receive('b'); // overrun (FIFOs off)
    CHECK(r.in(IIR) == 0x06);
    r.in(LSR);
    CHECK(r.in(IIR) == 0x04);
    r.in(RX);
    CHECK(r.in(IIR) == 0x02);
    CHECK(r.in(IIR) == 0x00); // the THRE read acknowledged it
    CHECK(r.in(MSR) == (0x10 | 0x02 | 0x08));
    CHECK(r.in(IIR) == IIR_NO_INT);
    CHECK(!r.irq.level());
}

TEST_CASE("uart: the four COM ports are independent") {
    Log log;
    IoSpace io;
    Scheduler scheduler;
    IrqLine irqs[4];
    const u16 bases[4] = {Uart16550::kCom1, Uart16550::kCom2, Uart16550::kCom3, Uart16550::kCom4};
    Uart16550 com1(io, bases[0], irqs[0], scheduler, log);
    Uart16550 com2(io, bases[1], irqs[1], scheduler, log);
    Uart16550 com3(io, bases[2], irqs[2], scheduler, log);
    Uart16550 com4(io, bases[3], irqs[3], scheduler, log);
    for (int i = 0; i < 4; ++i) io.write(u16(bases[i] + SCR), 1, 0x10 + i);
    for (int i = 0; i < 4; ++i) CHECK(io.read(u16(bases[i] + SCR), 1) == u32(0x10 + i));
    StringSerialBackend host2;
    com2.set_backend(&host2);
    io.write(u16(Uart16550::kCom2 + TX), 1, 'Q');
    CHECK(host2.text() == "Q");
}

TEST_CASE("serial backends: the string backend captures and forwards") {
    StringSerialBackend inner;
    StringSerialBackend outer(&inner);
    outer.write_byte('o');
    outer.write_byte('k');
    CHECK(outer.text() == "ok");
    CHECK(inner.text() == "ok");
}
