// Cpu: one x86 CPU. Owns CpuState, the soft TLB and the block cache; reaches memory and ports
// through the buses. The interpreter engine lives here; the translator attaches to its blocks.
#pragma once
#include "common/bits.h"
#include "common/log.h"
#include "cpu/block_cache.h"
#include "cpu/cpu_model.h"
#include "cpu/decode/insn.h"
#include "cpu/fault.h"
#include "cpu/state.h"
#include "cpu/tlb_contexts.h"
#include "cpu/vmi_hook.h"
#include "devices/bus/io_space.h"
#include "devices/bus/memory_bus.h"
#include <functional>

// The memory fast paths must inline into every handler; GCC's heuristics do not always agree.
#define VMI86_INLINE __attribute__((always_inline)) inline

namespace vmi86 {

// Where external interrupts come from (the PIC / APIC); the machine provides it.
class InterruptSource {
public:
    virtual ~InterruptSource() = default;
    virtual bool interrupt_pending() = 0;
    virtual u8 acknowledge_interrupt() = 0; // the vector
};

template <unsigned S> struct UintOf;
template <> struct UintOf<1> {
    using T = u8;
    using ST = s8;
};
template <> struct UintOf<2> {
    using T = u16;
    using ST = s16;
};
template <> struct UintOf<4> {
    using T = u32;
    using ST = s32;
};

template <unsigned S> constexpr u32 size_mask() {
    return S == 4 ? 0xFFFFFFFFu : (1u << (8 * S)) - 1;
}

enum class Access : u8 { Read, Write, Exec };

// What a page walk learned beyond the physical address, for the soft TLB entry it fills.
struct WalkResult {
    bool global = false;          // the leaf entry is global (G) and CR4.PGE is on
    bool write_ready = true;      // a write at this privilege is allowed and needs no A/D update
    u32 pd_page = 0, pt_page = 0; // the page-table pages read (physical page numbers)
};

// Why an interrupt is being delivered: it decides the IDT gate DPL check and the return EIP.
enum class IntKind : u8 { Exception, Software, External, Int3Into };

class GuestProfile;

class Cpu {
public:
    Cpu(MemoryBus& mem, IoSpace& io, Log& log);
    Cpu(const Cpu&) = delete; // holds pointers into itself (tlb_now_)
    Cpu& operator=(const Cpu&) = delete;

    CpuState s;
    MemoryBus& mem;
    IoSpace& io;
    Log& log;
    InterruptSource* interrupts = nullptr;
    // VMI fast path (--vmi=fast with a ROM found); consulted only when a block is decoded.
    VmiFastPath* vmi = nullptr;
    // For a `call rel32` the decoder found aimed at a VMI entry (cpu/vmi_call_site.h): whether
    // its target still maps to the entry (a TLB hit); the call made for real, through the entry
    // (false: the block ends here); the end of the block if the TLB no longer maps its page
    // where it did.
    bool vmi_entry_mapped(const DecodedInsn& d) const {
        const u32 lin = s.seg[CS].base + s.eip + d.imm;
        const TlbEntry* t = tlb_hit(lin);
        return s.eip + d.imm <= s.seg[CS].lim_hi && t && (t->phys_page | (lin & 0xFFF)) == d.disp;
    }
    bool vmi_call_through_entry(const DecodedInsn& d);
    void vmi_end_block_unless_code_mapped();
    // --profile: counts retired instructions per block start (null: not profiling).
    GuestProfile* profile = nullptr;
    // Called on a triple fault (the board resets) and on a shutdown HLT nothing can wake.
    std::function<void()> on_triple_fault;
    // What CPUID reports and which instruction-set extensions exist (others are #UD). Set it
    // before reset(), which puts the signature in EDX.
    CpuModel model = default_cpu_model();
    // Set by a board that has a local APIC: CPUID then reports it (while the base MSR enables it).
    bool has_local_apic = false;
    // WRMSR IA32_APIC_BASE: the machine forwards it to the local APIC.
    std::function<void(u64)> on_apic_base_write;
    // FERR#: an unmasked x87 exception reported with CR0.NE clear (true), or cleared by
    // FNCLEX/FNINIT (false). The board routes it to IRQ13.
    std::function<void(bool)> on_ferr;

