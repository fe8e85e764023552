// The SMBIOS 2.8 tables a directly loaded kernel finds: parsed back as Linux's dmi_scan and
// dmidecode would, checking both anchors and checksums, the entry point's lengths and counts,
// and every structure's header, key fields and strings.
#include "common/bits.h"
#include "machine/smbios_table.h"
#include <algorithm>
#include <cstring>
#include <doctest/doctest.h>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace vmi86;

namespace {

u8 sum8(const u8* p, size_t n) {
    u8 s = 0;
    for (size_t i = 0; i < n; ++i) s += p[i];
    return s;
}

struct Parsed {
    const u8* area = nullptr; // formatted area
    u8 length = 0;
    std::vector<std::string> strings;
    size_t size = 0; // formatted area, strings and terminators
    // String field at offset `off`: "" for string number 0.
    std::string str(unsigned off) const {
        const u8 n = area[off];
        REQUIRE(n <= strings.size());
        return n ? strings[n - 1] : std::string();
    }
};

SmbiosConfig sample_config() {
    SmbiosConfig c;
    c.ram_bytes = 256ull << 20;
    c.cpu_signature = 0x0673;
    c.cpu_features = 0x0383FBFF;
    c.cpu_vendor = "GenuineIntel";
    c.cpu_version = "Pentium III (Katmai)";
    return c;
}

} // namespace

