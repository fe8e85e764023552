// The entry map, GetRelocationInfo, counters and alarms. The calls themselves are in
// vmi_calls.cpp.
#include "vmi/vmi.h"
#include "vmi/rom_image.h"
#include <iterator>

namespace vmi86::vmi {

const char* call_name(unsigned entry) {
    static constexpr const char* names[] = {"CPUID",
                                            "WRMSR",
                                            "RDMSR",
                                            "SetGDT",
                                            "SetLDT",
                                            "SetIDT",
                                            "SetTR",
                                            "GetGDT",
                                            "GetLDT",
                                            "GetIDT",
                                            "GetTR",
                                            "WriteGDTEntry",
                                            "WriteLDTEntry",
                                            "WriteIDTEntry",
                                            "UpdateKernelStack",
                                            "SetCR0",
                                            "SetCR2",
                                            "SetCR3",
                                            "SetCR4",
                                            "GetCR0",
                                            "GetCR2",
                                            "GetCR3",
                                            "GetCR4",
                                            "WBINVD",
                                            "SetDR",
                                            "GetDR",
                                            "RDPMC",
                                            "RDTSC",
                                            "CLTS",
                                            "EnableInterrupts",
                                            "DisableInterrupts",
                                            "GetInterruptMask",
                                            "SetInterruptMask",
                                            "IRET",
                                            "SYSEXIT",
                                            "Halt",
                                            "Reboot",
                                            "Shutdown",
                                            "SetPxE",
                                            "SetPxELong",
                                            "UpdatePxE",
                                            "UpdatePxELong",
                                            "MachineToPhysical",
                                            "PhysicalToMachine",
                                            "AllocatePage",
                                            "ReleasePage",
                                            "InvalPage",
                                            "FlushTLB",
                                            "SetLinearMapping",
                                            nullptr,
                                            "INB",
                                            "INW",
                                            "INL",
                                            "OUTB",
                                            "OUTW",
                                            "OUTL",
                                            "INSB",
                                            "INSW",
                                            "INSL",
                                            "OUTSB",
                                            "OUTSW",
                                            "SetIOPLMask",
                                            "SetInitialAPState",
                                            "APICWrite",
                                            "APICRead",
                                            "IODelay",
                                            "GetCycleFrequency",
                                            "GetCycleCounter",
                                            "SetAlarm",
                                            "CancelAlarm",
                                            "GetWallclockTime",
                                            "WallclockUpdated",
                                            "SetCallbacks",
                                            "SetLazyMode",
                                            "Init",
                                            "GetRelocationInfo"};
    static_assert(std::size(names) == kNumEntries, "one name per call number");
    return entry < kNumEntries ? names[entry] : nullptr;
}

bool has_native_handler(unsigned call) {
    if (call <= SetLinearMapping) return true;
    return (call >= SetIOPLMask && call <= WallclockUpdated) || call == SetLazyMode;
}

Vmi::Vmi(const DetectedRom& rom, MemoryBus& mem, Platform platform, Log& log)
    : rom_(rom), platform_(std::move(platform)), log_(log) {
    calls = call_kinds();
    if (rom_.ours) {
        add_entry(rom_.phys_base + kInitOffset, kInit);
        add_entry(rom_.phys_base + kGetRelocationInfoOffset, kGetRelocationInfo);
        for (unsigned c = 0; c < kNumCalls; ++c)
            if (rom_.slot[c] && has_native_handler(c)) add_entry(rom_.phys_base + rom_.slot[c], c);
    } else {
        // A foreign ROM keeps its own Init; its GetRelocationInfo is asked in a sandbox, and
        // each entry it names for a call we implement becomes a fast-path entry.
        u32 size = mem.read(rom_.phys_base + 2, 1) * 512u;
        if (size == 0 || rom_.phys_base + size > kScanEnd) size = kScanEnd - rom_.phys_base;
        std::vector<u8> image(size);
        mem.read_block(rom_.phys_base, image.data(), size);
        sandbox_ = std::make_unique<RomSandbox>(std::move(image));
        add_entry(rom_.phys_base + kGetRelocationInfoOffset, kGetRelocationInfo);
    }
}

Vmi::~Vmi() {
    if (alarm_.armed && platform_.scheduler) platform_.scheduler->cancel(alarm_.event);
}

void Vmi::add_entry(u32 phys, unsigned call) {
    entries_[phys] = u8(call);
    pages_.insert(phys >> 12);
}

void Vmi::execute(Cpu& cpu, unsigned call) {
    ++counts_[call];
    if (call == kGetRelocationInfo)
        get_relocation_info(cpu);
    else if (do_call(cpu, call))
        cpu.set_eip_checked(cpu.pop<4>()); // the slot's ret
}

// EAX = call number; the answer is linear in the caller's mapping of the ROM: the linear address
// of the GetRelocationInfo entry it called, minus 0x88, plus the slot offset.
void Vmi::get_relocation_info(Cpu& cpu) {
    const u32 call = cpu.s.gpr[EAX].r32;
    const u32 rom_lin = cpu.s.seg[CS].base + cpu.s.eip - kGetRelocationInfoOffset;
    u32 eip = 0, type = RelocNone;
    if (rom_.ours) {
        if (call < kNumCalls && rom_.slot[call] && has_native_handler(call)) {
            eip = rom_lin + rom_.slot[call];
            type = RelocCallRel;
        }
    } else if (auto r = sandbox_->get_relocation_info(rom_lin, call)) {
        eip = r->eip;
        type = r->type;
        if (type == RelocCallRel && call < kNumCalls && has_native_handler(call)) {
            try {
                const u32 phys = cpu.translate(eip, Access::Exec, false);
                if (entry_at(phys) < 0) {
                    log_.info("VMI: learnt {} at linear {:#x} (physical {:#x})", call_name(call),
                              eip, phys);
                    add_entry(phys, call);
                    cpu.invalidate_code(phys, 1); // a block decoded there before is stale
                }
            } catch (const GuestFault&) {
                // Not mapped in this address space: the guest will find out when it calls.
            }
        }
    } else {
        log_.warn_once("vmi-sandbox", "VMI: the ROM's GetRelocationInfo did not return ({})", call);
    }
    cpu.s.gpr[EAX].r64 = eip;
    cpu.s.gpr[EDX].r64 = type;
    cpu.set_eip_checked(cpu.pop<4>());
}

void Vmi::set_alarm(u32 flags, u64 expiry, u64 period) {
    cancel_alarm();
    if (!platform_.scheduler) return;
    alarm_.armed = true;
    alarm_.flags = flags;
    alarm_.expiry = expiry;
    alarm_.period = (flags & kAlarmPeriodic) ? period : 0;
    alarm_.event = platform_.scheduler->schedule_at(expiry, [this] { alarm_fired(); });
}

bool Vmi::cancel_alarm() {
    const bool was = alarm_.armed;
    if (was && platform_.scheduler) platform_.scheduler->cancel(alarm_.event);
    alarm_.armed = false;
    return was;
}

void Vmi::alarm_fired() {
    if (alarm_.flags & kAlarmWiredLvtt) {
        if (platform_.raise_lapic_timer) platform_.raise_lapic_timer();
    } else if (platform_.raise_irq0) {
        platform_.raise_irq0();
    }
    if (!alarm_.period) {
        alarm_.armed = false;
        return;
    }
    // Periodic: the next expiry after now; missed periods are skipped, not queued.
    const u64 now = platform_.scheduler->now();
    u64 next = alarm_.expiry + alarm_.period;
    if (next <= now) next += ((now - next) / alarm_.period + 1) * alarm_.period;
    alarm_.expiry = next;
    alarm_.event = platform_.scheduler->schedule_at(next, [this] { alarm_fired(); });
}

void Vmi::print_stats(std::FILE* out) const {
    u64 total = 0;
    for (u64 n : counts_) total += n;
    std::fprintf(out, "VMI calls (fast path): %llu\n", static_cast<unsigned long long>(total));
    for (unsigned e = 0; e < kNumEntries; ++e)
        if (counts_[e])
            std::fprintf(out, "  %-20s %llu\n", call_name(e),
                         static_cast<unsigned long long>(counts_[e]));
}

} // namespace vmi86::vmi
