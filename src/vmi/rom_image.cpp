#include "vmi/rom_image.h"
#include "common/bits.h"
#include <cstring>
#include <initializer_list>

namespace vmi86::vmi {

namespace {

using Bytes = std::initializer_list<u8>;
constexpr u8 RET = 0xC3;

// Appends code to the image; jumps are patched by hand where the slot needs one.
struct Emitter {
    std::vector<u8>& out;
    u32 pos;
    void emit(Bytes b) {
        for (u8 x : b) out[pos++] = x;
    }
    void emit32(u32 v) {
        store_le<u32>(&out[pos], v);
        pos += 4;
    }
    void align(u32 a) {
        while (pos % a) out[pos++] = 0xCC; // int3 between slots
    }
};

void put16(std::vector<u8>& img, u32 off, u16 v) { store_le<u16>(&img[off], v); }
void put32(std::vector<u8>& img, u32 off, u32 v) { store_le<u32>(&img[off], v); }
void put_string(std::vector<u8>& img, u32 off, const char* s) {
    std::memcpy(&img[off], s, std::strlen(s) + 1);
}

// The native GetRelocationInfo: EAX = call number. Finds its own linear address (call/pop), so
// the answer is linear in whatever mapping the guest used, and reads the directory.
void emit_get_relocation_info(Emitter& e) {
    const u32 start = e.pos;
    e.emit({0x3D}); // cmp eax, kNumCalls
    e.emit32(kNumCalls);
    e.emit({0x73, 0x00}); // jae .none (patched)
    const u32 jae = e.pos - 1;
    e.emit({0xE8, 0, 0, 0, 0}); // call .here
    const u32 here = e.pos;
    e.emit({0x5A});                   // .here: pop edx
    e.emit({0x0F, 0xB6, 0x8C, 0x02}); // movzx ecx, byte [edx + eax + types - here]
    e.emit32(kDirectoryTypes - here);
    e.emit({0x85, 0xC9}); // test ecx, ecx
    e.emit({0x74, 0x00}); // jz .none (patched)
    const u32 jz = e.pos - 1;
    e.emit({0x0F, 0xB7, 0x84, 0x42}); // movzx eax, word [edx + eax*2 + offsets - here]
    e.emit32(kDirectoryOffsets - here);
    e.emit({0x8D, 0x84, 0x02}); // lea eax, [edx + eax - here]
    e.emit32(u32(0) - here);
    e.emit({0x89, 0xCA, RET}); // mov edx, ecx; ret
    const u32 none = e.pos;
    e.emit({0x31, 0xC0, 0x31, 0xD2, RET}); // .none: xor eax, eax; xor edx, edx; ret
    e.out[jae] = u8(none - (jae + 1));
    e.out[jz] = u8(none - (jz + 1));
    (void)start;
}

// mov drN, edx (set) or mov eax, drN (get) chosen by EAX = N.
void emit_debug_register(Emitter& e, bool set) {
    for (u8 n = 0; n < 8; ++n) {
        e.emit({0x83, 0xF8, n, 0x75, 0x04}); // cmp eax, n; jne next
        if (set)
            e.emit({0x0F, 0x23, u8(0xC2 | n << 3), RET});
        else
            e.emit({0x0F, 0x21, u8(0xC0 | n << 3), RET});
    }
    e.emit({RET});
}

struct Slot {
    Call call;
    RelocationType type; // what the ROM's own GetRelocationInfo answers
    std::vector<u8> code;
};

// Straight-line slots. Arguments: EAX, EDX, ECX, then [esp+4] (VMI.md §4).
std::vector<Slot> simple_slots() {
    const auto C = RelocCallRel, N = RelocNone;
    const std::vector<u8> xdt_entry = {0x89, 0x0C, 0xD0,       // mov [eax + edx*8], ecx
                                       0x8B, 0x4C, 0x24, 0x04, // mov ecx, [esp+4]
                                       0x89, 0x4C, 0xD0, 0x04, // mov [eax + edx*8 + 4], ecx
                                       RET};
    return {
        {CPUID, C, {0x0F, 0xA2, RET}},
        {WRMSR, C, {0x0F, 0x30, RET}},
        {RDMSR, C, {0x0F, 0x32, RET}},
        {SetGDT, C, {0x0F, 0x01, 0x10, RET}}, // lgdt [eax]
        {SetLDT, C, {0x0F, 0x00, 0xD0, RET}}, // lldt ax
        {SetIDT, C, {0x0F, 0x01, 0x18, RET}}, // lidt [eax]
        {SetTR, C, {0x0F, 0x00, 0xD8, RET}},  // ltr ax
        {GetGDT, C, {0x0F, 0x01, 0x00, RET}}, // sgdt [eax]
        {GetLDT, C, {0x0F, 0x00, 0xC0, RET}}, // sldt eax
        {GetIDT, C, {0x0F, 0x01, 0x08, RET}}, // sidt [eax]
        {GetTR, C, {0x0F, 0x00, 0xC8, RET}},  // str eax
        {WriteGDTEntry, C, xdt_entry},
        {WriteLDTEntry, C, xdt_entry},
        {WriteIDTEntry, C, xdt_entry},
        {UpdateKernelStack,
         C,
         {
             0x53,                               // push ebx
             0x83, 0xEC, 0x08,                   // sub esp, 8
             0x0F, 0x01, 0x44, 0x24, 0x02,       // sgdt [esp+2]
             0x0F, 0x00, 0xCB,                   // str ebx
             0x81, 0xE3, 0xF8, 0xFF, 0x00, 0x00, // and ebx, 0xFFF8
             0x03, 0x5C, 0x24, 0x04,             // add ebx, [esp+4]: the TSS descriptor
             0x8B, 0x4B, 0x02,                   // mov ecx, [ebx+2]
             0x81, 0xE1, 0xFF, 0xFF, 0xFF, 0x00, // and ecx, 0xFFFFFF
             0x0F, 0xB6, 0x5B, 0x07,             // movzx ebx, byte [ebx+7]
             0xC1, 0xE3, 0x18,                   // shl ebx, 24
             0x09, 0xD9,                         // or ecx, ebx: the TSS base
             0x89, 0x51, 0x04,                   // mov [ecx+4], edx: ESP0
             0x66, 0x89, 0x41, 0x08,             // mov [ecx+8], ax: SS0
             0x83, 0xC4, 0x08,                   // add esp, 8
             0x5B, RET,                          // pop ebx; ret
         }},
        {SetCR0, C, {0x0F, 0x22, 0xC0, RET}},
        {SetCR2, C, {0x0F, 0x22, 0xD0, RET}},
        {SetCR3, C, {0x0F, 0x22, 0xD8, RET}},
        {SetCR4, C, {0x0F, 0x22, 0xE0, RET}},
        {GetCR0, C, {0x0F, 0x20, 0xC0, RET}},
        {GetCR2, C, {0x0F, 0x20, 0xD0, RET}},
        {GetCR3, C, {0x0F, 0x20, 0xD8, RET}},
        {GetCR4, C, {0x0F, 0x20, 0xE0, RET}},
        {WBINVD, C, {0x0F, 0x09, RET}},
        {RDPMC, C, {0x0F, 0x33, RET}},
        {RDTSC, C, {0x0F, 0x31, RET}},
        {CLTS, C, {0x0F, 0x06, RET}},
        {EnableInterrupts, C, {0xFB, RET}},
        {DisableInterrupts, C, {0xFA, RET}},
        {GetInterruptMask, C, {0x9C, 0x58, RET}}, // pushfd; pop eax
        {SetInterruptMask, C, {0x50, 0x9D, RET}}, // push eax; popfd
        {IRET, C, {0x83, 0xC4, 0x04, 0xCF}},      // add esp, 4; iretd
        // add esp, 4 (it never returns); sti; sysexit (in the STI shadow)
        {SYSEXIT, C, {0x83, 0xC4, 0x04, 0xFB, 0x0F, 0x35}},
        {Halt, C, {0xFB, 0xF4, RET}}, // sti; hlt (in the STI shadow); ret
        {Reboot, C, {0xB0, 0x01, 0xE6, 0x92, 0xFA, 0xF4, 0xEB, 0xFD}}, // port 0x92 reset
        {Shutdown, C, {0xFA, 0xF4, 0xEB, 0xFD}},                       // cli; hlt forever
        {SetPxE, C, {0x89, 0x02, RET}},                                // mov [edx], eax
        {SetPxELong, C, {0x89, 0x51, 0x04, 0x89, 0x01, RET}},          // high half first, then low
        {UpdatePxE, C, {RET}},
        {UpdatePxELong, C, {RET}},
        {MachineToPhysical, C, {RET}},
        {PhysicalToMachine, C, {RET}},
        {AllocatePage, C, {RET}},
        {ReleasePage, C, {RET}},
        {InvalPage, C, {0x0F, 0x01, 0x38, RET}}, // invlpg [eax]
        {FlushTLB,
         C,
         {
             0x89, 0xC1,                         // mov ecx, eax
             0x0F, 0x20, 0xD8, 0x0F, 0x22, 0xD8, // mov eax, cr3; mov cr3, eax
             0xF6, 0xC1, 0x02, 0x74, 0x10,       // test cl, 2; jz done
             0x0F, 0x20, 0xE0, 0x89, 0xC2,       // mov eax, cr4; mov edx, eax
             0x25, 0x7F, 0xFF, 0xFF, 0xFF,       // and eax, ~CR4.PGE
             0x0F, 0x22, 0xE0, 0x0F, 0x22, 0xE2, // mov cr4, eax; mov cr4, edx
             RET,                                // done: ret
         }},
        {SetLinearMapping, C, {RET}},
        {SetIOPLMask,
         C,
         {
             0x25, 0x00, 0x30, 0x00, 0x00,             // and eax, 0x3000
             0x9C,                                     // pushfd
             0x81, 0x24, 0x24, 0xFF, 0xCF, 0xFF, 0xFF, // and dword [esp], ~0x3000
             0x09, 0x04, 0x24,                         // or [esp], eax
             0x9D, RET,                                // popfd; ret
         }},
        {IODelay, C, {RET}},
        {SetLazyMode, C, {RET}}, // nothing is ever queued
        // Only a hypervisor can do these: the ROM's own answer is NONE.
        {SetInitialAPState, N, {RET}},
        {APICWrite, N, {RET}},
        {APICRead, N, {0x31, 0xC0, RET}},
        {GetCycleFrequency, N, {0x31, 0xC0, 0x31, 0xD2, RET}},
        {GetCycleCounter, N, {0x31, 0xC0, 0x31, 0xD2, RET}},
        {SetAlarm, N, {RET}},
        {CancelAlarm, N, {0x31, 0xC0, RET}},
        {GetWallclockTime, N, {0x31, 0xC0, 0x31, 0xD2, RET}},
        {WallclockUpdated, N, {0x31, 0xC0, RET}},
        {SetCallbacks, N, {RET}},
    };
}

} // namespace

void fix_rom_checksum(std::vector<u8>& image) {
    image.back() = zero_sum_byte(image.data(), image.size() - 1);
}

RomImage build_rom_image() {
    RomImage rom;
    std::vector<u8>& img = rom.bytes;
    img.assign(kRomSize, 0);
    img[0] = 0x55;
    img[1] = 0xAA;
    img[2] = u8(kRomSize / 512);
    img[3] = 0xCB; // BIOS POST entry: retf
    put32(img, 0x08, kVmiSignature);
    img[kHdrApiMinor] = 0;
    img[kHdrApiMajor] = 3;
    put32(img, kHdrVirtualTop, 0);

    constexpr u32 licence = 0x90, pci = 0x98, pnp = 0xB0, manufacturer = 0xD0, product = 0xD8;
    put16(img, kHdrLicenceOffs, licence);
    put16(img, kHdrPciOffs, pci);
    put16(img, kHdrPnpOffs, pnp);
    put_string(img, licence, "GPL");

    // PCI data structure: VMware's VMI device, class "other system peripheral".
    std::memcpy(&img[pci], "PCIR", 4);
    put16(img, pci + 4, kPciVendorVmware);
    put16(img, pci + 6, kPciDeviceVmi);
    put16(img, pci + 0x0A, 0x18); // structure length
    img[pci + 0x0E] = 0x80;       // subclass
    img[pci + 0x0F] = 0x08;       // base class
    put16(img, pci + 0x10, u16(kRomSize / 512));
    img[pci + 0x15] = 0x80; // last image

    // PnP expansion header: its strings name the ROM in the guest's boot log.
    std::memcpy(&img[pnp], "$PnP", 4);
    img[pnp + 4] = 1; // revision
    img[pnp + 5] = 2; // length in 16-byte units
    put16(img, pnp + 0x0E, manufacturer);
    put16(img, pnp + 0x10, product);
    img[pnp + 9] = zero_sum_byte(&img[pnp], 32);
    put_string(img, manufacturer, "vmi86");
    put_string(img, product, "VMI ROM");

    std::memcpy(&img[kDirectoryOffset], kDirectoryMagic, sizeof kDirectoryMagic);

    Emitter e{img, 0x200};
    // Init: succeeds (the slots below are a complete native implementation).
    Emitter init{img, kInitOffset};
    init.emit({0x31, 0xC0, RET}); // xor eax, eax; ret
    Emitter reloc{img, kGetRelocationInfoOffset};
    reloc.emit({0xE9}); // jmp the body
    reloc.emit32(e.pos - (kGetRelocationInfoOffset + 5));
    emit_get_relocation_info(e);

    auto place = [&](Call call, RelocationType type) {
        e.align(16);
        rom.slot[call] = u16(e.pos);
        rom.native_type[call] = type;
    };
    for (const Slot& s : simple_slots()) {
        place(s.call, s.type);
        for (u8 b : s.code) img[e.pos++] = b;
    }
    place(SetDR, RelocCallRel);
    emit_debug_register(e, true);
    place(GetDR, RelocCallRel);
    emit_debug_register(e, false);

    for (unsigned c = 0; c < kNumCalls; ++c) {
        put16(img, kDirectoryOffsets + 2 * c, rom.slot[c]);
        img[kDirectoryTypes + c] = rom.native_type[c];
    }
    fix_rom_checksum(img);
    return rom;
}

} // namespace vmi86::vmi
