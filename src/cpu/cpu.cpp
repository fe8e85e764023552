// The interpreter engine: block lookup, the pre-decoded block loop, interrupt and fault delivery
// at instruction boundaries.
#include "cpu/cpu.h"
#include "cpu/chained_dispatch.h"
#include "cpu/decode/decoder.h"
#include "cpu/guest_profile.h"

namespace vmi86 {

namespace {
constexpr unsigned kMaxBlockInsns = 64;

bool contributory(u8 v) { return v == kDE || v == kTS || v == kNP || v == kSS || v == kGP; }
} // namespace

Cpu::Cpu(MemoryBus& m, IoSpace& i, Log& l) : mem(m), io(i), log(l) {
    mem.on_mapping_changed = [this] { flush_tlb(true); };
    mem.on_dma_write = [this](u32 phys, u32 len) { invalidate_code(phys, len); };
    reset();
}

void Cpu::reset() {
    s = CpuState{};
    for (auto& sc : s.seg) {
        sc = SegmentCache{};
        sc.attr = 0x93; // present, writable data, accessed
    }
    s.seg[CS].selector = 0xF000;
    s.seg[CS].base = 0xFFFF0000u;
    s.seg[CS].attr = 0x9B;
    s.eip = 0xFFF0;
    s.gpr[EDX].r32 = model.signature; // family, model, stepping
    s.cr0 = CR0_ET | CR0_CD | CR0_NW;
    s.ldtr.attr = 0x82;
    s.tr.attr = 0x8B;
    s.tr.limit = 0xFFFF;
    s.tr.lim_hi = 0xFFFF;
    s.halted = false;
    blocks_.clear();
    block_invalidated = true; // a reset from inside an instruction ends the running block
    flush_tlb(true);
    update_mode();
}

void Cpu::update_mode() {
    user_tlb_ = s.cpl == 3 ? 1 : 0;
    select_tlb();
    alignment_check_ = (s.cr0 & CR0_AM) && (s.eflags & FLAG_AC) && s.cpl == 3;
}

void Cpu::drop_write_tags() {
    tlbs_.for_each_in_use([](TlbContexts::Context& c) { c.tlb->drop_write_tags(); });
}

void Cpu::renew_all_chain_epochs() {
    tlbs_.for_each_in_use([this](TlbContexts::Context& c) { renew_chain_epochs(c); });
    select_tlb();
}

Block* Cpu::find_block() {
    const SegmentCache& cs = s.seg[CS];
    if (s.eip > cs.lim_hi) fault(kGP, 0);
    u32 lin = cs.base + s.eip;
    u32 phys = code_phys(lin);
    bool c32 = code32();
    if (Block* b = blocks_.lookup(phys, c32)) return b;
    return decode_block(lin, phys);
}

// The chained dispatch stops after a block's last instruction: that one runs alone.
void Cpu::seal(Block& b) { b.insns.back().chained = b.insns.back().handler; }

// Decodes a block starting at linear `lin` (physical `phys`). Blocks end at control transfers,
// instructions that change how later code runs, the page end, or the length cap. An instruction
// that crosses a page boundary runs alone from an uncached block.
Block* Cpu::decode_block(u32 lin, u32 phys) {
    // VMI entry points run natively; blocks stop short of them so every call is seen.
    const bool vmi_page =
        vmi && code32() && protected_mode() && !v86() && vmi->page_has_entries(phys);
    if (vmi_page) {
        if (int call = vmi->entry_at(phys); call >= 0) return vmi_entry_block(phys, unsigned(call));
    }
    auto b = std::make_unique<Block>();
    b->phys = phys;
    b->code32 = code32();
    u8 buf[4096 + 16];
    u32 in_page = 0x1000 - (lin & 0xFFF);
    u32 avail = std::min<u32>(in_page, kMaxBlockInsns * 15);
    mem.read_block(phys, buf, avail);
    const u32 limit = s.seg[CS].lim_hi;
    u32 off = 0;
    u32 eip = s.eip;
    bool cacheable = true;
    while (b->insns.size() < kMaxBlockInsns) {
        DecodedInsn d;
        DecodeStatus st = decode(buf + off, avail - off, b->code32, d);
        if (st == DecodeStatus::NeedMore) {
            if (off + (avail - off) < in_page) break; // more bytes in this page: next block
            if (!b->insns.empty()) break;
            // The instruction crosses into the next page: fetch up to 15 bytes across.
            u32 first = avail - off;
            u32 next_phys = translate(lin + first, Access::Exec, user_tlb_);
            mem.read_block(next_phys, buf + avail, 16);
            st = decode(buf + off, first + 16, b->code32, d);
            cacheable = false;
        }
        if (st == DecodeStatus::TooLong) {
            if (!b->insns.empty()) break;
            fault(kGP, 0);
        }
        if (u64(eip) + d.len - 1 > limit) {
            if (!b->insns.empty()) break;
            fault(kGP, 0);
        }
        if (vmi && d.opcode == 0xE8 && d.opsize == 4 && b->code32) fuse_vmi_call(d, eip + d.len);
        b->insns.push_back(d);
        off += d.len;
        eip += d.len;
        bool string_with_rep = d.rep && ((d.opcode >= 0xA4 && d.opcode <= 0xAF) ||
                                         (d.opcode >= 0x6C && d.opcode <= 0x6F));
        if (st != DecodeStatus::Ok || (d.attrs & kAttrEnd) || string_with_rep || !cacheable) break;
        if (off >= avail) break;
        if (vmi_page && vmi->entry_at(phys + off) >= 0) break;
    }
    b->phys_end = phys + off;
    seal(*b);
    if (!cacheable) {
        b->cached = false;
        scratch_block_ = std::move(b);
        return scratch_block_.get();
    }
    Block* raw = b.get();
    if (blocks_.insert(std::move(b))) drop_write_tags();
    return raw;
}

namespace {
// The pseudo-instruction of a VMI entry block: its length is 0, so a fault inside the call is
// reported at the entry, and the call itself moves EIP (to the return address, or wherever IRET
// and SYSEXIT go).
void vmi_call(Cpu& c, const DecodedInsn& d) { c.vmi->execute(c, d.imm); }
} // namespace

// A direct call whose target is a VMI entry (checked here, at decode time, and again when it
// runs, since the mapping may change) becomes one pseudo-instruction: the caller's block runs the
// call without dispatching to the entry block and back. d.disp = the entry's physical address,
// d.imm2 = the call.
void Cpu::fuse_vmi_call(DecodedInsn& d, u32 next_eip) {
    if (!protected_mode() || v86()) return;
    const u32 lin = s.seg[CS].base + next_eip + d.imm;
    const u32 cr2 = s.cr2;
    u32 phys;
    try {
        phys = translate(lin, Access::Exec, user_tlb_);
    } catch (const GuestFault&) {
        s.cr2 = cr2; // not mapped now: an ordinary call
        return;
    }
    const int call = vmi->entry_at(phys);
    if (call < 0) return;
    const VmiFastPath::CallKind& kind = vmi->calls[call];
    d.handler = kind.handler;
    d.chained = kind.chained;
    d.disp = phys;
    d.imm2 = u16(call);
    if (kind.continuation != VmiFastPath::Continuation::EndBlock) d.attrs &= ~kAttrEnd;
}

bool Cpu::vmi_call_through_entry(const DecodedInsn& d) {
    const u32 ret = s.eip, target = ret + d.imm;
    if (target > s.seg[CS].lim_hi) fault(kGP, 0);
    push<4>(ret);
    // From here on the CPU is at the entry: a fault is reported there, as the ROM's code would.
    s.eip = target;
    insn_eip = target;
    const u32 phys = code_phys(s.seg[CS].base + target);
    if (phys != d.disp) {
        block_invalidated = true; // an ordinary call after all: leave the block here
        return false;
    }
    vmi->execute(*this, d.imm2);
    // A block that goes on after the call must find EIP where its next instruction is.
    if (s.eip != ret) block_invalidated = true;
    return !block_invalidated;
}

void Cpu::vmi_end_block_unless_code_mapped() {
    // The rest of the block was decoded from running_block_'s page: go on only if the TLB still
    // has that page where it was (a miss ends the block; the fetch then walks).
    const TlbEntry* e = tlb_hit(s.seg[CS].base + s.eip);
    if (running_block_ && (!e || e->phys_page != (running_block_->phys & ~0xFFFu)))
        block_invalidated = true;
}

Block* Cpu::vmi_entry_block(u32 phys, unsigned call) {
    auto b = std::make_unique<Block>();
    b->phys = phys;
    b->phys_end = phys + 1;
    b->code32 = true;
    DecodedInsn d;
    d.handler = vmi_call;
    d.imm = call;
    d.chained = run_chained<vmi_call>;
    d.len = 0;
    d.attrs = kAttrEnd;
    b->insns.push_back(d);
    seal(*b);
    Block* raw = b.get();
    if (blocks_.insert(std::move(b))) drop_write_tags();
    return raw;
}

void Cpu::single_step_trap() {
    s.dr[6] |= 0x4000; // BS
    interrupt(kDB, IntKind::Exception);
}

u64 Cpu::run(u64 budget) {
    const u64 start = s.retired;
    const u64 end = start + budget;
    Block* prev = nullptr; // the block just run, while its successor links can be trusted
    u64 prev_epoch = 0;
    while (s.retired < end) {
        if (s.exit_request) {
            s.exit_request = false;
            break;
        }
        try {
            // An interrupt held off by the one-instruction shadow of STI, MOV SS or POP SS is
            // taken right after that instruction: it then runs alone, not as part of a block.
            bool interrupt_waits = false;
            if (s.intr_line && (s.eflags & FLAG_IF) && interrupts &&
                interrupts->interrupt_pending()) {
                if (s.eip != s.inhibit_irq_eip) {
                    prev = nullptr;
                    service_interrupts();
                } else {
                    interrupt_waits = true;
                }
            }
            s.inhibit_irq_eip = 0xFFFFFFFF;
            if (s.halted) break;
            insn_eip = s.eip; // a fetch or decode fault belongs to this instruction
            Block* b = nullptr;
            if (prev && prev_epoch == chain_epoch_ && s.eip <= s.seg[CS].lim_hi) {
                b = prev->successor(s.eip, s.seg[CS].base, chain_epoch_);
                if (b && b->code32 != code32()) b = nullptr;
            }
            if (!b) {
                if (chain_epoch_ != prev_epoch) prev = nullptr;
                blocks_.collect_garbage();
                b = find_block();
                if (prev && b->cached) prev->remember(s.eip, s.seg[CS].base, chain_epoch_, b);
            }
            block_invalidated = false;
            if ((s.eflags & FLAG_TF) || interrupt_waits) {
                prev = nullptr;
                const bool single_step = s.eflags & FLAG_TF;
                const DecodedInsn& d = b->insns.front();
                s.eip += d.len;
                d.handler(*this, d);
                ++s.retired;
                bool shadowed = s.inhibit_irq_eip == s.eip;
                if (single_step && !shadowed &&
                    !(d.opcode == 0xCC || d.opcode == 0xCD || d.opcode == 0xCE)) {
                    insn_eip = s.eip;
                    single_step_trap();
                }
                continue;
            }
            // Retired instructions are counted once per block; a fault mid-block counts the
            // instructions before it (see the catch below).
            running_block_ = b;
            running_block_eip_ = s.eip;
            const DecodedInsn& first = b->insns.front();
            chain_stop = &b->insns.back(); // moved up if an instruction invalidates the block
            insn_eip = s.eip;
            s.eip += first.len;
            first.chained(*this, first);
            const u64 ran = u64(chain_stop - &first) + 1;
            s.retired += ran;
            if (profile) profile->add(s.seg[CS].base + running_block_eip_, ran);
            running_block_ = nullptr;
            prev = b->cached && !block_invalidated ? b : nullptr;
            prev_epoch = chain_epoch_;
        } catch (const GuestFault& f) {
            if (running_block_) {
                // Count the instructions of the block that completed before the fault.
                u32 eip = running_block_eip_;
                for (const DecodedInsn& d : running_block_->insns) {
                    if (eip == insn_eip) break;
                    eip += d.len;
                    ++s.retired;
                }
                running_block_ = nullptr;
            }
            prev = nullptr;
            s.eip = insn_eip;
            s.halted = false;
            // Delivering an exception takes time like an instruction does: a guest stuck in a
            // fault loop still uses up its budget.
            ++s.retired;
            deliver_fault(f);
        }
    }
    return s.retired - start;
}

void Cpu::step() {
    try {
        insn_eip = s.eip;
        Block* b = find_block();
        const DecodedInsn& d = b->insns.front();
        s.eip += d.len;
        d.handler(*this, d);
        ++s.retired;
    } catch (const GuestFault& f) {
        s.eip = insn_eip;
        deliver_fault(f);
    }
    blocks_.collect_garbage();
}

void Cpu::service_interrupts() {
    s.halted = false;
    u8 vector = interrupts->acknowledge_interrupt();
    insn_eip = s.eip;
    interrupt(vector, IntKind::External);
}

void Cpu::deliver_fault(const GuestFault& f) {
    if (log.verbose) {
        std::string bytes;
        for (u32 i = 0; i < 8; ++i) {
            try {
                bytes += fmt::format(" {:02x}", read_sys(s.seg[CS].base + s.eip + i, 1));
            } catch (const GuestFault&) {
                bytes += " ??";
            }
        }
        log.info("exception {} error {:#x} at {:04x}:{:08x} cr2 {:08x} code{}", f.vector, f.error,
                 s.seg[CS].selector, s.eip, s.cr2, bytes);
    }
    deliver_nested(f, 0);
}

// Faults while delivering a fault: two contributory faults, or a page fault followed by a page
// fault or a contributory fault, make a double fault; a fault while delivering #DF shuts down.
void Cpu::deliver_nested(const GuestFault& f, int depth) {
    if (depth > 3) {
        shutdown();
        return;
    }
    try {
        interrupt(f.vector, IntKind::Exception, f.has_error, f.error);
    } catch (const GuestFault& g) {
        s.eip = insn_eip;
        if (f.vector == kDF) {
            shutdown();
            return;
        }
        bool df = (contributory(f.vector) && contributory(g.vector)) ||
                  (f.vector == kPF && (g.vector == kPF || contributory(g.vector)));
        if (df)
            deliver_nested(GuestFault{kDF, true, 0}, depth + 1);
        else
            deliver_nested(g, depth + 1);
    }
}

void Cpu::shutdown() {
    log.warn_once("triple-fault", "triple fault at {:04x}:{:08x}: CPU reset", s.seg[CS].selector,
                  s.eip);
    if (on_triple_fault)
        on_triple_fault();
    else
        s.halted = true;
}

} // namespace vmi86
