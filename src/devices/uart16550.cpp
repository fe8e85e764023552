#include "devices/uart16550.h"

namespace vmi86 {

namespace {
// Register offsets from the base port.
constexpr unsigned kRegData = 0; // RBR (read) / THR (write); DLL with DLAB
constexpr unsigned kRegIer = 1;  // DLM with DLAB
constexpr unsigned kRegIir = 2;  // IIR (read) / FCR (write)
constexpr unsigned kRegLcr = 3;
constexpr unsigned kRegMcr = 4;
constexpr unsigned kRegLsr = 5;
constexpr unsigned kRegMsr = 6;
constexpr unsigned kRegScr = 7;

constexpr u8 kIerRxData = 0x01;
constexpr u8 kIerThre = 0x02;
constexpr u8 kIerLineStatus = 0x04;
constexpr u8 kIerModemStatus = 0x08;

constexpr u8 kIirNone = 0x01;
constexpr u8 kIirModemStatus = 0x00;
constexpr u8 kIirThre = 0x02;
constexpr u8 kIirRxData = 0x04;
constexpr u8 kIirLineStatus = 0x06;
constexpr u8 kIirRxTimeout = 0x0C;
constexpr u8 kIirFifosEnabled = 0xC0;

constexpr u8 kFcrEnable = 0x01;
constexpr u8 kFcrClearRx = 0x02;
constexpr u8 kFcrProgrammable = 0xC9; // enable, DMA mode, trigger level

constexpr u8 kLcrDlab = 0x80;

constexpr u8 kMcrDtr = 0x01, kMcrRts = 0x02, kMcrOut1 = 0x04, kMcrOut2 = 0x08;
constexpr u8 kMcrWritable = 0x1F;

constexpr u8 kLsrDataReady = 0x01;
constexpr u8 kLsrOverrun = 0x02;
constexpr u8 kLsrThrEmpty = 0x20;
constexpr u8 kLsrTransmitterEmpty = 0x40;

constexpr u8 kMsrDeltaCts = 0x01, kMsrDeltaDsr = 0x02, kMsrTrailingRi = 0x04, kMsrDeltaDcd = 0x08;

constexpr u16 kPowerOnDivisor = 12; // 9600 baud
} // namespace

Uart16550::Uart16550(IoSpace& io, u16 base, IrqLine& irq, Scheduler& scheduler, Log& log)
    : base_(base), irq_(irq), scheduler_(scheduler), log_(log) {
    io.attach(base, 8, this);
    reset();
}

Uart16550::~Uart16550() { cancel_rx_timeout(); }

void Uart16550::reset() {
    cancel_rx_timeout();
    rx_fifo_.clear();
    last_rx_ = 0;
    ier_ = fcr_ = lcr_ = mcr_ = 0;
    lsr_errors_ = 0;
    scr_ = 0;
    divisor_ = kPowerOnDivisor;
    thre_pending_ = false;
    rx_timeout_ = false;
    msr_ = current_modem_inputs();
    update_irq();
}

u32 Uart16550::io_read(u16 port, unsigned size) {
    if (size != 1)
        log_.warn_once(fmt::format("uart-wide-{:x}", base_), "UART {:#x}: {}-byte read", base_,
                       size);
    u32 value = 0;
    for (unsigned i = 0; i < size; ++i) {
        unsigned offset = unsigned(port - base_) + i;
        u8 byte = offset < 8 ? read_register(offset) : 0xFF;
        value |= u32(byte) << (8 * i);
    }
    return value;
}

void Uart16550::io_write(u16 port, unsigned size, u32 value) {
    if (size != 1)
        log_.warn_once(fmt::format("uart-wide-{:x}", base_), "UART {:#x}: {}-byte write", base_,
                       size);
    for (unsigned i = 0; i < size; ++i) {
        unsigned offset = unsigned(port - base_) + i;
        if (offset < 8) write_register(offset, u8(value >> (8 * i)));
    }
}

u8 Uart16550::read_register(unsigned offset) {
    bool dlab = lcr_ & kLcrDlab;
    switch (offset) {
    case kRegData: return dlab ? u8(divisor_) : read_rbr();
    case kRegIer: return dlab ? u8(divisor_ >> 8) : ier_;
    case kRegIir: return read_iir();
    case kRegLcr: return lcr_;
    case kRegMcr: return mcr_;
    case kRegLsr: return read_lsr();
    case kRegMsr: return read_msr();
    default: return scr_;
    }
}

void Uart16550::write_register(unsigned offset, u8 value) {
    bool dlab = lcr_ & kLcrDlab;
    switch (offset) {
    case kRegData:
        if (dlab) {
            divisor_ = u16((divisor_ & 0xFF00) | value);
        } else {
            transmit(value);
        }
        break;
    case kRegIer:
        if (dlab) {
            divisor_ = u16((divisor_ & 0x00FF) | (value << 8));
        } else {
            u8 enabled_now = value & ~ier_;
            ier_ = value & 0x0F;
            // Enabling the THRE interrupt while THR is empty raises it at once (Linux's
            // startup test relies on this).
            if (enabled_now & kIerThre) thre_pending_ = true;
            update_irq();
        }
        break;
    case kRegIir: write_fcr(value); break;
    case kRegLcr: lcr_ = value; break;
    case kRegMcr: write_mcr(value); break;
    case kRegScr: scr_ = value; break;
    default:
        // LSR and MSR writes are factory test features.
        log_.warn_once(fmt::format("uart-test-{:x}", base_), "UART {:#x}: write to {} ignored",
                       base_, offset == kRegLsr ? "LSR" : "MSR");
        break;
    }
}

void Uart16550::write_fcr(u8 value) {
    // Toggling the enable bit empties both FIFOs; the other bits only take with it set.
    if ((value ^ fcr_) & kFcrEnable) {
        rx_fifo_.clear();
        rx_timeout_ = false;
    }
    if (!(value & kFcrEnable)) {
        fcr_ = 0;
    } else {
        fcr_ = value & kFcrProgrammable;
        if (value & kFcrClearRx) {
            rx_fifo_.clear();
            rx_timeout_ = false;
        }
        // Clearing the transmit FIFO has nothing to do: transmission is instant.
    }
    if (rx_fifo_.empty()) cancel_rx_timeout();
    update_irq();
}

void Uart16550::write_mcr(u8 value) {
    bool was_loopback = loopback();
    mcr_ = value & kMcrWritable;
    if (was_loopback != loopback()) cancel_rx_timeout();
    latch_modem_inputs(current_modem_inputs());
    update_irq();
}

void Uart16550::transmit(u8 byte) {
    // Writing THR clears the THRE interrupt; the byte leaves at once and THR is empty again,
    // which re-arms it: the IRQ output drops and rises, an edge as on real hardware.
    thre_pending_ = false;
    update_irq();
    if (loopback()) {
        accept(byte);
    } else if (backend_) {
        backend_->write_byte(byte);
    }
    thre_pending_ = true;
    update_irq();
}

bool Uart16550::can_receive() const {
    return !loopback() && rx_fifo_.size() < (fifo_enabled() ? kFifoSize : 1u);
}

void Uart16550::receive(u8 byte) {
    if (loopback()) return; // the serial input pin is disconnected in loopback
    accept(byte);
}

void Uart16550::accept(u8 byte) {
    if (fifo_enabled()) {
        if (rx_fifo_.size() >= kFifoSize) {
            lsr_errors_ |= kLsrOverrun; // the new byte is lost, the FIFO is kept
        } else {
            rx_fifo_.push_back(byte);
        }
        restart_rx_timeout();
    } else if (!rx_fifo_.empty()) {
        lsr_errors_ |= kLsrOverrun; // RBR is overwritten
        rx_fifo_.front() = byte;
    } else {
        rx_fifo_.push_back(byte);
    }
    update_irq();
}

void Uart16550::set_modem_inputs(u8 msr_bits) {
    host_modem_inputs_ = msr_bits & 0xF0;
    latch_modem_inputs(current_modem_inputs());
    update_irq();
}

u8 Uart16550::read_rbr() {
    if (rx_fifo_.empty()) return last_rx_;
    last_rx_ = rx_fifo_.front();
    rx_fifo_.pop_front();
    if (fifo_enabled()) {
        rx_timeout_ = false;
        restart_rx_timeout();
    }
    update_irq();
    return last_rx_;
}

u8 Uart16550::read_iir() {
    u8 id = pending_interrupt_id();
    // Reading IIR while THRE is the reported source acknowledges it.
    if (id == kIirThre) {
        thre_pending_ = false;
        update_irq();
    }
    return u8(id | (fifo_enabled() ? kIirFifosEnabled : 0));
}

u8 Uart16550::read_lsr() {
    u8 value = lsr_errors_ | kLsrThrEmpty | kLsrTransmitterEmpty;
    if (!rx_fifo_.empty()) value |= kLsrDataReady;
    lsr_errors_ = 0;
    update_irq();
    return value;
}

u8 Uart16550::read_msr() {
    u8 value = msr_;
    msr_ &= 0xF0;
    update_irq();
    return value;
}

u8 Uart16550::current_modem_inputs() const {
    if (!loopback()) return host_modem_inputs_;
    // Loopback wires the modem control outputs to the inputs: RTS→CTS, DTR→DSR, OUT1→RI,
    // OUT2→DCD.
    return u8(((mcr_ & kMcrRts) ? kMsrCts : 0) | ((mcr_ & kMcrDtr) ? kMsrDsr : 0) |
              ((mcr_ & kMcrOut1) ? kMsrRi : 0) | ((mcr_ & kMcrOut2) ? kMsrDcd : 0));
}

void Uart16550::latch_modem_inputs(u8 inputs) {
    u8 old = msr_ & 0xF0;
    u8 changed = old ^ inputs;
    u8 deltas = msr_ & 0x0F;
    if (changed & kMsrCts) deltas |= kMsrDeltaCts;
    if (changed & kMsrDsr) deltas |= kMsrDeltaDsr;
    if ((old & kMsrRi) && !(inputs & kMsrRi)) deltas |= kMsrTrailingRi;
    if (changed & kMsrDcd) deltas |= kMsrDeltaDcd;
    msr_ = u8(inputs | deltas);
}

unsigned Uart16550::rx_trigger_level() const {
    static constexpr unsigned kLevels[4] = {1, 4, 8, 14};
    return kLevels[fcr_ >> 6];
}

u8 Uart16550::pending_interrupt_id() const {
    if ((ier_ & kIerLineStatus) && lsr_errors_) return kIirLineStatus;
    if ((ier_ & kIerRxData) && !rx_fifo_.empty()) {
        if (!fifo_enabled() || rx_fifo_.size() >= rx_trigger_level()) return kIirRxData;
        if (rx_timeout_) return kIirRxTimeout;
    }
    if ((ier_ & kIerThre) && thre_pending_) return kIirThre;
    if ((ier_ & kIerModemStatus) && (msr_ & 0x0F)) return kIirModemStatus;
    return kIirNone;
}

void Uart16550::update_irq() {
    // A PC drives the IRQ through a buffer enabled by OUT2; loopback disconnects OUT2.
    bool gate = (mcr_ & kMcrOut2) && !loopback();
    irq_.set(gate && pending_interrupt_id() != kIirNone);
}

u64 Uart16550::character_time_ns() const {
    // Frame length in half bits: start, 5-8 data bits, optional parity, 1, 1.5 or 2 stop bits.
    unsigned data_bits = 5 + (lcr_ & 0x03);
    unsigned half_bits = 2 * (1 + data_bits + ((lcr_ & 0x08) ? 1 : 0));
    half_bits += (lcr_ & 0x04) ? (data_bits == 5 ? 3 : 4) : 2;
    u64 divisor = divisor_ ? divisor_ : 0x10000;
    // One bit lasts 16 clock periods per divisor count.
    return u64(half_bits) * divisor * 16 * 1'000'000'000ull / (2ull * kClockHz);
}

void Uart16550::restart_rx_timeout() {
    cancel_rx_timeout();
    if (!fifo_enabled() || rx_fifo_.empty()) return;
    rx_timeout_scheduled_ = true;
    rx_timeout_event_ = scheduler_.schedule_in(4 * character_time_ns(), [this] {
        rx_timeout_scheduled_ = false;
        if (!rx_fifo_.empty()) rx_timeout_ = true;
        update_irq();
    });
}

void Uart16550::cancel_rx_timeout() {
    if (rx_timeout_scheduled_) scheduler_.cancel(rx_timeout_event_);
    rx_timeout_scheduled_ = false;
}

} // namespace vmi86
