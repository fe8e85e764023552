// The sequence generator. A sequence is a list of groups; a group is an instruction under test
// preceded by the MOVs that set up its addresses and counts (jumps skip whole groups, so set-up
// and use are never separated). Flag effects follow the Intel SDM Vol. 2 instruction pages:
// `effect(defines, undefs)` after each instruction, and an instruction that reads a flag is only
// generated while that flag is defined.
#include "gen.h"
#include "cpu/state.h"
#include "diff_case.h"
#include <algorithm>

namespace vmi86::difftest {

u64 Rng::next() { return diffwire::splitmix64(s_); }

namespace {

using diffwire::kDataAddr;
using diffwire::kDataSize;
using diffwire::kEdgeValues;
using diffwire::kNumEdgeValues;

constexpr u32 CF = FLAG_CF, PF = FLAG_PF, AF = FLAG_AF, ZF = FLAG_ZF, SF = FLAG_SF, OF = FLAG_OF;
constexpr u32 SZP = SF | ZF | PF;
constexpr u32 ALL6 = FLAGS_ARITH;
constexpr unsigned kNone = 0xFF;

// The flags a condition code reads (SDM Vol. 1, Table B-1).
constexpr u32 cc_reads(unsigned cc) {
    switch (cc >> 1) {
    case 0: return OF;
    case 1: return CF;
    case 2: return ZF;
    case 3: return CF | ZF;
    case 4: return SF;
    case 5: return PF;
    case 6: return SF | OF;
    default: return ZF | SF | OF;
    }
}

constexpr u32 mask_of(unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

// A ModRM memory operand, re-encodable with any reg field.
struct MemOp {
    u8 mod = 0, rm = 0, sib = 0;
    bool has_sib = false;
    u32 disp = 0;
    unsigned disp_size = 0;
};

struct Join {
    unsigned target; // group index the jump lands on
    u32 undef;
    bool esp_known;
    u32 esp;
};

struct Fixup {
    size_t rel_pos; // where the displacement goes
    unsigned rel_size;
    size_t next_pos; // the displacement is relative to this
    unsigned target;
    bool absolute = false; // the target's linear address instead of a displacement
};

// Each random draw is sequenced (its own statement, or an operand of a sequenced operator): C++
// leaves the order of function arguments and of the operands of + or | unspecified, and GCC takes
// arguments in different orders on x86-64 and AArch64. The order kept is x86-64 GCC's, so the
// cases are the ones diff_test has always run there.
class Gen {
public:
    explicit Gen(u64 seed) : r(seed) {}
    bool run(TestCase& tc);

private:
    struct Snapshot {
        size_t code, fixups, joins;
        u32 undef, protect;
        bool esp_known;
        u32 esp;
        int budget;
    };
    Snapshot snap() const {
        return {code.size(), fixups.size(), joins.size(), undef, protect, esp_known, esp, budget};
    }
    void restore(const Snapshot& s) {
        code.resize(s.code);
        fixups.resize(s.fixups);
        joins.resize(s.joins);
        undef = s.undef;
        protect = s.protect;
        esp_known = s.esp_known;
        esp = s.esp;
        budget = s.budget;
    }

    // ---- bytes
    void b(u8 x) { code.push_back(x); }
    void imm(u32 v, unsigned n) {
        for (unsigned i = 0; i < n; ++i) b(u8(v >> (8 * i)));
    }
    void opsize(unsigned size) {
        if (size == 2) b(0x66);
    }
    static u8 w(u8 op, unsigned size) { return size == 1 ? op : u8(op | 1); }
    void modrm_reg(unsigned reg, unsigned rm) { b(u8(0xC0 | (reg << 3) | rm)); }
    // Both registers at random: rm drawn first, the order x86-64 GCC took them in as arguments.
    void modrm_reg_random() {
        const unsigned rm = r.below(8);
        modrm_reg(r.below(8), rm);
    }
    void modrm_mem(unsigned reg, const MemOp& m) {
        b(u8((m.mod << 6) | (reg << 3) | m.rm));
        if (m.has_sib) b(m.sib);
        imm(m.disp, m.disp_size);
    }

    // ---- flags
    bool readable(u32 flags) const { return !(undef & flags); }
    void effect(u32 defines, u32 undefs) { undef = (undef & ~defines) | undefs; }
    int pick_cc(u32 extra_reads = 0) {
        for (int i = 0; i < 8; ++i) {
            unsigned cc = r.below(16);
            if (readable(cc_reads(cc) | extra_reads)) return int(cc);
        }
        return -1;
    }

    // ---- values
    u32 value() {
        switch (r.below(10)) {
        case 0:
        case 1:
        case 2: return kEdgeValues[r.below(kNumEdgeValues)];
        case 3: {
            const u32 edge = kEdgeValues[r.below(kNumEdgeValues)];
            return edge + r.below(3) - 1;
        }
        case 4: return r.below(256);
        case 5: return u32(-s32(r.below(256)));
        case 6: return u32(r.next()) >> r.below(32);
        default: return u32(r.next());
        }
    }
    u32 value(unsigned size) { return value() & mask_of(size); }
    unsigned pick_size() {
        unsigned x = r.below(10);
        return x < 3 ? 1 : x < 5 ? 2 : 4;
    }
    unsigned pick_size_wd() { return r.chance(35) ? 2 : 4; }
    u32 count_value() {
        static constexpr u8 counts[] = {0, 1, 1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63};
        return r.chance(70) ? counts[r.below(sizeof counts)] : r.below(256);
    }

    // ---- registers. Writes never go to ESP (it stays in the data page) or to a busy register
    // (a loop counter); protected registers hold set-up values for the current instruction.
    bool writable(unsigned reg, unsigned size) const {
        unsigned full = size == 1 ? (reg & 3) : reg;
        if (size != 1 && reg == ESP) return false;
        return !(busy & (1u << full));
    }
    unsigned dest_reg(unsigned size) {
        for (int i = 0; i < 16; ++i) {
            unsigned x = r.below(8);
            if (writable(x, size)) return x;
        }
        return kNone;
    }
    unsigned free_reg() {
        for (int i = 0; i < 16; ++i) {
            unsigned x = r.below(8);
            if (x != ESP && !((busy | protect) & (1u << x))) return x;
        }
        return kNone;
    }
    bool settable(unsigned reg) const { return !((busy | protect) & (1u << reg)); }
    void set_reg(unsigned reg, u32 v) {
        b(u8(0xB8 + reg));
        imm(v, 4);
        protect |= 1u << reg;
    }
    void set_reg8(unsigned reg8, u8 v) {
        b(u8(0xB0 + reg8));
        b(v);
        protect |= 1u << (reg8 & 3);
    }

    // ---- memory operands
    u32 pick_target(u32 span, bool may_fault = true) {
        u32 room = kDataSize - span;
        if (may_fault && r.chance(2)) { // across or beyond a page end: #PF on both sides
            return r.chance(50) ? kDataAddr - 1 - r.below(span + 4)
                                : kDataAddr + room + 1 + r.below(span + 4);
        }
        switch (r.below(6)) {
        case 0: return kDataAddr + r.below(std::min<u32>(16, room + 1));
        case 1: return kDataAddr + room - r.below(std::min<u32>(16, room + 1));
        default: return kDataAddr + r.below(room + 1);
        }
    }
    void disp_for(MemOp& m, u32 disp, bool allow_none) {
        m.disp = disp;
        if (disp == 0 && allow_none) {
            m.mod = 0;
            m.disp_size = 0;
        } else if (s32(disp) >= -128 && s32(disp) <= 127) {
            m.mod = 1;
            m.disp_size = 1;
        } else {
            m.mod = 2;
            m.disp_size = 4;
        }
    }
    u32 random_disp() {
        switch (r.below(4)) {
        case 0: return 0;
        case 1: return u32(s32(s8(r.below(256))));
        case 2: return u32(r.next());
        default: return r.below(0x2000) - 0x1000;
        }
    }
    // Sets up registers so that the operand addresses `target` (emitting MOVs) and returns it.
    // esp_adjust: ESP as seen by the address computation minus ESP before the instruction.
    MemOp mem_at(u32 target, u32 esp_adjust = 0) {
        MemOp m;
        unsigned form = r.below(20);
        if (form < 3 && esp_known) { // [esp + disp]
            m.rm = 4;
            m.has_sib = true;
            m.sib = u8((r.below(4) << 6) | (4 << 3) | 4); // index none: the scale is ignored
            disp_for(m, target - (esp + esp_adjust), true);
            return m;
        }
        if (form < 6) { // absolute disp32
            m.mod = 0;
            m.rm = 5;
            m.disp = target;
            m.disp_size = 4;
            if (r.chance(30)) { // the same through SIB with neither base nor index
                m.rm = 4;
                m.has_sib = true;
                m.sib = u8((r.below(4) << 6) | (4 << 3) | 5);
            }
            return m;
        }
        unsigned base = free_reg();
        if (base == kNone) return mem_at_abs(target);
        if (form < 12) { // [base + disp]
            u32 disp = random_disp();
            disp_for(m, disp, base != EBP);
            if (base == EBP && m.mod == 0) disp_for(m, disp, false);
            m.rm = u8(base);
            if (r.chance(25)) { // the same through SIB with no index
                m.rm = 4;
                m.has_sib = true;
                m.sib = u8((r.below(4) << 6) | (4 << 3) | base);
            }
            set_reg(base, target - disp);
            return m;
        }
        protect |= 1u << base;
        unsigned index = free_reg();
        if (r.chance(15) || index == kNone) index = base;
        unsigned scale = r.below(4);
        u32 iv = r.chance(50) ? r.below(64) - 32 : value();
        m.rm = 4;
        m.has_sib = true;
        if (form < 14) { // [index*scale + disp32]
            m.mod = 0;
            m.sib = u8((scale << 6) | (index << 3) | 5);
            m.disp = target - (iv << scale);
            m.disp_size = 4;
            protect &= ~(1u << base);
            set_reg(index, iv);
            return m;
        }
        m.sib = u8((scale << 6) | (index << 3) | base);
        if (index == base) {
            u32 disp = target - iv * (1 + (1u << scale));
            disp_for(m, disp, base != EBP);
            if (base == EBP && m.mod == 0) disp_for(m, disp, false);
            set_reg(base, iv);
            return m;
        }
        u32 disp = random_disp();
        disp_for(m, disp, base != EBP);
        if (base == EBP && m.mod == 0) disp_for(m, disp, false);
        set_reg(index, iv);
        set_reg(base, target - disp - (iv << scale));
        return m;
    }
    MemOp mem_at_abs(u32 target) {
        MemOp m;
        m.rm = 5;
        m.disp = target;
        m.disp_size = 4;
        return m;
    }
    MemOp mem(u32 span, u32 esp_adjust = 0) { return mem_at(pick_target(span), esp_adjust); }

    // A segment override that the flat segments make harmless (CS only for reads: writing
    // through CS is a #GP on both sides, which is compared too, but rarely wanted).
    void seg_prefix(bool write) {
        unsigned x = r.below(20);
        if (x == 0) b(0x26);
        if (x == 1) b(0x36);
        if (x == 2) b(0x3E);
        if (x == 3 && (!write || r.chance(5))) b(0x2E); // writing through CS: #GP
    }
    void lock_prefix(bool mem_dest) {
        if (mem_dest && r.chance(15)) b(0xF0);
    }

    // Stack movement: the budget bounds how far ESP can drift on any path.
    bool stack_room(u32 bytes) {
        if (in_loop || budget < int(bytes)) return false;
        budget -= int(bytes);
        return true;
    }
    void esp_moved(s32 delta) { esp += u32(delta); }

    // ---- instruction generators (each returns false when it cannot apply here)
    bool gen_alu();
    bool gen_test();
    bool gen_incdec();
    bool gen_negnot();
    bool gen_shift();
    bool gen_shxd();
    bool gen_mul();
    bool gen_imul();
    bool gen_div();
    bool gen_bcd();
    bool gen_bt();
    bool gen_bsf();
    bool gen_bswap();
    bool gen_xadd_cmpxchg();
    bool gen_cmpxchg8b();
    bool gen_xchg();
    bool gen_cmov_setcc();
    bool gen_mov();
    bool gen_movx();
    bool gen_cbw();
    bool gen_lea();
    bool gen_flagops();
    bool gen_push_pop();
    bool gen_pushf_popf();
    bool gen_pusha_popa();
    bool gen_string();
    bool gen_misc();
    bool gen_enter_leave();
    bool gen_fault();
    bool gen_jump();
    bool gen_indirect();
    bool gen_arpl();
    bool gen_loop();
    bool gen_one();

    void start_group(unsigned i) {
        group_start.push_back(code.size());
        protect = 0;
        for (const Join& j : joins) {
            if (j.target != i) continue;
            undef |= j.undef;
            if (!j.esp_known || !esp_known || j.esp != esp) esp_known = false;
        }
    }

    Rng r;
    std::vector<u8> code;
    u32 undef = 0;
    u32 protect = 0;
    u32 busy = 0;
    bool in_loop = false;
    bool esp_at_edge = false; // sticky: ESP was put near a page end
    bool esp_known = true;
    u32 esp = kDataAddr + 0x800;
    int budget = 0x500;
    unsigned group = 0, ngroups = 0;
    std::vector<size_t> group_start;
    std::vector<Join> joins;
    std::vector<Fixup> fixups;
};

// E operand: a register (returned in rm, kNone for memory) or memory (m).
struct EOperand {
    bool is_mem;
    unsigned rm;
    MemOp m;
};

bool Gen::gen_alu() {
    unsigned op = r.below(8); // add or adc sbb and sub xor cmp
    if ((op == 2 || op == 3) && !readable(CF)) return false;
    const unsigned size = pick_size();
    const bool writes = op != 7;
    const bool logic = op == 1 || op == 4 || op == 6;
    const unsigned form = r.below(4);
    if (form == 2) { // AL/eAX, imm
        if (writes && !writable(EAX, size)) return false;
        opsize(size);
        b(u8(w(u8(op * 8 + 4), size)));
        imm(value(size), size == 4 ? 4 : size);
    } else if (form == 3) { // group 1: 80 / 81 / 83 (and the 82 alias of 80)
        bool memd = r.chance(40);
        unsigned rm = memd ? kNone : (writes ? dest_reg(size) : r.below(8));
        if (rm == kNone && !memd) return false;
        MemOp m;
        if (memd) m = mem(size);
        if (memd && writes) lock_prefix(true);
        if (memd) seg_prefix(writes);
        opsize(size);
        bool ib = size != 1 && r.chance(40);
        b(size == 1 ? (r.chance(10) ? 0x82 : 0x80) : ib ? 0x83 : 0x81);
        if (memd)
            modrm_mem(op, m);
        else
            modrm_reg(op, rm);
        if (size == 1 || ib)
            b(u8(value()));
        else
            imm(value(size), size);
    } else { // E,G or G,E
        bool to_e = form == 0;
        bool memd = r.chance(45);
        unsigned g = (!to_e && writes) ? dest_reg(size) : r.below(8);
        if (g == kNone) return false;
        unsigned rm = 0;
        if (!memd) {
            rm = (to_e && writes) ? dest_reg(size) : r.below(8);
            if (rm == kNone) return false;
        }
        MemOp m;
        if (memd) m = mem(size);
        if (memd && to_e && writes) lock_prefix(true);
        if (memd) seg_prefix(to_e && writes);
        opsize(size);
        b(w(u8(op * 8 + (to_e ? 0 : 2)), size));
        if (memd)
            modrm_mem(g, m);
        else
            modrm_reg(g, rm);
    }
    // AND/OR/XOR: AF undefined; the rest define all six.
    effect(logic ? ALL6 & ~AF : ALL6, logic ? AF : 0);
    return true;
}

bool Gen::gen_test() {
    const unsigned size = pick_size();
    unsigned form = r.below(3);
    if (form == 0) {
        opsize(size);
        b(w(0xA8, size));
        imm(value(size), size);
    } else {
        bool memd = r.chance(40);
        MemOp m;
        if (memd) m = mem(size);
        if (memd) seg_prefix(false);
        opsize(size);
        unsigned rm = r.below(8);
        b(w(form == 1 ? 0x84 : 0xF6, size));
        unsigned reg = form == 1 ? r.below(8) : 0;
        if (memd)
            modrm_mem(reg, m);
        else
            modrm_reg(reg, rm);
        if (form == 2) imm(value(size), size);
    }
    effect(ALL6 & ~AF, AF); // AF undefined (SDM: TEST)
    return true;
}

bool Gen::gen_incdec() {
    const unsigned size = pick_size();
    const bool dec = r.chance(50);
    if (size != 1 && r.chance(40)) { // 40+r / 48+r
        unsigned reg = dest_reg(size);
        if (reg == kNone) return false;
        opsize(size);
        b(u8((dec ? 0x48 : 0x40) + reg));
    } else {
        bool memd = r.chance(40);
        unsigned rm = memd ? 0 : dest_reg(size);
        if (rm == kNone) return false;
        MemOp m;
        if (memd) m = mem(size);
        lock_prefix(memd);
        if (memd) seg_prefix(true);
        opsize(size);
        b(size == 1 ? 0xFE : 0xFF);
        if (memd)
            modrm_mem(dec, m);
        else
            modrm_reg(dec, rm);
    }
    effect(ALL6 & ~CF, 0); // CF unaffected
    return true;
}

bool Gen::gen_negnot() {
    const unsigned size = pick_size();
    const bool neg = r.chance(60);
    bool memd = r.chance(40);
    unsigned rm = memd ? 0 : dest_reg(size);
    if (rm == kNone) return false;
    MemOp m;
    if (memd) m = mem(size);
    lock_prefix(memd);
    if (memd) seg_prefix(true);
    opsize(size);
    b(w(0xF6, size));
    if (memd)
        modrm_mem(neg ? 3 : 2, m);
    else
        modrm_reg(neg ? 3 : 2, rm);
    if (neg) effect(ALL6, 0);
    return true;
}

bool Gen::gen_shift() {
    static constexpr unsigned ops[] = {0, 1, 2, 3, 4, 5, 7}; // rol ror rcl rcr shl shr sar
    const unsigned op = ops[r.below(7)];
    if ((op == 2 || op == 3) && !readable(CF)) return false;
    const unsigned size = pick_size();
    const unsigned bits = 8 * size;
    unsigned kind = r.below(3); // imm8, 1, CL
    u32 count = kind == 1 ? 1 : count_value();
    if (kind == 2) {
        if (!settable(ECX)) return false;
        set_reg8(1, u8(count)); // mov cl, count
    }
    bool memd = r.chance(35);
    unsigned rm = memd ? 0 : dest_reg(size);
    if (rm == kNone) return false;
    MemOp m;
    if (memd) m = mem(size);
    if (memd) seg_prefix(true);
    opsize(size);
    b(w(kind == 0 ? 0xC0 : kind == 1 ? 0xD0 : 0xD2, size));
    if (memd)
        modrm_mem(op, m);
    else
        modrm_reg(op, rm);
    if (kind == 0) b(u8(count));
    const unsigned c = count & 31;
    if (c == 0) return true; // no flags affected
    const u32 of = c == 1 ? OF : 0, of_undef = c == 1 ? 0 : OF;
    if (op <= 3) {
        effect(CF | of, of_undef); // rotates: OF defined for 1-bit rotates only
    } else if (op == 7) {
        effect(SZP | CF | of, AF | of_undef);
    } else {
        // SHL/SHR: CF undefined when the count is at least the operand size.
        u32 cf = c < bits ? CF : 0;
        effect(SZP | cf | of, AF | of_undef | (CF & ~cf));
    }
    return true;
}

bool Gen::gen_shxd() {
    const unsigned size = pick_size_wd();
    const bool right = r.chance(50);
    const bool cl = r.chance(50);
    u32 count = count_value();
    // Counts above the operand size leave the result undefined (SDM: SHLD/SHRD).
    if (size == 2 && (count & 31) > 16) count = r.below(17);
    if (cl) {
        if (!settable(ECX)) return false;
        set_reg8(1, u8(count));
    }
    bool memd = r.chance(35);
    unsigned rm = memd ? 0 : dest_reg(size);
    if (rm == kNone) return false;
    unsigned reg = r.below(8);
    MemOp m;
    if (memd) m = mem(size);
    if (memd) seg_prefix(true);
    opsize(size);
    b(0x0F);
    b(u8((right ? 0xAC : 0xA4) + (cl ? 1 : 0)));
    if (memd)
        modrm_mem(reg, m);
    else
        modrm_reg(reg, rm);
    if (!cl) b(u8(count));
    const unsigned c = count & 31;
    if (c == 0) return true;
    effect(SZP | CF | (c == 1 ? OF : 0), AF | (c == 1 ? 0 : OF));
    return true;
}

bool Gen::gen_mul() {
    const unsigned size = pick_size();
    const bool signed_ = r.chance(50);
    if (!writable(EAX, 4) || !writable(EDX, 4)) return false;
    bool memd = r.chance(40);
    MemOp m;
    if (memd) m = mem(size);
    if (memd) seg_prefix(false);
    opsize(size);
    b(w(0xF6, size));
    if (memd)
        modrm_mem(signed_ ? 5 : 4, m);
    else
        modrm_reg(signed_ ? 5 : 4, r.below(8));
    effect(CF | OF, SZP | AF); // SF ZF AF PF undefined (SDM: MUL, IMUL)
    return true;
}

bool Gen::gen_imul() {
    const unsigned size = pick_size_wd();
    unsigned reg = dest_reg(size);
    if (reg == kNone) return false;
    unsigned form = r.below(3); // 0F AF, 69, 6B
    bool memd = r.chance(40);
    MemOp m;
    if (memd) m = mem(size);
    if (memd) seg_prefix(false);
    opsize(size);
    if (form == 0) {
        b(0x0F);
        b(0xAF);
    } else {
        b(form == 1 ? 0x69 : 0x6B);
    }
    if (memd)
        modrm_mem(reg, m);
    else
        modrm_reg(reg, r.below(8));
    if (form == 1) imm(value(size), size);
    if (form == 2) b(u8(value()));
    effect(CF | OF, SZP | AF);
    return true;
}

bool Gen::gen_div() {
    const unsigned size = pick_size();
    const bool signed_ = r.chance(50);
    if (!settable(EAX) || !settable(EDX)) return false;
    // Usually prepare the high half so the quotient fits; otherwise #DE is compared.
    if (r.chance(85)) {
        if (signed_) {
            if (size == 1) {
                b(0x66);
                b(0x98); // cbw
            } else {
                opsize(size);
                b(0x99); // cwd / cdq
            }
        } else if (size == 1) {
            b(0xB4); // mov ah, small
            b(u8(r.below(4)));
        } else {
            set_reg(EDX, r.chance(70) ? 0 : r.below(16));
        }
    }
    protect |= (1u << EAX) | (1u << EDX);
    bool memd = r.chance(40);
    MemOp m;
    if (memd) m = mem(size);
    if (memd) seg_prefix(false);
    opsize(size);
    b(w(0xF6, size));
    unsigned rm = r.below(8);
    if (memd)
        modrm_mem(signed_ ? 7 : 6, m);
    else
        modrm_reg(signed_ ? 7 : 6, rm);
    effect(0, ALL6); // all six undefined (SDM: DIV, IDIV)
    return true;
}

bool Gen::gen_bcd() {
    if (!writable(EAX, 4)) return false;
    unsigned op = r.below(6); // daa das aaa aas aam aad
    if (op <= 1 && !readable(AF | CF)) return false;
    if ((op == 2 || op == 3) && !readable(AF)) return false;
    if (op <= 3 && r.chance(50)) {
        // A BCD-like AL after an ADD or SUB, as real BCD code does.
        static constexpr u8 bcd[] = {0x00, 0x09, 0x19, 0x45, 0x50, 0x99, 0x0F, 0x9A, 0xF9, 0xFF};
        set_reg8(0, bcd[r.below(sizeof bcd)]);
        b((op == 1 || op == 3) ? 0x2C : 0x04); // sub/add al, imm8
        b(bcd[r.below(sizeof bcd)]);
        effect(ALL6, 0);
    }
    switch (op) {
    case 0:
    case 1:
        b(op == 0 ? 0x27 : 0x2F);
        effect(CF | AF | SZP, OF); // OF undefined
        break;
    case 2:
    case 3:
        b(op == 2 ? 0x37 : 0x3F);
        effect(AF | CF, OF | SZP); // OF SF ZF PF undefined
        break;
    default: {
        b(op == 4 ? 0xD4 : 0xD5);
        u8 base = r.chance(70) ? 10 : u8(r.below(256));
        if (op == 4 && base == 0 && r.chance(80)) base = 7; // AAM 0 is #DE: keep it rare
        b(base);
        effect(SZP, OF | AF | CF); // OF AF CF undefined (SDM: AAM, AAD)
        break;
    }
    }
    return true;
}

bool Gen::gen_bt() {
    const unsigned size = pick_size_wd();
    const unsigned op = r.below(4); // bt bts btr btc
    const bool imm_form = r.chance(40);
    const bool memd = r.chance(50);
    unsigned rm = 0;
    if (!memd) {
        rm = op == 0 ? r.below(8) : dest_reg(size);
        if (rm == kNone) return false;
    }
    MemOp m;
    unsigned reg = r.below(8);
    if (!imm_form && memd) {
        // A register bit offset reaches outside the operand: keep the access in the page.
        reg = free_reg();
        if (reg == kNone) return false;
        u32 access = pick_target(size);
        s32 delta = s32(r.below(129)) - 64; // in operand units
        if (size == 2 && r.chance(50)) delta = s32(r.below(9)) - 4;
        u32 offset = u32(delta) * (8 * size) + r.below(8 * size);
        if (size == 2 && (s32(offset) > 32767 || s32(offset) < -32768)) return false;
        set_reg(reg, size == 2 ? (value() & 0xFFFF0000u) | (offset & 0xFFFF) : offset);
        m = mem_at(access - u32(delta) * size);
    } else if (memd) {
        m = mem(size);
    }
    if (memd && op != 0) lock_prefix(true);
    if (memd) seg_prefix(op != 0);
    opsize(size);
    b(0x0F);
    if (imm_form) {
        b(0xBA);
        if (memd)
            modrm_mem(4 + op, m);
        else
            modrm_reg(4 + op, rm);
        b(u8(r.chance(70) ? r.below(8 * size) : r.below(256)));
    } else {
        static constexpr u8 opc[] = {0xA3, 0xAB, 0xB3, 0xBB};
        b(opc[op]);
        if (memd)
            modrm_mem(reg, m);
        else
            modrm_reg(reg, rm);
    }
    effect(CF, OF | SF | AF | PF); // ZF unaffected (SDM: BT)
    return true;
}

bool Gen::gen_bsf() {
    const unsigned size = pick_size_wd();
    const bool rev = r.chance(50);
    unsigned reg = dest_reg(size);
    if (reg == kNone) return false;
    // A zero source leaves the destination undefined: OR in a bit first.
    u32 bit = 1u << r.below(8 * size);
    if (r.chance(50)) bit |= value(size);
    bool memd = r.chance(40);
    unsigned src = 0;
    MemOp m;
    if (memd) {
        m = mem(size);
        opsize(size);
        b(0x81); // or [m], bit
        modrm_mem(1, m);
        imm(bit, size);
    } else {
        src = dest_reg(size);
        if (src == kNone) return false;
        opsize(size);
        b(0x81);
        modrm_reg(1, src);
        imm(bit, size);
    }
    effect(ALL6 & ~AF, AF);
    opsize(size);
    b(0x0F);
    b(rev ? 0xBD : 0xBC);
    if (memd)
        modrm_mem(reg, m);
    else
        modrm_reg(reg, src);
    effect(ZF, CF | OF | SF | AF | PF); // (SDM: BSF, BSR)
    return true;
}

bool Gen::gen_bswap() {
    unsigned reg = dest_reg(4); // the 16-bit form is undefined
    if (reg == kNone) return false;
    b(0x0F);
    b(u8(0xC8 + reg));
    return true;
}

bool Gen::gen_xadd_cmpxchg() {
    const unsigned size = pick_size();
    const bool cmpxchg = r.chance(50);
    if (cmpxchg && !writable(EAX, size)) return false;
    unsigned reg = cmpxchg ? r.below(8) : dest_reg(size);
    if (reg == kNone) return false;
    bool memd = r.chance(50);
    unsigned rm = memd ? 0 : dest_reg(size);
    if (rm == kNone) return false;
    if (cmpxchg && !memd && size == 4 && rm != ESP && r.chance(40) && settable(EAX)) {
        b(0x89); // mov eax, rm: the comparison succeeds
        modrm_reg(rm, EAX);
        protect |= 1u << EAX;
    }
    MemOp m;
    if (memd) m = mem(size);
    lock_prefix(memd);
    if (memd) seg_prefix(true);
    opsize(size);
    b(0x0F);
    b(w(cmpxchg ? 0xB0 : 0xC0, size));
    if (memd)
        modrm_mem(reg, m);
    else
        modrm_reg(reg, rm);
    effect(ALL6, 0);
    return true;
}

bool Gen::gen_cmpxchg8b() {
    if (!settable(EAX) || !settable(EDX)) return false;
    u32 target = pick_target(8);
    if (r.chance(50)) { // load EDX:EAX from the operand so the exchange happens
        b(0xA1);
        imm(target, 4);
        b(0x8B);
        b(0x15);
        imm(target + 4, 4);
        protect |= (1u << EAX) | (1u << EDX);
    }
    MemOp m = mem_at(target);
    lock_prefix(true);
    seg_prefix(true);
    b(0x0F);
    b(0xC7);
    modrm_mem(1, m);
    effect(ZF, 0);
    return true;
}

bool Gen::gen_xchg() {
    const unsigned size = pick_size();
    if (size != 1 && r.chance(30)) { // 90+r
        unsigned reg = dest_reg(size);
        if (reg == kNone || !writable(EAX, size)) return false;
        opsize(size);
        b(u8(0x90 + reg));
        return true;
    }
    unsigned reg = dest_reg(size);
    if (reg == kNone) return false;
    bool memd = r.chance(50);
    unsigned rm = memd ? 0 : dest_reg(size);
    if (rm == kNone) return false;
    MemOp m;
    if (memd) m = mem(size);
    lock_prefix(memd);
    if (memd) seg_prefix(true);
    opsize(size);
    b(w(0x86, size));
    if (memd)
        modrm_mem(reg, m);
    else
        modrm_reg(reg, rm);
    return true;
}

bool Gen::gen_cmov_setcc() {
    int cc = pick_cc();
    if (cc < 0) return false;
    bool memd = r.chance(40);
    if (r.chance(50)) { // cmovcc
        const unsigned size = pick_size_wd();
        unsigned reg = dest_reg(size);
        if (reg == kNone) return false;
        MemOp m;
        if (memd) m = mem(size);
        if (memd) seg_prefix(false);
        opsize(size);
        b(0x0F);
        b(u8(0x40 + cc));
        if (memd)
            modrm_mem(reg, m);
        else
            modrm_reg(reg, r.below(8));
    } else { // setcc
        unsigned rm = memd ? 0 : dest_reg(1);
        if (rm == kNone) return false;
        MemOp m;
        if (memd) m = mem(1);
        if (memd) seg_prefix(true);
        b(0x0F);
        b(u8(0x90 + cc));
        if (memd)
            modrm_mem(0, m);
        else
            modrm_reg(0, rm);
    }
    return true;
}

bool Gen::gen_mov() {
    const unsigned size = pick_size();
    switch (r.below(5)) {
    case 0: { // 88-8B
        bool to_e = r.chance(50);
        bool memd = r.chance(60);
        unsigned reg = to_e ? r.below(8) : dest_reg(size);
        unsigned rm = memd ? 0 : (to_e ? dest_reg(size) : r.below(8));
        if (reg == kNone || rm == kNone) return false;
        MemOp m;
        if (memd) m = mem(size);
        if (memd) seg_prefix(to_e);
        opsize(size);
        b(w(to_e ? 0x88 : 0x8A, size));
        if (memd)
            modrm_mem(reg, m);
        else
            modrm_reg(reg, rm);
        return true;
    }
    case 1: { // C6/C7
        bool memd = r.chance(70);
        unsigned rm = memd ? 0 : dest_reg(size);
        if (rm == kNone) return false;
        MemOp m;
        if (memd) m = mem(size);
        if (memd) seg_prefix(true);
        opsize(size);
        b(w(0xC6, size));
        if (memd)
            modrm_mem(0, m);
        else
            modrm_reg(0, rm);
        imm(value(size), size);
        return true;
    }
    case 2: { // B0+r / B8+r
        unsigned reg = dest_reg(size);
        if (reg == kNone) return false;
        opsize(size);
        b(u8((size == 1 ? 0xB0 : 0xB8) + reg));
        imm(value(size), size);
        return true;
    }
    case 3: { // A0-A3 moffs
        bool store = r.chance(50);
        if (!store && !writable(EAX, size)) return false;
        seg_prefix(store);
        opsize(size);
        b(w(store ? 0xA2 : 0xA0, size));
        imm(pick_target(size), 4);
        return true;
    }
    default: { // 8C: mov r/m, Sreg (ES CS SS DS; FS and GS differ between the two sides)
        unsigned sreg = r.below(4);
        bool memd = r.chance(40);
        unsigned sz = memd ? 2 : pick_size_wd();
        unsigned rm = memd ? 0 : dest_reg(sz);
        if (rm == kNone) return false;
        MemOp m;
        if (memd) m = mem(2);
        if (memd) seg_prefix(true);
        if (sz == 2 && (!memd || r.chance(50))) b(0x66);
        b(0x8C);
        if (memd)
            modrm_mem(sreg, m);
        else
            modrm_reg(sreg, rm);
        return true;
    }
    }
}

bool Gen::gen_movx() {
    const unsigned size = pick_size_wd();
    const unsigned src = r.chance(50) ? 1 : 2;
    const bool sx = r.chance(50);
    unsigned reg = dest_reg(size);
    if (reg == kNone) return false;
    bool memd = r.chance(40);
    MemOp m;
    if (memd) m = mem(src);
    if (memd) seg_prefix(false);
    opsize(size);
    b(0x0F);
    b(u8((sx ? 0xBE : 0xB6) + (src == 2 ? 1 : 0)));
    if (memd)
        modrm_mem(reg, m);
    else
        modrm_reg(reg, r.below(8));
    return true;
}

bool Gen::gen_cbw() {
    const unsigned size = pick_size_wd();
    const bool cwd = r.chance(50);
    if (!writable(EAX, 4) || (cwd && !writable(EDX, 4))) return false;
    opsize(size);
    b(cwd ? 0x99 : 0x98);
    return true;
}

bool Gen::gen_lea() {
    const unsigned size = pick_size_wd();
    unsigned reg = dest_reg(size);
    if (reg == kNone) return false;
    const bool a16 = r.chance(25);
    opsize(size);
    if (a16) b(0x67);
    b(0x8D);
    unsigned mod = r.below(3), rm = r.below(8);
    b(u8((mod << 6) | (reg << 3) | rm));
    if (a16) {
        if (mod == 1) b(u8(r.next()));
        if (mod == 2 || (mod == 0 && rm == 6)) imm(u32(r.next()), 2);
        return true;
    }
    unsigned base = rm;
    if (rm == 4) {
        u8 sib = u8(r.next());
        b(sib);
        base = sib & 7;
    }
    if (mod == 1) b(u8(r.next()));
    if (mod == 2 || (mod == 0 && base == 5)) imm(value(), 4);
    return true;
}

bool Gen::gen_flagops() {
    switch (r.below(8)) {
    case 0:
        b(0xF8);
        effect(CF, 0);
        return true; // clc
    case 1:
        b(0xF9);
        effect(CF, 0);
        return true; // stc
    case 2:
        if (!readable(CF)) return false;
        b(0xF5); // cmc
        effect(CF, 0);
        return true;
    case 3: b(r.chance(50) ? 0xFC : 0xFD); return true; // cld / std
    case 4:
        if (!readable(SZP | AF | CF) || !writable(EAX, 4)) return false;
        b(0x9F); // lahf
        return true;
    case 5:
        if (r.chance(50) && settable(EAX)) set_reg8(4, u8(value())); // mov ah, imm8
        b(0x9E);                                                     // sahf
        effect(SZP | AF | CF, 0);
        return true;
    case 6:
        if (!readable(CF) || !writable(EAX, 4)) return false;
        b(0xD6); // salc: AL = CF ? FF : 00 (undocumented, every P6 and later has it)
        return true;
    default: // xlat: AL = [EBX + AL]
        if (!writable(EAX, 4) || !settable(EBX)) return false;
        set_reg(EBX, kDataAddr + r.below(kDataSize - 256));
        seg_prefix(false);
        b(0xD7);
        return true;
    }
}

bool Gen::gen_push_pop() {
    const unsigned size = pick_size_wd();
    switch (r.below(7)) {
    case 0: { // push r
        if (!stack_room(size)) return false;
        opsize(size);
        b(u8(0x50 + r.below(8)));
        esp_moved(-s32(size));
        return true;
    }
    case 1: { // pop r
        unsigned reg = dest_reg(size);
        if (reg == kNone || !stack_room(size)) return false;
        opsize(size);
        b(u8(0x58 + reg));
        esp_moved(s32(size));
        return true;
    }
    case 2: { // push imm
        if (!stack_room(size)) return false;
        opsize(size);
        if (r.chance(50)) {
            b(0x6A);
            b(u8(value()));
        } else {
            b(0x68);
            imm(value(size), size);
        }
        esp_moved(-s32(size));
        return true;
    }
    case 3: { // push m
        if (!stack_room(size)) return false;
        MemOp m = mem(size);
        seg_prefix(false);
        opsize(size);
        b(0xFF);
        modrm_mem(6, m);
        esp_moved(-s32(size));
        return true;
    }
    case 4: { // pop m: an ESP base is used after the increment
        if (!stack_room(size)) return false;
        MemOp m = mem(size, size);
        seg_prefix(true);
        opsize(size);
        b(0x8F);
        modrm_mem(0, m);
        esp_moved(s32(size));
        return true;
    }
    case 5: { // push sreg (ES CS SS DS)
        if (!stack_room(size)) return false;
        static constexpr u8 op[] = {0x06, 0x0E, 0x16, 0x1E};
        if (size == 4) {
            // A 32-bit push of a selector writes 16 bits on recent Intel CPUs and a zero-extended
            // dword on AMD's (SDM: either): zero the slot first (push 0; lea esp, [esp + 4]).
            for (u8 x : {0x6A, 0x00, 0x8D, 0x64, 0x24, 0x04}) b(x);
        }
        opsize(size);
        b(op[r.below(4)]);
        esp_moved(-s32(size));
        return true;
    }
    default: { // push r / pop r pair through memory
        unsigned reg = dest_reg(size);
        if (reg == kNone || !stack_room(2 * size)) return false;
        opsize(size);
        b(u8(0x50 + r.below(8)));
        opsize(size);
        b(u8(0x58 + reg));
        return true;
    }
    }
}

bool Gen::gen_pushf_popf() {
    const unsigned size = pick_size_wd();
    if (r.chance(40)) { // pushf: stores all flags, so all must be defined
        if (!readable(ALL6) || !stack_room(size)) return false;
        opsize(size);
        b(0x9C);
        esp_moved(-s32(size));
        return true;
    }
    // popf of a known value: arithmetic flags, DF, NT, ID; IF and IOPL are ignored at CPL 3.
    // TF and AC would trap, RF/VM/VIF/VIP are not what POPF sets.
    if (!stack_room(2 * size)) return false;
    u32 v = (value() & (ALL6 | FLAG_DF | FLAG_NT | FLAG_ID | FLAG_IF | FLAG_IOPL)) | 2;
    opsize(size);
    b(0x68);
    imm(v, size);
    opsize(size);
    b(0x9D);
    effect(ALL6, 0);
    return true;
}

bool Gen::gen_pusha_popa() {
    const unsigned size = pick_size_wd();
    const bool popa = r.chance(50);
    if (!stack_room(8 * size)) return false;
    if (popa) {
        // Near a page end the POPA of Intel hosts updates some registers before its #PF.
        if (esp_at_edge) return false;
        for (unsigned reg = 0; reg < 8; ++reg)
            if (reg != ESP && !writable(reg, 4)) return false;
    }
    opsize(size);
    b(popa ? 0x61 : 0x60);
    esp_moved(popa ? s32(8 * size) : -s32(8 * size));
    return true;
}

bool Gen::gen_string() {
    const unsigned size = pick_size();
    const unsigned op = r.below(5); // movs stos lods cmps scas
    static constexpr u8 opc[] = {0xA4, 0xAA, 0xAC, 0xA6, 0xAE};
    const bool uses_si = op == 0 || op == 2 || op == 3;
    const bool uses_di = op != 2;
    const bool rep = settable(ECX) && r.chance(60);
    u32 count = r.below(9);
    if ((uses_si && !settable(ESI)) || (uses_di && !settable(EDI))) return false;
    if (op == 2 && !writable(EAX, size)) return false;
    // At most 8 elements either way (DF) from addresses away from the page ends.
    // Rarely start at a page end, so that the string runs into a page fault part-way.
    auto addr = [&] {
        if (r.chance(3))
            return r.chance(50) ? kDataAddr + r.below(16)
                                : kDataAddr + kDataSize - 16 + r.below(16);
        return kDataAddr + 40 + r.below(kDataSize - 80);
    };
    if (uses_si) set_reg(ESI, addr());
    if (uses_di) set_reg(EDI, addr());
    if (rep) set_reg(ECX, count);
    if (uses_si) seg_prefix(false);
    if (rep) b(op >= 3 ? (r.chance(50) ? 0xF3 : 0xF2) : 0xF3);
    opsize(size);
    b(w(opc[op], size));
    if (op >= 3 && (!rep || count != 0)) effect(ALL6, 0);
    return true;
}

bool Gen::gen_misc() {
    switch (r.below(5)) {
    case 0: b(0x90); return true;
    case 3: { // segment prefixes on a register-only ALU op are ignored
        static constexpr u8 seg[] = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};
        for (unsigned n = 1 + r.below(3); n > 0; --n) b(seg[r.below(6)]);
        unsigned rm = dest_reg(4);
        if (rm == kNone) return false;
        b(u8(0x01 + 8 * r.below(7)));
        modrm_reg(r.below(8), rm);
        effect(ALL6 & ~AF, AF);
        return true;
    }
    case 4: { // up to 15 bytes is an instruction, 16 is #GP
        unsigned n = 13 + r.below(3);
        for (unsigned i = 0; i < n; ++i) b(r.chance(50) ? 0x3E : 0x66);
        b(0x90);
        return true;
    }
    case 1:
        b(0x66);
        b(0x90);
        return true;
    default: { // multi-byte NOP 0F 1F /0 (no memory access)
        b(0x0F);
        b(0x1F);
        unsigned mod = r.below(3), rm = r.below(8);
        b(u8((mod << 6) | rm));
        unsigned base = rm;
        if (rm == 4) {
            u8 sib = u8(r.next());
            b(sib);
            base = sib & 7;
        }
        if (mod == 1) b(u8(r.next()));
        if (mod == 2 || (mod == 0 && base == 5)) imm(value(), 4);
        return true;
    }
    }
}

bool Gen::gen_enter_leave() {
    const unsigned size = pick_size_wd();
    if (!writable(EBP, 4)) return false;
    if (r.chance(50)) {
        unsigned level = r.below(4);
        u32 frame = r.chance(50) ? 0 : r.below(40);
        u32 total = size + (level > 0 ? level * size : 0) + frame;
        if (!stack_room(total)) return false;
        // Levels above 1 copy frame pointers from [EBP - k*size].
        if (level > 1) set_reg(EBP, kDataAddr + 0x400 + r.below(0x800));
        opsize(size);
        b(0xC8);
        imm(frame, 2);
        b(u8(level | (r.chance(10) ? 0x20 : 0))); // the level is taken mod 32
        esp_moved(-s32(total));
        return true;
    }
    if (in_loop) return false;
    // LEAVE: ESP = EBP, then EBP is popped.
    u32 bp = kDataAddr + 0x700 + r.below(0x200);
    if (r.chance(5)) { // near a page end: the pop or later pushes fault
        bp = r.chance(50) ? kDataAddr + r.below(24) : kDataAddr + kDataSize - 8 + r.below(8);
        esp_at_edge = true;
    }
    set_reg(EBP, bp);
    opsize(size);
    b(0xC9);
    esp_known = true;
    esp = bp + size;
    return true;
}

// Instructions that fault on purpose: #UD encodings, INT3, INTO, BOUND (#BR). Linux has DPL-3
// gates for vectors 3 and 4 and reports the vector in the signal context.
bool Gen::gen_fault() {
    switch (r.below(10)) {
    case 0:
        b(0x0F); // ud2
        b(0x0B);
        return true;
    case 1: { // lock on a register form
        b(0xF0);
        b(u8(0x01 + 8 * r.below(7)));
        modrm_reg_random();
        return true;
    }
    case 2:
        b(0x8D); // lea with a register operand
        modrm_reg_random();
        return true;
    case 3:
        b(0x8E); // mov cs, r/m
        modrm_reg(CS, r.below(8));
        return true;
    case 4: {
        b(0x8C); // mov r/m, sreg 6 or 7
        const unsigned rm = r.below(8);
        modrm_reg(6 + r.below(2), rm);
        return true;
    }
    case 5:
        b(0x0F); // cmpxchg8b with a register operand
        b(0xC7);
        modrm_reg(1, r.below(8));
        return true;
    case 6: b(0xCC); return true; // int3
    case 7:
        if (!readable(OF)) return false;
        b(0xCE); // into
        return true;
    default: { // bound r, m: #BR when the index is outside [lower, upper]
        const unsigned size = pick_size_wd();
        unsigned reg = r.below(8);
        // Not across a page end: whether #BR or #PF comes first is implementation-specific.
        MemOp m = mem_at(pick_target(2 * size, false));
        seg_prefix(false);
        opsize(size);
        b(0x62);
        modrm_mem(reg, m);
        return true;
    }
    }
}

// Near transfers to a later group through the stack, registers and memory: CALL rel32, CALL/JMP
// r32 and m32, PUSH + RET (imm16).
bool Gen::gen_indirect() {
    if (in_loop) return false;
    const unsigned target = std::min(group + 1 + r.below(3), ngroups);
    auto abs_target = [&] {
        fixups.push_back({code.size(), 4, 0, target, true});
        imm(0, 4);
    };
    switch (r.below(4)) {
    case 0: // call rel32
        if (!stack_room(4)) return false;
        b(0xE8);
        fixups.push_back({code.size(), 4, code.size() + 4, target});
        imm(0, 4);
        esp_moved(-4);
        break;
    case 1: { // jmp/call r32
        const bool call = r.chance(50);
        unsigned reg = free_reg();
        if (reg == kNone || (call && !stack_room(4))) return false;
        b(u8(0xB8 + reg));
        abs_target();
        b(0xFF);
        modrm_reg(call ? 2 : 4, reg);
        if (call) esp_moved(-4);
        break;
    }
    case 2: { // jmp/call m32 (the target is read before CALL pushes)
        const bool call = r.chance(50);
        if (call && !stack_room(4)) return false;
        MemOp m = mem_at(pick_target(4, false));
        b(0xC7); // mov dword [m], target
        modrm_mem(0, m);
        abs_target();
        seg_prefix(false);
        b(0xFF);
        modrm_mem(call ? 2 : 4, m);
        if (call) esp_moved(-4);
        break;
    }
    default: { // push target; ret / ret imm16
        const u32 extra = r.chance(40) ? 2 * r.below(8) : 0;
        if (!stack_room(4 + extra)) return false;
        b(0x68);
        abs_target();
        if (extra || r.chance(20)) {
            b(0xC2);
            imm(extra, 2);
        } else {
            b(0xC3);
        }
        esp_moved(s32(extra));
        break;
    }
    }
    joins.push_back({target, undef, esp_known, esp});
    return true;
}

// ARPL r/m16, r16: raises the RPL field of the destination; ZF tells whether it did.
bool Gen::gen_arpl() {
    const bool memd = r.chance(40);
    unsigned rm = memd ? 0 : dest_reg(2);
    if (rm == kNone) return false;
    MemOp m;
    if (memd) m = mem(2);
    if (memd) seg_prefix(true);
    b(0x63);
    if (memd)
        modrm_mem(r.below(8), m);
    else
        modrm_reg(r.below(8), rm);
    effect(ZF, 0);
    return true;
}

bool Gen::gen_jump() {
    if (in_loop) return false;
    unsigned target = std::min(group + 1 + r.below(3), ngroups);
    unsigned kind = r.below(6);
    unsigned rel_size = 1;
    if (kind <= 2) { // jcc rel8 / rel32
        int cc = pick_cc();
        if (cc < 0) return false;
        if (kind == 2) {
            b(0x0F);
            b(u8(0x80 + cc));
            rel_size = 4;
        } else {
            b(u8(0x70 + cc));
        }
    } else if (kind == 3) { // jmp rel8 / rel32
        if (r.chance(50)) {
            b(0xE9);
            rel_size = 4;
        } else {
            b(0xEB);
        }
    } else if (kind == 4) { // jcxz / jecxz
        if (r.chance(30)) b(0x67);
        b(0xE3);
    } else { // loop rel8 forward: decrements ECX
        if (!settable(ECX)) return false;
        b(0xE2);
    }
    fixups.push_back({code.size(), rel_size, code.size() + rel_size, target});
    imm(0, rel_size);
    joins.push_back({target, undef, esp_known, esp});
    return true;
}

bool Gen::gen_loop() {
    if (in_loop || !settable(ECX)) return false;
    const bool cx = r.chance(25);
    set_reg(ECX, 1 + r.below(4));
    const size_t body = code.size();
    undef = ALL6; // the body must not rely on flags from before or from its last iteration
    busy |= 1u << ECX;
    in_loop = true;
    unsigned n = 1 + r.below(3);
    bool ok = true;
    for (unsigned i = 0; i < n; ++i) {
        protect = 0;
        for (int t = 0;; ++t) {
            Snapshot s = snap();
            if (gen_one()) break;
            restore(s);
            if (t > 100) ok = false;
            if (!ok) break;
        }
    }
    in_loop = false;
    busy &= ~(1u << ECX);
    if (!ok) return false;
    u8 op = 0xE2;
    if (readable(ZF) && r.chance(40)) op = r.chance(50) ? 0xE1 : 0xE0; // loope / loopne
    s32 rel = s32(body) - s32(code.size() + 2 + (cx ? 1 : 0));
    if (rel < -128) ok = false;
    if (cx) b(0x67);
    b(op);
    b(u8(rel));
    return ok;
}

bool Gen::gen_one() {
    unsigned x = r.below(100);
    if (x < 14) return gen_alu();
    if (x < 17) return gen_test();
    if (x < 21) return gen_incdec();
    if (x < 24) return gen_negnot();
    if (x < 32) return gen_shift();
    if (x < 36) return gen_shxd();
    if (x < 39) return gen_mul();
    if (x < 42) return gen_imul();
    if (x < 46) return gen_div();
    if (x < 50) return gen_bcd();
    if (x < 54) return gen_bt();
    if (x < 56) return gen_bsf();
    if (x < 57) return gen_bswap();
    if (x < 60) return gen_xadd_cmpxchg();
    if (x < 61) return gen_cmpxchg8b();
    if (x < 63) return gen_xchg();
    if (x < 67) return gen_cmov_setcc();
    if (x < 71) return gen_mov();
    if (x < 73) return gen_movx();
    if (x < 74) return gen_cbw();
    if (x < 76) return gen_lea();
    if (x < 80) return gen_flagops();
    if (x < 84) return gen_push_pop();
    if (x < 86) return gen_pushf_popf();
    if (x < 87) return gen_pusha_popa();
    if (x < 92) return gen_string();
    if (x < 93) return gen_misc();
    if (x < 95) return gen_enter_leave();
    if (x < 96) return gen_jump();
    if (x < 97) return r.chance(50) ? gen_indirect() : gen_arpl();
    if (x < 98) return r.chance(50) && gen_fault();
    return gen_loop();
}

bool Gen::run(TestCase& tc) {
    for (unsigned i = 0; i < 8; ++i) tc.regs[i] = value();
    tc.regs[ESP] = esp;
    tc.eflags = (u32(r.next()) & (ALL6 | FLAG_DF)) | FLAG_IF | 2;
    tc.data_seed = r.next();
    ngroups = 1 + r.below(16);
    for (group = 0; group < ngroups; ++group) {
        start_group(group);
        for (int t = 0;; ++t) {
            Snapshot s = snap();
            if (gen_one()) break;
            restore(s);
            if (t > 200) return false;
        }
    }
    start_group(ngroups);
    for (const Fixup& f : fixups) {
        s32 rel = f.absolute ? s32(diffwire::kCodeAddr + group_start[f.target])
                             : s32(group_start[f.target]) - s32(f.next_pos);
        if (f.rel_size == 1 && (rel < -128 || rel > 127)) return false;
        for (unsigned i = 0; i < f.rel_size; ++i) code[f.rel_pos + i] = u8(u32(rel) >> (8 * i));
    }
    if (code.size() > diffwire::kMaxCode) return false;
    tc.code = code;
    tc.undefined_flags = undef;
    return true;
}

} // namespace

TestCase generate(u64 seed) {
    for (u64 attempt = 0;; ++attempt) {
        Gen g(seed + attempt * 0x9E3779B97F4A7C15ull);
        TestCase tc;
        if (g.run(tc)) return tc;
    }
}

} // namespace vmi86::difftest
