// The native handlers: each call's effect on CpuState exactly as the privileged instruction(s)
// its ROM slot holds, then the slot's `ret` (VMI.md §4, §5).
#include "cpu/handlers/system.h"
#include "cpu/vmi_call_site.h"
#include "vmi/vmi.h"
#include <utility>

namespace vmi86::vmi {

namespace {

u32& reg(Cpu& c, Gpr r) { return c.s.gpr[r].r32; }
void set(Cpu& c, Gpr r, u32 v) { c.s.gpr[r].r64 = v; }
u32 stack_arg(Cpu& c, unsigned n) { return c.peek<4>(4 * n); } // [esp + 4n] at entry

// A register-operand instruction form for the reused interpreter handlers.
DecodedInsn reg_form(u8 reg_field, u8 rm) {
    DecodedInsn d;
    d.mod = 3;
    d.reg = reg_field;
    d.rm = rm;
    return d;
}

void load_table(Cpu& c, TableReg& t) {
    const u32 p = reg(c, EAX);
    t.limit = c.read_lin<2>(p);
    t.base = c.read_lin<4>(p + 2);
}
void store_table(Cpu& c, const TableReg& t) {
    const u32 p = reg(c, EAX);
    c.write_lin<2>(p, t.limit);
    c.write_lin<4>(p + 2, t.base);
}

// What IRET and SYSEXIT change before they can fault (a partial copy: these are hot).
struct TransferState {
    explicit TransferState(const CpuState& s)
        : esp(s.gpr[ESP].r64), eip(s.eip), eflags(s.eflags), lazy(s.lazy), cpl(s.cpl) {
        std::copy(std::begin(s.seg), std::end(s.seg), seg);
    }
    u64 esp;
    u32 eip, eflags;
    LazyFlags lazy;
    unsigned cpl;
    SegmentCache seg[6];
};

// A fault in IRET or SYSEXIT is reported at the call site with the stack as before the call, so
// the guest's exception fixup for its own iret/sysexit instruction applies.
[[noreturn]] void fault_at_call_site(Cpu& c, const TransferState& before, u32 return_address) {
    c.s.gpr[ESP].r64 = before.esp + 4;
    c.s.eip = before.eip;
    c.s.eflags = before.eflags;
    c.s.lazy = before.lazy;
    c.s.cpl = before.cpl;
    std::copy(std::begin(before.seg), std::end(before.seg), c.s.seg);
    c.update_mode();
    c.insn_eip = return_address - 5;
    throw;
}

} // namespace

void Vmi::transfer_at_call_site(Cpu& c, unsigned call) {
    if (call == IRET) {
        const u32 iopl = c.s.eflags & FLAG_IOPL;
        c.iret(4);
        c.s.eflags = (c.s.eflags & ~FLAG_IOPL) | iopl;
    } else {
        handlers::sysexit(c, DecodedInsn{});
        c.s.eflags |= FLAG_IF;
    }
}

bool Vmi::do_call(Cpu& c, unsigned call) { return run_call(c, call); }

[[gnu::always_inline]] inline bool Vmi::run_call(Cpu& c, unsigned call) {
    switch (call) {
    case kInit: set(c, EAX, 0); break;
    case CPUID: {
        u32 a, b, cx, d;
        c.cpuid(reg(c, EAX), a, b, cx, d);
        set(c, EAX, a);
        set(c, EBX, b);
        set(c, ECX, cx);
        set(c, EDX, d);
        break;
    }
    case WRMSR: handlers::wrmsr(c, DecodedInsn{}); break;
    case RDMSR: handlers::rdmsr(c, DecodedInsn{}); break;
    case SetGDT: load_table(c, c.s.gdtr); break;
    case SetIDT: load_table(c, c.s.idtr); break;
    case GetGDT: store_table(c, c.s.gdtr); break;
    case GetIDT: store_table(c, c.s.idtr); break;
    case SetLDT: handlers::lldt(c, reg_form(2, EAX)); break;
    case SetTR: handlers::ltr(c, reg_form(3, EAX)); break;
    case GetLDT: set(c, EAX, c.s.ldtr.selector); break;
    case GetTR: set(c, EAX, c.s.tr.selector); break;
    case WriteGDTEntry:
    case WriteLDTEntry:
    case WriteIDTEntry: {
        const u32 at = reg(c, EAX) + reg(c, EDX) * 8;
        const u32 high = stack_arg(c, 1);
        c.write_lin<4>(at, reg(c, ECX));
        c.write_lin<4>(at + 4, high);
        break;
    }
    case UpdateKernelStack: // the ring-0 stack of the next user -> kernel transition
        c.write_sys(c.s.tr.base + 4, 4, reg(c, EDX));
        c.write_sys(c.s.tr.base + 8, 2, reg(c, EAX) & 0xFFFF);
        break;
    case SetCR0: c.write_cr0(reg(c, EAX)); break;
    case SetCR2: c.s.cr2 = reg(c, EAX); break;
    case SetCR3: c.switch_address_space(reg(c, EAX)); break;
    case SetCR4: c.write_cr4(reg(c, EAX)); break;
    case GetCR0: set(c, EAX, c.s.cr0); break;
    case GetCR2: set(c, EAX, c.s.cr2); break;
    case GetCR3: set(c, EAX, c.s.cr3); break;
    case GetCR4: set(c, EAX, c.s.cr4); break;
    case UpdatePxE: // the guest stored the entry itself
    case UpdatePxELong: c.page_table_written(reg(c, EAX)); break;
    case WBINVD:
    case MachineToPhysical: // guest-physical is machine-physical: both are the identity
    case PhysicalToMachine:
    case AllocatePage:
    case ReleasePage:
    case SetLinearMapping:
    case IODelay:
    case SetLazyMode: // updates are never deferred, so there is nothing to flush
        break;
    case SetDR: handlers::mov_D_R(c, reg_form(u8(reg(c, EAX) & 7), EDX)); break;
    case GetDR: handlers::mov_R_D(c, reg_form(u8(reg(c, EAX) & 7), EAX)); break;
    case RDPMC: handlers::rdpmc(c, DecodedInsn{}); break;
    case RDTSC: {
        const u64 t = c.read_tsc();
        set(c, EAX, u32(t));
        set(c, EDX, u32(t >> 32));
        break;
    }
    case CLTS: c.s.cr0 &= ~CR0_TS; break;
    // The interrupt-flag calls preserve every register but EAX of GetInterruptMask. Ending the
    // block is what delivers a pending interrupt at once: the run loop checks before the next.
    case EnableInterrupts: c.s.eflags |= FLAG_IF; break;
    case DisableInterrupts: c.s.eflags &= ~FLAG_IF; break;
    case GetInterruptMask: set(c, EAX, c.eflags()); break;
    case SetInterruptMask: c.s.eflags = (c.s.eflags & ~FLAG_IF) | (reg(c, EAX) & FLAG_IF); break;
    case IRET: {
        const TransferState before(c.s);
        const u32 return_address = stack_arg(c, 0);
        const u32 iopl = c.s.eflags & FLAG_IOPL;
        try {
            c.set_sp(c.sp() + 4);
            c.iret(4);
        } catch (const GuestFault&) {
            fault_at_call_site(c, before, return_address);
        }
        c.s.eflags = (c.s.eflags & ~FLAG_IOPL) | iopl; // IOPL is not taken from the frame
        return false;
    }
    case SYSEXIT: {
        const TransferState before(c.s);
        const u32 return_address = stack_arg(c, 0);
        try {
            handlers::sysexit(c, DecodedInsn{});
        } catch (const GuestFault&) {
            fault_at_call_site(c, before, return_address);
        }
        c.s.eflags |= FLAG_IF;
        return false;
    }
    case Halt: // STI; HLT; RET: the interrupt is taken at the return address
        c.s.eflags |= FLAG_IF;
        c.s.halted = true;
        break;
    case Reboot:
        if (platform_.reboot) {
            platform_.reboot();
            return false;
        }
        [[fallthrough]];
    case Shutdown:
        c.s.eflags &= ~FLAG_IF;
        c.s.halted = true;
        return false;
    case SetPxE:
        c.write_lin<4>(reg(c, EDX), reg(c, EAX));
        c.page_table_written(reg(c, EDX));
        break;
    case SetPxELong: // one 64-bit store (this CPU is alone: two halves, high first)
        c.write_lin<4>(reg(c, ECX) + 4, reg(c, EDX));
        c.write_lin<4>(reg(c, ECX), reg(c, EAX));
        c.page_table_written(reg(c, ECX));
        break;
    case InvalPage: c.invlpg(reg(c, EAX)); break;
    case FlushTLB: c.flush_tlb((reg(c, EAX) & 2) != 0); break;
    case SetIOPLMask: c.write_eflags(reg(c, EAX), FLAG_IOPL); break;
    case SetInitialAPState: {
        ApState st;
        st.apic_id = reg(c, EDX);
        for (u32 i = 0; i < st.bytes.size(); ++i) st.bytes[i] = u8(c.read_lin<1>(reg(c, EAX) + i));
        ap_state_ = st;
        log_.info("VMI: initial state for AP {} stored (EIP {:#x})", st.apic_id,
                  load_le<u32>(&st.bytes[0x18]));
        break;
    }
    case APICWrite:
        if (platform_.apic_write) platform_.apic_write(reg(c, EAX), reg(c, EDX));
        break;
    case APICRead:
        set(c, EAX, platform_.apic_read ? platform_.apic_read(reg(c, EAX)) : 0xFFFFFFFFu);
        break;
    case GetCycleFrequency: // the cycle counter is virtual time in ns: 1 GHz
        set(c, EAX, 1'000'000'000u);
        set(c, EDX, 0);
        break;
    case GetCycleCounter: {
        const u64 t =
            reg(c, EAX) == CyclesStolen || !platform_.scheduler ? 0 : platform_.scheduler->now();
        set(c, EAX, u32(t));
        set(c, EDX, u32(t >> 32));
        break;
    }
    case SetAlarm:
        set_alarm(reg(c, EAX), u64(reg(c, EDX)) | (u64(reg(c, ECX)) << 32),
                  u64(stack_arg(c, 1)) | (u64(stack_arg(c, 2)) << 32));
        c.s.exit_request = true; // the machine sized this slice before the alarm existed
        break;
    case CancelAlarm: set(c, EAX, cancel_alarm() ? 1 : 0); break;
    case GetWallclockTime: {
        const u64 t = platform_.wallclock_ns ? platform_.wallclock_ns() : 0;
        set(c, EAX, u32(t));
        set(c, EDX, u32(t >> 32));
        break;
    }
    case WallclockUpdated: set(c, EAX, 0); break;
    default:
        // Never answered CALL_REL, so only a guest jumping at random gets here.
        log_.warn_once("vmi-unknown", "VMI: call {} has no handler", call);
        break;
    }
    return true;
}

template <unsigned Call> bool Vmi::at_site(Cpu& c) {
    if constexpr (Call == WriteGDTEntry || Call == WriteLDTEntry || Call == WriteIDTEntry ||
                  Call == SetAlarm || Call == kInit || Call == kGetRelocationInfo) {
        return false; // these read their stack arguments
    } else {
        ++counts_[Call];
        if constexpr (Call == IRET || Call == SYSEXIT)
            transfer_at_call_site(c, Call); // without the return address the frame is at [esp]
        else
            run_call(c, Call);
        return true;
    }
}

template <unsigned Call> bool Vmi::site_function(Cpu& c) {
    return static_cast<Vmi*>(c.vmi)->at_site<Call>(c);
}

namespace {
constexpr VmiFastPath::Continuation continuation_of(unsigned call) {
    using C = VmiFastPath::Continuation;
    switch (call) {
    case SetCR3:
    case InvalPage:
    case FlushTLB: return C::IfCodeMapped;
    // A pending interrupt is taken at the next block boundary: the call ends the block then.
    case EnableInterrupts:
    case SetInterruptMask: return C::IfNoInterrupt;
    case SetCR0: // paging and the code mapping
    case SetCR4:
    case Halt:
    case APICWrite:
    case SetAlarm:
    case IRET: // control transfers
    case SYSEXIT:
    case Reboot:
    case Shutdown:
    case kInit:
    case kGetRelocationInfo: return C::EndBlock;
    default: return call < kNumCalls ? C::Continue : C::EndBlock;
    }
}
} // namespace

const VmiFastPath::CallKind* Vmi::call_kinds() {
    static const auto table = []<unsigned... Call>(std::integer_sequence<unsigned, Call...>) {
        return std::array<CallKind, kNumEntries>{
            vmi_call_kind<&Vmi::site_function<Call>, continuation_of(Call)>()...};
    }
    (std::make_integer_sequence<unsigned, kNumEntries>{});
    return table.data();
}

} // namespace vmi86::vmi
