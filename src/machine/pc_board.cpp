#include "machine/pc_board.h"

namespace vmi86 {

namespace {
// ISA IRQ n arrives at I/O APIC pin n, except IRQ0 which the usual interrupt source override
// puts on pin 2.
unsigned ioapic_pin_for_isa_irq(unsigned irq) { return irq == 0 ? 2 : irq; }

struct UartPlacement {
    u16 base;
    unsigned irq;
};
constexpr UartPlacement kUarts[4] = {{0x3F8, 4}, {0x2F8, 3}, {0x3E8, 4}, {0x2E8, 3}};
} // namespace

PcBoard::PcBoard(MemoryBus& mem, IoSpace& io, Scheduler& sched, Log& log, Cpu& cpu,
                 std::optional<s64> rtc_epoch)
    : mem_(mem), cpu_(cpu) {
    // Interrupt controllers.
    pic_ = std::make_unique<PicPair>(io, log);
    ioapic_ = std::make_unique<IoApic>(log);
    lapic_ = std::make_unique<LocalApic>(sched, log);
    mem.map_mmio(IoApic::kDefaultBase, IoApic::kMmioSize, ioapic_.get());
    mem.map_mmio(LocalApic::kDefaultBase, LocalApic::kMmioSize, lapic_.get());
    for (unsigned n = 0; n < kIsaIrqs; ++n) {
        pic_->connect(irq_[n], n);
        irq_[n].connect(
            [this, n](bool level) { ioapic_->set_irq(ioapic_pin_for_isa_irq(n), level); });
    }
    pic_->on_intr = [this](bool level) { lapic_->set_lint0(level); };
    ioapic_->deliver = [this](const ApicMessage& m) { lapic_->receive(m); };
    lapic_->on_level_eoi = [this](u8 vector) { ioapic_->end_of_interrupt(vector); };
    lapic_->on_interrupt = [this] { update_cpu_intr(); };
    cpu.interrupts = this;
    cpu.has_local_apic = true;
    // FERR# (an unmasked x87 exception with CR0.NE clear) is IRQ13 on a PC, through a latch
    // that FERR# going active sets. FNCLEX/FNINIT deassert FERR# but leave the latch: only a
    // write to port 0xF0 clears it (as on the AT and the PIIX, and in QEMU), so an IRQ13 handler
    // that does not write it gets no new edge at the 8259A for the next x87 error.
    cpu.on_ferr = [this](bool level) {
        if (level && !ferr_) irq_[13].raise();
        ferr_ = level;
    };
    port_f0_ = std::make_unique<CoprocessorErrorPort>(*this);
    io.attach(0xF0, 1, port_f0_.get());
    cpu.on_apic_base_write = [this](u64 v) { lapic_->set_base_msr(v); };
    cpu.s.apic_base = lapic_->base_msr();

    // Timers: the PIT's OUT0 and HPET timer 0 share IRQ0 as legacy replacement decides (and
    // likewise the RTC and HPET timer 1 on IRQ8).
    pit_ = std::make_unique<Pit8254>(io, sched, pit_irq0_, log);
    port61_ = std::make_unique<SystemControlPortB>(io, sched, *pit_);
    rtc_ = std::make_unique<Mc146818Rtc>(io, sched, rtc_irq8_, log, rtc_epoch);
    rtc_->set_memory_size(mem.ram_size());
    hpet_ = std::make_unique<Hpet>(sched, log);
    mem.map_mmio(Hpet::kDefaultBase, Hpet::kMmioSize, hpet_.get());
    auto route_timers = [this] {
        bool legacy = hpet_->legacy_replacement();
        irq_[0].set(legacy ? hpet_irq0_.level() : pit_irq0_.level());
        irq_[8].set(legacy ? hpet_irq8_.level() : rtc_irq8_.level());
    };
    pit_irq0_.connect([route_timers](bool) { route_timers(); });
    rtc_irq8_.connect([route_timers](bool) { route_timers(); });
    hpet_irq0_.connect([route_timers](bool) { route_timers(); });
    hpet_irq8_.connect([route_timers](bool) { route_timers(); });
    hpet_->legacy_irq = [this](unsigned isa_irq, bool level) {
        if (isa_irq == 0)
            hpet_irq0_.set(level);
        else if (isa_irq == 8)
            hpet_irq8_.set(level);
        else if (isa_irq < kIsaIrqs)
            irq_[isa_irq].set(level);
    };
    hpet_->ioapic_irq = [this](unsigned pin, bool level) { ioapic_->set_irq(pin, level); };
    hpet_->on_legacy_replacement_changed = [route_timers](bool) { route_timers(); };

    // Serial ports, keyboard controller.
    for (unsigned i = 0; i < 4; ++i) {
        uarts_[i] = std::make_unique<Uart16550>(io, kUarts[i].base, uart_irq_[i], sched, log);
        const unsigned irq = kUarts[i].irq;
        uart_irq_[i].connect([this, irq](bool) {
            bool level = false;
            for (unsigned j = 0; j < 4; ++j) level |= kUarts[j].irq == irq && uart_irq_[j].level();
            irq_[irq].set(level);
        });
    }
    kbc_ = std::make_unique<I8042>(io, irq_[1], irq_[12], log);
    kbc_->on_a20 = [this](bool on) { set_a20(on); };
    kbc_->on_reset = [this] {
        if (on_reset_request) on_reset_request();
    };

    // PCI: host bridge at 00:00.0, ISA bridge at 00:01.0 (with the 0xCF9 reset register).
    pci_ = std::make_unique<PciBus>(io);
    host_bridge_ = std::make_unique<I440fxHostBridge>(*pci_);
    isa_bridge_ = std::make_unique<Piix3IsaBridge>(*pci_, io);
    isa_bridge_->request_reset = [this](bool) {
        if (on_reset_request) on_reset_request();
    };
}

PcBoard::~PcBoard() {
    if (cpu_.interrupts == this) cpu_.interrupts = nullptr;
    cpu_.on_apic_base_write = nullptr;
    cpu_.on_ferr = nullptr;
}

bool PcBoard::interrupt_pending() { return lapic_->interrupt_pending(); }

u8 PcBoard::acknowledge_interrupt() {
    LocalApic::Acknowledge a = lapic_->acknowledge();
    u8 vector = a.source == LocalApic::Acknowledge::Source::ExtInt ? pic_->acknowledge() : a.vector;
    update_cpu_intr();
    return vector;
}

MpTableConfig PcBoard::mp_table_config() {
    MpTableConfig c;
    c.local_apic_address = LocalApic::kDefaultBase;
    c.local_apic_id = 0;
    c.local_apic_version = u8(LocalApic::kVersion);
    u32 b, ecx;
    cpu_.cpuid(1, c.cpu_signature, b, ecx, c.cpu_features);
    c.io_apic_address = IoApic::kDefaultBase;
    c.io_apic_id = u8((ioapic_->read_register(0x00) >> 24) & 0x0F);
    c.io_apic_version = u8(ioapic_->read_register(0x01));
    return c;
}

void PcBoard::assign_io_apic_id() {
    constexpr u32 kIoApicId = 1; // the only processor is APIC ID 0
    ioapic_->write_register(0x00, kIoApicId << 24);
}

void PcBoard::update_cpu_intr() { cpu_.s.intr_line = lapic_->interrupt_pending(); }

// As on QEMU's PC, the 8042 output port and port 0x92 each drive the A20 line when written (the
// last write wins): a guest that turns A20 off through either sees it off.
void PcBoard::set_a20(bool on) { mem_.set_a20(on); }

void PcBoard::reset() {
    ferr_ = false;
    irq_[13].lower();
    pic_->reset();
    ioapic_->reset();
    lapic_->reset();
    cpu_.s.apic_base = lapic_->base_msr();
    pit_->reset();
    rtc_->reset();
    hpet_->reset();
    for (auto& u : uarts_) u->reset();
    kbc_->reset();
    mem_.set_a20(true);
    update_cpu_intr();
}

} // namespace vmi86