    void reset();
    // Runs until `budget` instructions retired, HLT, or an exit request. Returns the number
    // retired.
    u64 run(u64 budget);
    // Executes exactly one instruction (tests, single-step).
    void step();

    // ---- registers
    template <unsigned S> u32 reg(unsigned r) const {
        if constexpr (S == 1)
            return r < 4 ? s.gpr[r].r8.lo : s.gpr[r - 4].r8.hi;
        else if constexpr (S == 2)
            return s.gpr[r].r16;
        else
            return s.gpr[r].r32;
    }
    template <unsigned S> void set_reg(unsigned r, u32 v) {
        if constexpr (S == 1) {
            if (r < 4)
                s.gpr[r].r8.lo = u8(v);
            else
                s.gpr[r - 4].r8.hi = u8(v);
        } else if constexpr (S == 2)
            s.gpr[r].r16 = u16(v);
        else
            s.gpr[r].r64 = v;
    }

    // ---- flags (lazy)
    u32 eflags() const;           // materialised EFLAGS
    void set_eflags_arith(u32 f); // sets the six arithmetic flags, leaves the rest
    bool cf() const;
    bool zf() const {
        return s.lazy.op == FlagOp::None ? (s.eflags & FLAG_ZF)
                                         : (s.lazy.result & lazy_mask()) == 0;
    }
    bool sf() const;
    bool of() const;
    bool pf() const;
    bool af() const;
    // Jcc/SETcc/CMOVcc condition cc (0..15). The common producer/consumer pairs are decided
    // here from the lazy operands; everything else computes the individual flags.
    bool condition(unsigned cc) const {
        const LazyFlags& l = s.lazy;
        const unsigned kind = cc >> 1;
        bool r;
        if (kind == 2 && l.op != FlagOp::None) {
            r = (l.result & lazy_mask()) == 0;
        } else if (l.op == FlagOp::Sub && kind != 0 && kind != 4 && kind != 5) {
            const u32 m = lazy_mask(), a = l.src1 & m, b = l.src2 & m;
            const unsigned shift = 32 - 8 * l.size;
            const s32 sa = s32(a << shift), sb = s32(b << shift);
            switch (kind) {
            case 1: r = a < b; break;
            case 3: r = a <= b; break;
            case 6: r = sa < sb; break;
            default: r = sa <= sb; break;
            }
        } else if (kind == 1 && l.op == FlagOp::Explicit) {
            r = l.src1 & FLAG_CF;
        } else {
            return condition_slow(cc);
        }
        return (cc & 1) ? !r : r;
    }
    bool condition_slow(unsigned cc) const;
    template <unsigned S> void set_lazy(FlagOp op, u32 result, u32 a, u32 b) {
        s.lazy.op = op;
        s.lazy.size = S;
        s.lazy.result = result;
        s.lazy.src1 = a;
        s.lazy.src2 = b;
    }
    // Writes EFLAGS as POPF/IRET would (mask: which bits may change).
    void write_eflags(u32 value, u32 mask);
    void flush_lazy() {
        s.eflags = eflags();
        s.lazy.op = FlagOp::None;
    }

