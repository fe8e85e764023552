// National Semiconductor 16550A UART, as on a PC's COM ports: 16-byte receive FIFO with trigger
// levels and character timeout, line and modem status, loopback, scratch register, and the
// interrupt priorities of the datasheet. The IRQ output is gated by MCR OUT2 as the PC's bus
// buffer does (and so is off in loopback, where OUT2 is disconnected from its pin).
//
// Transmit is instant: a byte written to THR goes straight to the host backend (or, in loopback,
// to the receiver), so THRE and TEMT always read as set and the THRE interrupt is re-armed at
// once. Linux, DOS and BIOS drivers all work with that, and guest output costs no virtual time.
// Receive timing follows virtual time: the character timeout fires four character times (at the
// programmed baud rate and frame format) after the last FIFO activity.
#pragma once
#include "common/log.h"
#include "devices/bus/io_space.h"
#include "devices/irq.h"
#include "devices/scheduler.h"
#include "devices/serial_backend.h"
#include <deque>

namespace vmi86 {

class Uart16550 : public IoHandler {
public:
    // The PC's four COM ports (COM1/COM3 share IRQ 4, COM2/COM4 IRQ 3).
    static constexpr u16 kCom1 = 0x3F8, kCom2 = 0x2F8, kCom3 = 0x3E8, kCom4 = 0x2E8;
    static constexpr unsigned kFifoSize = 16;
    static constexpr u32 kClockHz = 1843200; // 115200 baud at divisor 1

    // Modem status input bits (the upper half of MSR).
    static constexpr u8 kMsrCts = 0x10, kMsrDsr = 0x20, kMsrRi = 0x40, kMsrDcd = 0x80;

    // Attaches ports base..base+7. Each UART must drive its own IrqLine: two UARTs on one
    // IRQ (COM1/COM3) are OR-ed by the machine, not by sharing a line object.
    Uart16550(IoSpace& io, u16 base, IrqLine& irq, Scheduler& scheduler, Log& log);
    ~Uart16550() override;
    Uart16550(const Uart16550&) = delete;
    Uart16550& operator=(const Uart16550&) = delete;

    // Where transmitted bytes go (not owned; null drops them).
    void set_backend(SerialBackend* backend) { backend_ = backend; }

    // Host → guest. can_receive() is false while the receive FIFO (or, with FIFOs off, the
    // holding register) is full or the UART is in loopback; receive() then still accepts the
    // byte as the wire would: it is lost and the overrun error (LSR.OE) is set.
    bool can_receive() const;
    void receive(u8 byte);
    // The modem status inputs the host side presents (kMsr* bits). Default: CTS, DSR, DCD on,
    // so guests that wait for carrier or clear-to-send see a connected line.
    void set_modem_inputs(u8 msr_bits);

    // Power-on register state (FIFOs off, interrupts off, MCR 0, 9600 baud).
    void reset();

    u32 io_read(u16 port, unsigned size) override;
    void io_write(u16 port, unsigned size, u32 value) override;

    u16 base() const { return base_; }
    u16 divisor() const { return divisor_; }
    bool irq_asserted() const { return irq_.level(); }

private:
    u8 read_register(unsigned offset);
    void write_register(unsigned offset, u8 value);
    void write_fcr(u8 value);
    void write_mcr(u8 value);
    void transmit(u8 byte);
    void accept(u8 byte); // a byte arrives at the receiver (from the host or loopback)

    u8 read_rbr();
    u8 read_iir();
    u8 read_lsr();
    u8 read_msr();

    // The highest-priority pending interrupt's IIR identification (bits 3:0), 0x01 for none.
    u8 pending_interrupt_id() const;
    void update_irq();

    // The modem inputs as seen now: the host's lines, or the MCR outputs in loopback.
    u8 current_modem_inputs() const;
    void latch_modem_inputs(u8 inputs); // sets MSR delta bits for the changes

    u64 character_time_ns() const;
    void restart_rx_timeout();
    void cancel_rx_timeout();

    bool fifo_enabled() const { return fcr_ & 0x01; }
    unsigned rx_trigger_level() const;
    bool loopback() const { return mcr_ & 0x10; }

    u16 base_;
    IrqLine& irq_;
    Scheduler& scheduler_;
    Log& log_;
    SerialBackend* backend_ = nullptr;

    std::deque<u8> rx_fifo_; // holds one byte at most while FIFOs are off
    u8 last_rx_ = 0;
    u8 ier_ = 0;
    u8 fcr_ = 0; // the write-only FIFO control bits as last programmed (enable, trigger)
    u8 lcr_ = 0;
    u8 mcr_ = 0;
    u8 lsr_errors_ = 0; // OE, PE, FE, BI: sticky until LSR is read
    u8 msr_ = 0;        // current inputs (upper half) and deltas (lower half)
    u8 host_modem_inputs_ = kMsrCts | kMsrDsr | kMsrDcd;
    u8 scr_ = 0;
    u16 divisor_ = 12;
    bool thre_pending_ = false; // the THRE interrupt is armed (cleared by IIR read / THR write)
    bool rx_timeout_ = false;   // the character timeout indication is up
    Scheduler::EventId rx_timeout_event_ = 0;
    bool rx_timeout_scheduled_ = false;
};

} // namespace vmi86
