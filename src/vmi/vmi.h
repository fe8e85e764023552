// The VMI fast path: the map physical entry address -> call for the detected ROM, the native
// handler of every call Linux uses (VMI.md §3, §5), alarms in virtual time, and per-call counters
// for --stats. The engine reaches it through VmiFastPath (src/cpu/vmi_hook.h).
#pragma once
#include "common/log.h"
#include "cpu/cpu.h"
#include "cpu/vmi_hook.h"
#include "vmi/calls.h"
#include "vmi/platform.h"
#include "vmi/rom_detect.h"
#include "vmi/rom_sandbox.h"
#include <array>
#include <cstdio>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace vmi86::vmi {

// Whether vmi86 has a native handler for `call` (GetRelocationInfo answers CALL_REL for those).
bool has_native_handler(unsigned call);

class Vmi : public VmiFastPath {
public:
    // mem: where the ROM is mapped (a foreign ROM's image is copied from it for the sandbox).
    Vmi(const DetectedRom& rom, MemoryBus& mem, Platform platform, Log& log);
    ~Vmi() override;

    int entry_at(u32 phys) const override {
        auto it = entries_.find(phys);
        return it == entries_.end() ? -1 : int(it->second);
    }
    bool page_has_entries(u32 phys) const override { return pages_.count(phys >> 12) != 0; }
    void execute(Cpu& cpu, unsigned call) override;

    const DetectedRom& rom() const { return rom_; }
    u64 count(unsigned entry) const { return counts_[entry]; }
    void print_stats(std::FILE* out) const;

    // The AP start state SetInitialAPState stored (the board has one CPU: kept for a later SMP).
    struct ApState {
        u32 apic_id = 0;
        std::array<u8, 92> bytes{};
    };
    const std::optional<ApState>& ap_state() const { return ap_state_; }

private:
    void add_entry(u32 phys, unsigned call);
    void get_relocation_info(Cpu& cpu);
    // Performs the call; true if the slot's `ret` is still to be done.
    bool do_call(Cpu& cpu, unsigned call);
    // The same, inlined where `call` is a constant (vmi_calls.cpp).
    bool run_call(Cpu& cpu, unsigned call);
    // Call `Call` at a recognised call site (VmiFastPath::SiteFunction).
    template <unsigned Call> bool at_site(Cpu& cpu);
    template <unsigned Call> static bool site_function(Cpu& cpu);
    // The VmiFastPath::calls table.
    static const CallKind* call_kinds();
    // IRET or SYSEXIT at a recognised call site: a fault is then naturally at the call site.
    void transfer_at_call_site(Cpu& cpu, unsigned call);
    void set_alarm(u32 flags, u64 expiry, u64 period);
    bool cancel_alarm();
    void alarm_fired();

    DetectedRom rom_;
    Platform platform_;
    Log& log_;
    std::unordered_map<u32, u8> entries_;
    std::unordered_set<u32> pages_;
    std::array<u64, kNumEntries> counts_{};
    std::optional<ApState> ap_state_;
    std::unique_ptr<RomSandbox> sandbox_; // foreign ROMs only

    struct Alarm {
        bool armed = false;
        u32 flags = 0;
        u64 expiry = 0;
        u64 period = 0;
        Scheduler::EventId event = 0;
    } alarm_;
};

} // namespace vmi86::vmi