    // ---- memory through segments
    template <unsigned S> VMI86_INLINE u32 read(unsigned sr, u32 off) {
        return read_lin<S>(seg_check<S>(sr, off, false));
    }
    template <unsigned S> VMI86_INLINE void write(unsigned sr, u32 off, u32 v) {
        write_lin<S>(seg_check<S>(sr, off, true), v);
    }
    template <unsigned S> VMI86_INLINE u32 seg_check(unsigned sr, u32 off, bool write) {
        const SegmentCache& sc = s.seg[sr];
        if (!(sc.access & (write ? 2 : 1)) || off < sc.lim_lo || u64(off) + (S - 1) > sc.lim_hi)
            seg_fault(sr, off, write);
        u32 lin = sc.base + off;
        if (S > 1 && alignment_check_ && (lin & (S - 1))) throw GuestFault{kAC, true, 0};
        return lin;
    }
    [[noreturn]] void seg_fault(unsigned sr, u32 off, bool write);

    // ---- memory by linear address (paging, soft TLB)
    template <unsigned S> VMI86_INLINE u32 read_lin(u32 lin) {
        const TlbEntry& e = tlb_now_[(lin >> 12) & (kTlbSize - 1)];
        if (e.read_tag == (lin & ~0xFFFu) && (S == 1 || (lin & 0xFFF) <= 0x1000 - S))
            return load_le<typename UintOf<S>::T>(reinterpret_cast<const u8*>(lin + e.addend));
        return read_lin_slow(lin, S, user_tlb_);
    }
    template <unsigned S> VMI86_INLINE void write_lin(u32 lin, u32 v) {
        const TlbEntry& e = tlb_now_[(lin >> 12) & (kTlbSize - 1)];
        if (e.write_tag == (lin & ~0xFFFu) && (S == 1 || (lin & 0xFFF) <= 0x1000 - S)) {
            store_le<typename UintOf<S>::T>(reinterpret_cast<u8*>(lin + e.addend),
                                            typename UintOf<S>::T(v));
            return;
        }
        write_lin_slow(lin, S, v, user_tlb_);
    }
    // Supervisor-mode accesses whatever the CPL (descriptor tables, TSS, IDT).
    // They go through the supervisor TLB set (descriptor fetches on every far transfer and
    // interrupt would otherwise walk the page tables each time).
    u32 read_sys(u32 lin, unsigned size) {
        const TlbEntry& e = tlb_->entry[0][(lin >> 12) & (kTlbSize - 1)];
        if (e.read_tag == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000 - size) {
            const u8* p = reinterpret_cast<const u8*>(lin + e.addend);
            return size == 4 ? load_le<u32>(p) : size == 2 ? load_le<u16>(p) : *p;
        }
        return read_lin_slow(lin, size, false);
    }
    void write_sys(u32 lin, unsigned size, u32 v) {
        const TlbEntry& e = tlb_->entry[0][(lin >> 12) & (kTlbSize - 1)];
        if (e.write_tag == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000 - size) {
            u8* p = reinterpret_cast<u8*>(lin + e.addend);
            if (size == 4)
                store_le<u32>(p, v);
            else if (size == 2)
                store_le<u16>(p, u16(v));
            else
                *p = u8(v);
            return;
        }
        write_lin_slow(lin, size, v, false);
    }
    u32 read_lin_slow(u32 lin, unsigned size, bool user);
    void write_lin_slow(u32 lin, unsigned size, u32 v, bool user);
    // Linear -> physical for one page with full checks and A/D updates; throws #PF.
    u32 translate(u32 lin, Access acc, bool user, WalkResult* walk = nullptr);
    void flush_tlb(bool include_global = true);
    void invlpg(u32 lin);
    // VMI's SetCR3: a CR3 write that keeps the TLB of the address space left and brings back
    // the one kept for the space entered (tlb_contexts.h).
    void switch_address_space(u32 cr3);
    // VMI's announcement of a page-table update at linear `lin` (after the store).
    void page_table_written(u32 lin);

