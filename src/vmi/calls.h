// The VMI API 3 call numbers (VMI.md §3), their names for logs and --stats, and the relocation
// types GetRelocationInfo answers with (VMI.md §2).
#pragma once
#include "common/types.h"

namespace vmi86::vmi {

enum Call : u8 {
    CPUID = 0,
    WRMSR = 1,
    RDMSR = 2,
    SetGDT = 3,
    SetLDT = 4,
    SetIDT = 5,
    SetTR = 6,
    GetGDT = 7,
    GetLDT = 8,
    GetIDT = 9,
    GetTR = 10,
    WriteGDTEntry = 11,
    WriteLDTEntry = 12,
    WriteIDTEntry = 13,
    UpdateKernelStack = 14,
    SetCR0 = 15,
    SetCR2 = 16,
    SetCR3 = 17,
    SetCR4 = 18,
    GetCR0 = 19,
    GetCR2 = 20,
    GetCR3 = 21,
    GetCR4 = 22,
    WBINVD = 23,
    SetDR = 24,
    GetDR = 25,
    RDPMC = 26,
    RDTSC = 27,
    CLTS = 28,
    EnableInterrupts = 29,
    DisableInterrupts = 30,
    GetInterruptMask = 31,
    SetInterruptMask = 32,
    IRET = 33,
    SYSEXIT = 34,
    Halt = 35,
    Reboot = 36,
    Shutdown = 37,
    SetPxE = 38,
    SetPxELong = 39,
    UpdatePxE = 40,
    UpdatePxELong = 41,
    MachineToPhysical = 42,
    PhysicalToMachine = 43,
    AllocatePage = 44,
    ReleasePage = 45,
    InvalPage = 46,
    FlushTLB = 47,
    SetLinearMapping = 48,
    // 49 unassigned; 50-60 port I/O (INB ... OUTSW), unused by Linux
    SetIOPLMask = 61,
    SetInitialAPState = 62,
    APICWrite = 63,
    APICRead = 64,
    IODelay = 65,
    GetCycleFrequency = 66,
    GetCycleCounter = 67,
    SetAlarm = 68,
    CancelAlarm = 69,
    GetWallclockTime = 70,
    WallclockUpdated = 71,
    SetCallbacks = 72,
    SetLazyMode = 73,
    kNumCalls = 74,
};

// Pseudo call numbers for the two fixed entries, used by counters and the fast path.
constexpr unsigned kInit = kNumCalls;
constexpr unsigned kGetRelocationInfo = kNumCalls + 1;
constexpr unsigned kNumEntries = kNumCalls + 2;

enum RelocationType : u8 { RelocNone = 0, RelocCallRel = 1, RelocJumpRel = 2, RelocNop = 3 };

// SetAlarm / CancelAlarm flag bits.
constexpr u32 kAlarmCounterMask = 0xFF;
constexpr u32 kAlarmPeriodic = 1u << 8;
constexpr u32 kAlarmWiredLvtt = 1u << 16;
// GetCycleCounter counters.
enum Counter : u8 { CyclesReal = 0, CyclesAvailable = 1, CyclesStolen = 2 };

// "SetCR3", "Init", ... or nullptr for an unassigned number.
const char* call_name(unsigned entry);

} // namespace vmi86::vmi
