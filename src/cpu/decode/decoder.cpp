#include "cpu/decode/decoder.h"
#include "common/bits.h"
#include "cpu/decode/opcode_tables.h"
#include "cpu/state.h"

namespace vmi86 {

namespace {

enum class Enc : u8 { None, Modrm, ModrmIb, ModrmIz, Ib, Iw, Iz, IwIb, Ap, Offs, Jb, Jz };

constexpr Enc encoding_of(Operands o) {
    switch (o) {
#define OPERANDS(name, enc)                                                                        \
    case Operands::name:                                                                           \
        return Enc::enc;
#include "cpu/decode/operands.def"
#undef OPERANDS
    }
    return Enc::None;
}

bool has_modrm(Enc e) { return e == Enc::Modrm || e == Enc::ModrmIb || e == Enc::ModrmIz; }

// The CR/DR moves ignore the mod field: their ModRM always names a register.
bool modrm_is_register_only(Operands o) {
    return o == Operands::Rd_Cd || o == Operands::Cd_Rd || o == Operands::Rd_Dd ||
           o == Operands::Dd_Rd;
}

// ModRM reg fields that name no register of a Pentium II are #UD: segment registers 6-7, CS as a
// MOV destination (SDM MOV), and CR1, CR5-CR7 (SDM MOV CR).
bool reg_field_valid(Operands o, u8 reg) {
    switch (o) {
    case Operands::Ev_Sw: return reg <= GS;
    case Operands::Sw_Ew: return reg <= GS && reg != CS;
    case Operands::Rd_Cd:
    case Operands::Cd_Rd: return reg == 0 || (reg >= 2 && reg <= 4);
    default: return true;
    }
}

struct Reader {
    const u8* bytes;
    unsigned avail;
    unsigned pos = 0;
    bool short_ = false;
    u32 take(unsigned n) {
        if (pos + n > avail) {
            short_ = true;
            pos += n;
            return 0;
        }
        u32 v = 0;
        for (unsigned i = 0; i < n; ++i) v |= u32(bytes[pos + i]) << (8 * i);
        pos += n;
        return v;
    }
};

void decode_modrm(Reader& r, DecodedInsn& d, bool register_only) {
    d.modrm = u8(r.take(1));
    d.mod = d.modrm >> 6;
    d.reg = (d.modrm >> 3) & 7;
    d.rm = d.modrm & 7;
    if (register_only) d.mod = 3;
    if (d.mod == 3) return;
    u8 default_seg = DS;
    if (d.addrsize == 2) {
        static constexpr u8 base16[8] = {EBX, EBX, EBP, EBP, kNoReg, kNoReg, EBP, EBX};
        static constexpr u8 index16[8] = {ESI, EDI, ESI, EDI, ESI, EDI, kNoReg, kNoReg};
        if (d.mod == 0 && d.rm == 6) {
            d.disp = r.take(2);
        } else {
            d.base = base16[d.rm];
            d.index = index16[d.rm];
            if (d.base == EBP) default_seg = SS;
            if (d.mod == 1)
                d.disp = sign_extend(r.take(1), 8);
            else if (d.mod == 2)
                d.disp = r.take(2);
        }
    } else {
        u8 rm = d.rm;
        if (rm == 4) {
            u8 sib = u8(r.take(1));
            d.scale = sib >> 6;
            u8 idx = (sib >> 3) & 7;
            d.index = idx == 4 ? kNoReg : idx;
            rm = sib & 7;
            if (rm == 5 && d.mod == 0) {
                d.base = kNoReg;
                d.disp = r.take(4);
            } else {
                d.base = rm;
            }
        } else if (rm == 5 && d.mod == 0) {
            d.base = kNoReg;
            d.disp = r.take(4);
        } else {
            d.base = rm;
        }
        if (d.base == ESP || d.base == EBP) default_seg = SS;
        if (d.mod == 1)
            d.disp = sign_extend(r.take(1), 8);
        else if (d.mod == 2)
            d.disp = r.take(4);
    }
    d.seg = d.seg_override != kSegNone ? d.seg_override : default_seg;
}

} // namespace

const OpcodeInfo& opcode_info(u16 index) { return opcode_tables().entries[index]; }

DecodeStatus decode(const u8* bytes, unsigned avail, bool code32, DecodedInsn& d) {
    const OpcodeTables& t = opcode_tables();
    d = DecodedInsn{};
    Reader r{bytes, avail};
    bool opsize_prefix = false, addrsize_prefix = false;
    u8 b;
    for (;;) {
        if (r.pos >= 15) {
            d.len = 15;
            return DecodeStatus::TooLong;
        }
        if (r.pos >= avail) return DecodeStatus::NeedMore;
        b = bytes[r.pos++];
        switch (b) {
        case 0x26: d.seg_override = ES; continue;
        case 0x2E: d.seg_override = CS; continue;
        case 0x36: d.seg_override = SS; continue;
        case 0x3E: d.seg_override = DS; continue;
        case 0x64: d.seg_override = FS; continue;
        case 0x65: d.seg_override = GS; continue;
        case 0x66: opsize_prefix = true; continue;
        case 0x67: addrsize_prefix = true; continue;
        case 0xF0: d.lock = true; continue;
        case 0xF2:
        case 0xF3: d.rep = b; continue;
        default: break;
        }
        break;
    }
    d.opsize = (code32 != opsize_prefix) ? 4 : 2;
    d.addrsize = (code32 != addrsize_prefix) ? 4 : 2;
    d.seg = d.seg_override != kSegNone ? d.seg_override : u8(DS);
    u16 index;
    int simd_prefix = -1; // a SIMD opcode: its mandatory prefix
    if (b == 0x0F) {
        u8 b2 = u8(r.take(1));
        if (r.short_) return r.pos > 15 ? DecodeStatus::TooLong : DecodeStatus::NeedMore;
        d.opcode = 0x100 | b2;
        if (t.simd[b2]) {
            // The mandatory prefix selects the instruction and is neither a REP nor an operand
            // size prefix (66 is ignored next to F2/F3).
            simd_prefix = d.rep == 0xF3 ? PF3 : d.rep == 0xF2 ? PF2 : opsize_prefix ? P66 : NP;
            d.rep = 0;
            d.opsize = code32 ? 4 : 2;
            index = t.simd_mem[b2][simd_prefix] ? t.simd_mem[b2][simd_prefix]
                                                : t.simd_reg[b2][simd_prefix];
        } else {
            index = t.two_byte[b2];
        }
    } else {
        d.opcode = b;
        index = t.one_byte[b];
    }
    const OpcodeInfo* info = &t.entries[index];
    bool invalid = index == 0;
    if (!invalid) {
        Enc enc = encoding_of(info->operands);
        if (info->group || has_modrm(enc)) {
            decode_modrm(r, d, modrm_is_register_only(info->operands));
            if (simd_prefix >= 0) {
                const u8 op = u8(d.opcode);
                index = d.mod == 3 ? t.simd_reg[op][simd_prefix] : t.simd_mem[op][simd_prefix];
                info = &t.entries[index];
                invalid = index == 0;
                enc = encoding_of(info->operands);
            }
            if (invalid) {
                // no instruction for this form
            } else if (info->operands == Operands::Esc) {
                index = d.mod == 3 ? t.x87_reg[b & 7][d.modrm - 0xC0] : t.x87_mem[b & 7][d.reg];
                info = &t.entries[index];
                invalid = index == 0;
            } else if (info->group) {
                index =
                    d.mod == 3 ? t.groups_reg[info->group][d.reg] : t.groups[info->group][d.reg];
                info = &t.entries[index];
                invalid = index == 0;
                enc = encoding_of(info->operands);
            }
        }
        if (!invalid) {
            if ((info->attrs & kAttrMem) && d.mod == 3) invalid = true;
            if ((info->attrs & kAttrReg) && d.mod != 3) invalid = true;
            if (!reg_field_valid(info->operands, d.reg)) invalid = true;
            switch (enc) {
            case Enc::ModrmIb:
            case Enc::Ib: d.imm = sign_extend(r.take(1), 8); break;
            case Enc::Jb: d.imm = sign_extend(r.take(1), 8); break;
            case Enc::ModrmIz:
            case Enc::Iz:
            case Enc::Jz: d.imm = d.opsize == 4 ? r.take(4) : sign_extend(r.take(2), 16); break;
            case Enc::Iw: d.imm = r.take(2); break;
            case Enc::IwIb:
                d.imm = r.take(2);
                d.imm2 = u16(r.take(1));
                break;
            case Enc::Ap:
                d.imm = r.take(d.opsize);
                d.imm2 = u16(r.take(2));
                break;
            case Enc::Offs: d.disp = r.take(d.addrsize); break;
            default: break;
            }
            if (d.lock && (!(info->attrs & kAttrLock) || d.mod == 3)) invalid = true;
        }
    }
    if (r.pos > 15) {
        d.len = 15;
        return DecodeStatus::TooLong;
    }
    if (r.short_) return DecodeStatus::NeedMore;
    d.len = u8(r.pos);
    d.info = invalid ? 0 : index;
    d.attrs = info->attrs;
    d.flags_read = info->flags_read;
    d.flags_written = info->flags_written;
    if (invalid) {
        d.handler = t.entries[0].handler32;
        d.chained = t.entries[0].chained32;
        return DecodeStatus::Invalid;
    }
    d.handler = d.opsize == 4 ? info->handler32 : info->handler16;
    d.chained = d.opsize == 4 ? info->chained32 : info->chained16;
    return DecodeStatus::Ok;
}

} // namespace vmi86