    // ---- ModRM operands
    VMI86_INLINE u32 ea(const DecodedInsn& d) const {
        const u32 a = d.disp + s.gpr[d.base].r32 + (s.gpr[d.index].r32 << d.scale);
        return a & (0xFFFFFFFFu >> (32 - 8 * d.addrsize));
    }
    template <unsigned S> VMI86_INLINE u32 read_E(const DecodedInsn& d) {
        return d.mod == 3 ? reg<S>(d.rm) : read<S>(d.seg, ea(d));
    }
    template <unsigned S> VMI86_INLINE void write_E(const DecodedInsn& d, u32 v) {
        if (d.mod == 3)
            set_reg<S>(d.rm, v);
        else
            write<S>(d.seg, ea(d), v);
    }

    // ---- stack
    bool stack32() const { return s.seg[SS].big(); }
    u32 sp() const { return stack32() ? s.gpr[ESP].r32 : s.gpr[ESP].r16; }
    void set_sp(u32 v) {
        if (stack32())
            s.gpr[ESP].r32 = v;
        else
            s.gpr[ESP].r16 = u16(v);
    }
    template <unsigned S> void push(u32 v) {
        u32 nsp = (sp() - S) & (stack32() ? 0xFFFFFFFFu : 0xFFFFu);
        write<S>(SS, nsp, v);
        set_sp(nsp);
    }
    template <unsigned S> u32 pop() {
        u32 v = read<S>(SS, sp());
        set_sp(sp() + S);
        return v;
    }
    template <unsigned S> u32 peek(unsigned offset) {
        return read<S>(SS, (sp() + offset) & (stack32() ? 0xFFFFFFFFu : 0xFFFFu));
    }

    // ---- modes
    bool protected_mode() const { return s.cr0 & CR0_PE; }
    bool v86() const { return s.eflags & FLAG_VM; }
    bool real_mode() const { return !protected_mode(); }
    unsigned iopl() const { return (s.eflags >> 12) & 3; }
    bool code32() const { return s.seg[CS].big(); }
    // Recomputes what depends on CPL, CR0, CR4 and EFLAGS.AC (TLB set, alignment checking).
    void update_mode();
    void invalidate_code(u32 phys, u32 len) {
        if (blocks_.invalidate(phys, len)) {
            block_invalidated = true;
            renew_all_chain_epochs();
        }
    }
    void set_cpl(unsigned cpl) {
        s.cpl = cpl;
        update_mode();
    }

    // ---- segments and descriptors
    void load_segment(unsigned sr, u16 selector); // MOV/POP Sreg semantics, all checks
    void load_segment_real(unsigned sr, u16 selector);
    // Fills a segment cache from a raw descriptor (no checks).
    static void set_cache_from_descriptor(SegmentCache& sc, u16 selector, u64 desc);
    u64 read_descriptor(u16 selector, u32 error_code_if_outside);
    bool fetch_descriptor(u16 selector, u64& desc); // false: outside the table
    void set_descriptor_accessed(u16 selector, u64& desc);
    u32 descriptor_address(u16 selector) const;
    void load_cs_for_transfer(u16 selector, u64 desc, unsigned new_cpl);

    // ---- control transfers
    void jmp_far(u16 selector, u32 offset, unsigned opsize);
    void call_far(u16 selector, u32 offset, unsigned opsize);
    void ret_far(unsigned opsize, u16 pop_bytes);
    void iret(unsigned opsize);
    void set_eip_checked(u32 eip); // #GP if outside CS limit
    void interrupt(u8 vector, IntKind kind, bool has_error = false, u32 error = 0);
    void task_switch(u16 selector, u64 desc, int reason, bool has_error = false, u32 error = 0);

    // ---- exceptions
    [[noreturn]] void fault(u8 vector, u32 error) { throw GuestFault{vector, true, error}; }
    [[noreturn]] void fault(u8 vector) { throw GuestFault{vector, false, 0}; }
    void deliver_fault(const GuestFault& f);

    // ---- I/O
    bool io_permitted(u16 port, unsigned size);
    void check_io(u16 port, unsigned size) {
        if (protected_mode() && (s.cpl > iopl() || v86()) && !io_permitted(port, size))
            fault(kGP, 0);
    }