TEST_CASE("SMBIOS: entry point and every structure parse back") {
    constexpr u32 kBase = 0xF0000;
    const SmbiosConfig cfg = sample_config();
    const std::vector<u8> t = build_smbios_table(kBase, cfg);
    REQUIRE(t.size() > kSmbiosTableOffset);
    REQUIRE(t.size() <= 0x10000); // inside the BIOS area

    // 32-bit entry point.
    const u8* e = t.data();
    CHECK(std::memcmp(e, "_SM_", 4) == 0);
    CHECK(e[5] == 0x1F);
    CHECK(e[6] == 2);
    CHECK(e[7] == 8);
    CHECK(e[0x0A] == 0);
    for (unsigned i = 0x0B; i < 0x10; ++i) CHECK(e[i] == 0);
    CHECK(sum8(e, 0x1F) == 0);
    CHECK(std::memcmp(e + 0x10, "_DMI_", 5) == 0);
    CHECK(sum8(e + 0x10, 0x0F) == 0);
    CHECK(e[0x1E] == 0x28);
    const u16 max_size = load_le<u16>(e + 8);
    const u16 table_length = load_le<u16>(e + 0x16);
    const u32 table_addr = load_le<u32>(e + 0x18);
    const u16 count = load_le<u16>(e + 0x1C);
    CHECK(table_addr == kBase + kSmbiosTableOffset);
    CHECK(table_addr % 16 == 0);
    REQUIRE(table_addr - kBase + table_length == t.size());

    // Walk the structure table: header, formatted area, strings up to the double NUL.
    std::map<u8, Parsed> by_type;
    std::set<u16> handles;
    const u8* p = t.data() + (table_addr - kBase);
    const u8* end = p + table_length;
    unsigned seen = 0;
    size_t largest = 0;
    u8 last_type = 0;
    while (p < end) {
        REQUIRE(end - p >= 4);
        Parsed s;
        s.area = p;
        s.length = p[1];
        REQUIRE(s.length >= 4);
        REQUIRE(p + s.length + 2 <= end);
        CHECK(handles.insert(load_le<u16>(p + 2)).second); // unique handles
        CHECK(load_le<u16>(p + 2) == u16(p[0] << 8));
        const u8* q = p + s.length;
        if (q[0] == 0) {
            CHECK(q[1] == 0); // no strings: two NULs
            q += 2;
        } else {
            while (*q) {
                const u8* z = static_cast<const u8*>(std::memchr(q, 0, size_t(end - q)));
                REQUIRE(z != nullptr);
                s.strings.emplace_back(reinterpret_cast<const char*>(q), size_t(z - q));
                q = z + 1;
                REQUIRE(q < end);
            }
            ++q;
        }
        s.size = size_t(q - p);
        largest = std::max(largest, s.size);
        last_type = p[0];
        CHECK(by_type.emplace(p[0], s).second); // one of each
        ++seen;
        p = q;
    }
    CHECK(p == end);
    CHECK(seen == count);
    CHECK(largest == max_size);
    CHECK(last_type == 127);
    CHECK(by_type.size() == 9);

    // Type 0: BIOS information.
    REQUIRE(by_type.count(0));
    const Parsed& bios = by_type[0];
    CHECK(bios.length == 0x18);
    CHECK(bios.str(4) == "vmi86");
    CHECK(!bios.str(5).empty());
    CHECK(load_le<u16>(bios.area + 6) == 0xE800);
    CHECK(bios.str(8) == "01/01/2026");
    CHECK(load_le<u64>(bios.area + 0x0A) == (1u << 3));

    // Type 1: system information, zero UUID.
    REQUIRE(by_type.count(1));
    const Parsed& sys = by_type[1];
    CHECK(sys.length == 0x1B);
    CHECK(sys.str(4) == "vmi86");
    CHECK(sys.str(5) == "Standard PC (i440FX + PIIX, 1996)");
    for (unsigned i = 8; i < 0x18; ++i) CHECK(sys.area[i] == 0);

    // Type 3: chassis, type other.
    REQUIRE(by_type.count(3));
    CHECK(by_type[3].length == 0x16);
    CHECK(by_type[3].str(4) == "vmi86");
    CHECK(by_type[3].area[5] == 0x01);

    // Type 4: processor.
    REQUIRE(by_type.count(4));
    const Parsed& cpu = by_type[4];
    CHECK(cpu.length == 0x2A);
    CHECK(cpu.str(4) == "CPU 0");
    CHECK(cpu.area[5] == 0x03);
    CHECK(cpu.area[6] == 0x11); // Pentium III
    CHECK(cpu.str(7) == "GenuineIntel");
    CHECK(load_le<u32>(cpu.area + 8) == cfg.cpu_signature);
    CHECK(load_le<u32>(cpu.area + 0x0C) == cfg.cpu_features);
    CHECK(cpu.str(0x10) == "Pentium III (Katmai)");
    CHECK(cpu.area[0x18] == 0x41);
    CHECK(cpu.area[0x19] == 0x01);
    CHECK(load_le<u16>(cpu.area + 0x28) == 0x11);

    // Type 16: physical memory array of the RAM's size.
    REQUIRE(by_type.count(16));
    CHECK(by_type[16].length == 0x17);
    CHECK(load_le<u32>(by_type[16].area + 7) == 256u * 1024);
    CHECK(load_le<u16>(by_type[16].area + 0x0D) == 1);

    // Type 17: one memory device in that array, size in MiB.
    REQUIRE(by_type.count(17));
    CHECK(by_type[17].length == 0x28);
    CHECK(load_le<u16>(by_type[17].area + 4) == 0x1000);
    CHECK(load_le<u16>(by_type[17].area + 0x0C) == 256);
    CHECK(by_type[17].str(0x10) == "DIMM 0");

    // Type 19: the RAM from 0, end address inclusive, in KiB.
    REQUIRE(by_type.count(19));
    CHECK(by_type[19].length == 0x1F);
    CHECK(load_le<u32>(by_type[19].area + 4) == 0);
    CHECK(load_le<u32>(by_type[19].area + 8) == 256u * 1024 - 1);
    CHECK(load_le<u16>(by_type[19].area + 0x0C) == 0x1000);

    // Type 32: boot with no errors; type 127: end of table.
    REQUIRE(by_type.count(32));
    CHECK(by_type[32].length == 0x0B);
    CHECK(by_type[32].area[0x0A] == 0);
    REQUIRE(by_type.count(127));
    CHECK(by_type[127].length == 4);
    CHECK(by_type[127].size == 6);
}

TEST_CASE("SMBIOS: deterministic, and an empty string field is number 0") {
    SmbiosConfig cfg = sample_config();
    CHECK(build_smbios_table(0xF0000, cfg) == build_smbios_table(0xF0000, cfg));
    cfg.cpu_version.clear();
    const std::vector<u8> t = build_smbios_table(0xF0000, cfg);
    CHECK(sum8(t.data(), 0x1F) == 0);
    // Find type 4 and check its version string field is 0.
    const u8* p = t.data() + kSmbiosTableOffset;
    while (p[0] != 4) {
        const u8* q = p + p[1];
        while (q[0] || q[1]) ++q;
        p = q + 2;
    }
    CHECK(p[0x10] == 0);
}

TEST_CASE("SMBIOS: processor family from the CPUID signature") {
    CHECK(smbios_processor_family(0x0652) == 0x0D); // Pentium II (Deschutes)
    CHECK(smbios_processor_family(0x0673) == 0x11); // Pentium III (Katmai)
    CHECK(smbios_processor_family(0x0F24) == 0xB2); // Pentium 4 (Northwood)
    CHECK(smbios_processor_family(0x0543) == 0x0B); // Pentium
}
