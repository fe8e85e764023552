// The PC board's chips and their wiring: ISA IRQ lines fanned out to the 8259A pair and the
// I/O APIC, the 8259A's INTR into the local APIC's LINT0 (virtual wire), the I/O APIC's messages
// into the local APIC, the PIT, port 0x61, RTC/CMOS, four 16550A UARTs, the 8042 with keyboard
// and mouse, the i440FX/PIIX3 PCI functions and the HPET. It answers the CPU's interrupt
// acknowledge cycle. Only the machine sees both this board and the CPU.
#pragma once
#include "common/log.h"
#include "cpu/cpu.h"
#include "devices/apic/io_apic.h"
#include "devices/apic/local_apic.h"
#include "devices/bus/io_space.h"
#include "devices/bus/memory_bus.h"
#include "devices/hpet.h"
#include "devices/i8042.h"
#include "devices/i8254.h"
#include "devices/i8259.h"
#include "devices/irq.h"
#include "devices/mc146818.h"
#include "devices/pci/i440fx_host_bridge.h"
#include "devices/pci/pci_bus.h"
#include "devices/pci/piix3_isa_bridge.h"
#include "devices/port61.h"
#include "devices/scheduler.h"
#include "devices/uart16550.h"
#include "machine/mp_table.h"
#include <array>
#include <functional>
#include <memory>
#include <optional>

namespace vmi86 {

class PcBoard : public InterruptSource {
public:
    static constexpr unsigned kIsaIrqs = 16;

    // rtc_epoch: fixed start time (Unix seconds) for deterministic runs, or the host clock.
    PcBoard(MemoryBus& mem, IoSpace& io, Scheduler& scheduler, Log& log, Cpu& cpu,
            std::optional<s64> rtc_epoch);
    ~PcBoard() override;

    // InterruptSource: the CPU's view of INTR and the INTA cycle.
    bool interrupt_pending() override;
    u8 acknowledge_interrupt() override;
    // Recomputes the CPU's INTR input from the local APIC.
    void update_cpu_intr();

    void reset();
    // The chipset asks for a system reset (8042 pulse, PIIX3 0xCF9, port 0x92 bit 0).
    std::function<void()> on_reset_request;

    IrqLine& isa_irq(unsigned n) { return irq_[n]; }
    Uart16550& uart(unsigned n) { return *uarts_[n]; }
    I8042& i8042() { return *kbc_; }
    LocalApic& local_apic() { return *lapic_; }
    Mc146818Rtc& rtc() { return *rtc_; }
    PicPair& pic() { return *pic_; }
    // What an MP table must say about this board: the CPU, the local APIC and the I/O APIC as
    // their registers report them now.
    MpTableConfig mp_table_config();
    // Gives the I/O APIC an APIC ID no processor has, as MP firmware must: before the xAPIC,
    // local and I/O APICs share one APIC bus, and Linux renumbers a clashing I/O APIC behind the
    // table's back (its interrupt entries then name an ID that no longer exists).
    void assign_io_apic_id();
    // The A20 gate, driven by the 8042 output port and port 0x92.
    void set_a20(bool on);

private:
    MemoryBus& mem_;
    Cpu& cpu_;
    std::array<IrqLine, kIsaIrqs> irq_;
    IrqLine pit_irq0_;  // the PIT's OUT0 before the HPET's legacy-replacement switch
    IrqLine hpet_irq0_; // HPET timer 0 in legacy-replacement mode
    IrqLine rtc_irq8_, hpet_irq8_;
    std::array<IrqLine, 4> uart_irq_; // COM1/COM3 share IRQ4 and COM2/COM4 IRQ3: ORed
    std::unique_ptr<PicPair> pic_;
    std::unique_ptr<IoApic> ioapic_;
    std::unique_ptr<LocalApic> lapic_;
    std::unique_ptr<Pit8254> pit_;
    std::unique_ptr<SystemControlPortB> port61_;
    std::unique_ptr<Mc146818Rtc> rtc_;
    std::array<std::unique_ptr<Uart16550>, 4> uarts_;
    std::unique_ptr<I8042> kbc_;
    std::unique_ptr<PciBus> pci_;
    std::unique_ptr<I440fxHostBridge> host_bridge_;
    std::unique_ptr<Piix3IsaBridge> isa_bridge_;
    std::unique_ptr<Hpet> hpet_;

    // Port 0xF0 (coprocessor error): a write clears the IRQ13 latch that FERR# sets.
    class CoprocessorErrorPort : public IoHandler {
    public:
        explicit CoprocessorErrorPort(PcBoard& board) : board_(board) {}
        u32 io_read(u16, unsigned size) override {
            return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; // write-only: floats
        }
        void io_write(u16, unsigned, u32) override { board_.irq_[13].lower(); }

    private:
        PcBoard& board_;
    };
    std::unique_ptr<CoprocessorErrorPort> port_f0_;
    bool ferr_ = false; // the CPU's FERR# output
};

} // namespace vmi86