    // ---- system
    void write_cr0(u32 v);
    void write_cr3(u32 v);
    void write_cr4(u32 v);
    u64 read_tsc() const { return s.retired + s.tsc_offset; }
    bool read_msr(u32 index, u64& value);
    bool write_msr(u32 index, u64 value);
    void cpuid(u32 leaf, u32& a, u32& b, u32& c, u32& d) const;

    // Set by a memory write that invalidated the block being executed.
    bool block_invalidated = false;
    // EIP of the instruction being executed (faults restart it).
    u32 insn_eip = 0;
    // The instruction after which an invalidated block stopped (chained_dispatch.h).
    const DecodedInsn* chain_stop = nullptr;

    BlockCache& blocks() { return blocks_; }

private:
    Block* find_block();
    void seal(Block& b);
    // The current TLB set's entry translating linear `lin`, or null (no page walk).
    VMI86_INLINE const TlbEntry* tlb_hit(u32 lin) const {
        const TlbEntry& e = tlb_now_[(lin >> 12) & (kTlbSize - 1)];
        return e.read_tag == (lin & ~0xFFFu) ? &e : nullptr;
    }
    // Physical address of code at linear `lin`: from the soft TLB, else a page walk (may #PF).
    VMI86_INLINE u32 code_phys(u32 lin) {
        if (const TlbEntry* e = tlb_hit(lin)) return e->phys_page | (lin & 0xFFF);
        WalkResult walk;
        u32 phys = translate(lin, Access::Exec, user_tlb_, &walk);
        fill_tlb(lin, phys, false, walk, user_tlb_);
        return phys;
    }
    void service_interrupts();
    void raise_double_fault_or_shutdown(const GuestFault& second);
    void fill_tlb(u32 lin, u32 phys, bool writable, const WalkResult& walk, bool user);
    u32 lazy_mask() const { return size_mask_of(s.lazy.size); }
    static u32 size_mask_of(unsigned size) {
        return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
    }
    void shutdown();
    void deliver_nested(const GuestFault& f, int depth);
    void drop_write_tags();
    void single_step_trap();
    Block* decode_block(u32 lin, u32 phys);
    Block* vmi_entry_block(u32 phys, unsigned call);
    void fuse_vmi_call(DecodedInsn& d, u32 next_eip);
    std::unique_ptr<Block> scratch_block_;

    TlbContexts tlbs_;
    Tlb* tlb_ = tlbs_.current().tlb.get(); // the current address space's
    unsigned user_tlb_ = 0;
    TlbEntry* tlb_now_ = tlb_->entry[0]; // tlb_->entry[user_tlb_]
    bool alignment_check_ = false;
    BlockCache blocks_;
    // Remembered block successors are followed only while the epoch they were made in holds.
    // Each address space and privilege (user or not) has its own epoch, renewed (a number never
    // used before) when its mappings change or blocks are invalidated; switching spaces or CPL
    // brings back the epoch of the one entered.
    u64 chain_epoch_ = 0;
    u64 chain_epochs_used_ = 0;
    void renew_chain_epochs(TlbContexts::Context& c, unsigned sets = 3) {
        for (unsigned set = 0; set < 2; ++set)
            if (sets & (1u << set)) c.chain_epoch[set] = ++chain_epochs_used_;
    }
    void renew_all_chain_epochs();
    // Makes tlb_, tlb_now_ and chain_epoch_ follow the current address space and CPL.
    void select_tlb() {
        tlb_ = tlbs_.current().tlb.get();
        tlb_now_ = tlb_->entry[user_tlb_];
        chain_epoch_ = tlbs_.current().chain_epoch[user_tlb_];
    }
    // The block being executed and its first EIP, for counting retired instructions on a fault.
    const Block* running_block_ = nullptr;
    u32 running_block_eip_ = 0;
};

} // namespace vmi86
