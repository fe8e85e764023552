// The MP table (Intel MultiProcessor Specification 1.4) a directly loaded kernel finds: parsed
// back as an OS would, checking signatures, checksums, lengths and every entry; and the board's
// description of itself that fills it.
#include "common/bits.h"
#include "machine/mp_table.h"
#include "machine/pc_board.h"
#include "test_machine_helpers.h"
#include <cstring>
#include <doctest/doctest.h>
#include <map>
#include <string>
#include <vector>

using namespace vmi86;

namespace {

u8 sum8(const u8* p, size_t n) {
    u8 s = 0;
    for (size_t i = 0; i < n; ++i) s += p[i];
    return s;
}

MpTableConfig sample_config() {
    MpTableConfig c;
    c.local_apic_version = 0x11;
    c.cpu_signature = 0x0673;
    c.cpu_features = 0x0383FBFF;
    c.io_apic_id = 1;
    c.io_apic_version = 0x11;
    return c;
}

} // namespace

TEST_CASE("MP table: floating pointer, header and entries parse back") {
    constexpr u32 kBase = 0x9FC00;
    const MpTableConfig cfg = sample_config();
    const std::vector<u8> t = build_mp_table(kBase, cfg);
    REQUIRE(t.size() >= 16 + 44);
    REQUIRE(t.size() <= 0x400);

    // Floating pointer structure.
    const u8* f = t.data();
    CHECK(std::memcmp(f, "_MP_", 4) == 0);
    const u32 table_addr = load_le<u32>(f + 4);
    CHECK(table_addr == kBase + 16);
    CHECK(f[8] == 1);  // one paragraph
    CHECK(f[9] == 4);  // spec 1.4
    CHECK(f[11] == 0); // configuration table present
    CHECK(f[12] == 0); // IMCR absent: virtual wire mode
    CHECK(f[13] == 0);
    CHECK(f[14] == 0);
    CHECK(f[15] == 0);
    CHECK(sum8(f, 16) == 0);

    // Configuration table header.
    const u8* h = t.data() + (table_addr - kBase);
    CHECK(std::memcmp(h, "PCMP", 4) == 0);
    const u16 length = load_le<u16>(h + 4);
    REQUIRE(table_addr - kBase + length == t.size());
    CHECK(h[6] == 4);
    CHECK(sum8(h, length) == 0);
    CHECK(std::string(reinterpret_cast<const char*>(h + 8), 8) == "VMI86   ");
    CHECK(load_le<u32>(h + 28) == 0); // no OEM table
    CHECK(load_le<u16>(h + 32) == 0);
    CHECK(load_le<u32>(h + 36) == 0xFEE00000);
    CHECK(load_le<u16>(h + 40) == 0); // no extended table
    CHECK(h[42] == 0);
    const u16 count = load_le<u16>(h + 34);

    // Entries, in the order the spec requires (by ascending type).
    const u8* e = h + 44;
    const u8* end = h + length;
    unsigned processors = 0, io_apics = 0, last_type = 0;
    std::map<u8, std::string> buses;
    std::map<u8, u8> isa_pin;    // ISA IRQ -> I/O APIC pin
    std::map<u8, u8> local_ints; // LINT# -> interrupt type
    for (unsigned i = 0; i < count; ++i) {
        REQUIRE(e < end);
        const u8 type = e[0];
        CHECK(type >= last_type);
        last_type = type;
        switch (MpEntry(type)) {
        case MpEntry::Processor:
            CHECK(e[1] == 0);
            CHECK(e[2] == 0x11);
            CHECK(e[3] == 0x03); // enabled, bootstrap processor
            CHECK(load_le<u32>(e + 4) == cfg.cpu_signature);
            CHECK(load_le<u32>(e + 8) == cfg.cpu_features);
            ++processors;
            e += 20;
            break;
        case MpEntry::Bus:
            buses[e[1]] = std::string(reinterpret_cast<const char*>(e + 2), 6);
            e += 8;
            break;
        case MpEntry::IoApic:
            CHECK(e[1] == 1);
            CHECK(e[2] == 0x11);
            CHECK(e[3] == 0x01);
            CHECK(load_le<u32>(e + 4) == 0xFEC00000);
            ++io_apics;
            e += 8;
            break;
        case MpEntry::IoInterrupt:
            CHECK(e[1] == 0);                // INT
            CHECK(load_le<u16>(e + 2) == 0); // conforming polarity and trigger
            CHECK(e[4] == kMpIsaBusId);
            CHECK(e[6] == 1); // the I/O APIC's ID
            CHECK(isa_pin.count(e[5]) == 0);
            isa_pin[e[5]] = e[7];
            e += 8;
            break;
        case MpEntry::LocalInterrupt:
            CHECK(load_le<u16>(e + 2) == 0);
            CHECK(e[6] == 0xFF); // every local APIC
            local_ints[e[7]] = e[1];
            e += 8;
            break;
        default: FAIL("unknown entry type ", unsigned(type));
        }
    }
    CHECK(e == end);
    CHECK(processors == 1);
    CHECK(io_apics == 1);
    CHECK(buses.size() == 2);
    CHECK(buses[kMpPciBusId] == "PCI   ");
    CHECK(buses[kMpIsaBusId] == "ISA   ");
    CHECK(isa_pin.size() == 15);
    CHECK(isa_pin.count(2) == 0);
    CHECK(isa_pin[0] == 2);
    for (u8 irq = 1; irq < 16; ++irq)
        if (irq != 2) CHECK(isa_pin[irq] == irq);
    CHECK(local_ints.size() == 2);
    CHECK(local_ints[0] == 3); // ExtINT on LINT0
    CHECK(local_ints[1] == 1); // NMI on LINT1
}

TEST_CASE("MP table: the board describes its CPU and APICs from their registers") {
    test::BareCpu b;
    Scheduler sched;
    PcBoard board(b.mem, b.io, sched, b.log, b.cpu, 0);
    // Firmware (or Linux renumbering a clashing ID) may have moved the I/O APIC's ID.
    b.mem.write(IoApic::kDefaultBase, 4, 0x00);
    b.mem.write(IoApic::kDefaultBase + 0x10, 4, 3u << 24);
    b.mem.write(IoApic::kDefaultBase, 4, 0x12);
    const MpTableConfig c = board.mp_table_config();
    u32 eax, ebx, ecx, edx;
    b.cpu.cpuid(1, eax, ebx, ecx, edx);
    CHECK(c.cpu_signature == eax);
    CHECK(c.cpu_features == edx);
    CHECK((c.cpu_features & kCpuidApic) != 0);
    CHECK(c.local_apic_id == 0);
    CHECK(c.local_apic_version == u8(LocalApic::kVersion));
    CHECK(c.local_apic_address == 0xFEE00000);
    CHECK(c.io_apic_id == 3);
    CHECK(c.io_apic_version == u8(IoApic::kVersion));
    CHECK(c.io_apic_address == 0xFEC00000);
    // IOREGSEL is left as the guest set it.
    CHECK(b.mem.read(IoApic::kDefaultBase, 4) == 0x12);

    // The I/O APIC gets an ID apart from the processor's (a shared APIC bus before the xAPIC).
    board.assign_io_apic_id();
    CHECK(board.mp_table_config().io_apic_id == 1);
    b.mem.write(IoApic::kDefaultBase, 4, 0x00);
    CHECK(b.mem.read(IoApic::kDefaultBase + 0x10, 4) == 1u << 24);
}
