#include "machine/smbios_table.h"
#include "common/bits.h"
#include <algorithm>
#include <cstring>

namespace vmi86 {

namespace {

constexpr u8 kMajor = 2, kMinor = 8;
constexpr unsigned kIntermediateOffset = 0x10, kIntermediateSize = 0x0F;

// One structure: its formatted area (type, length, handle, then fields at the spec's offsets)
// and the strings its fields number from 1.
class Structure {
public:
    Structure(SmbiosType type, u8 length) : area_(length, 0) {
        area_[0] = u8(type);
        area_[1] = length;
        put16(2, smbios_handle(type));
    }
    void put8(unsigned off, u8 v) { area_[off] = v; }
    void put16(unsigned off, u16 v) { store_le<u16>(&area_[off], v); }
    void put32(unsigned off, u32 v) { store_le<u32>(&area_[off], v); }
    void put64(unsigned off, u64 v) { store_le<u64>(&area_[off], v); }
    // A string field: its number, or 0 (no string) for an empty one, which the spec forbids.
    void str(unsigned off, const std::string& s) {
        if (s.empty()) return;
        strings_.push_back(s);
        area_[off] = u8(strings_.size());
    }
    // Appends the structure: formatted area, each string NUL-terminated, then one more NUL (two
    // NULs when there are no strings). Returns its size.
    size_t emit(std::vector<u8>& out) const {
        const size_t start = out.size();
        out.insert(out.end(), area_.begin(), area_.end());
        for (const std::string& s : strings_) {
            out.insert(out.end(), s.begin(), s.end());
            out.push_back(0);
        }
        if (strings_.empty()) out.push_back(0);
        out.push_back(0);
        return out.size() - start;
    }

private:
    std::vector<u8> area_;
    std::vector<std::string> strings_;
};

} // namespace

u8 smbios_processor_family(u32 sig) {
    const unsigned family = (sig >> 8) & 0xF, model = (sig >> 4) & 0xF;
    switch (family) {
    case 3: return 0x05; // Intel386
    case 4: return 0x06; // Intel486
    case 5: return 0x0B; // Pentium
    case 6:
        if (model == 1) return 0x0C;                // Pentium Pro
        if (model >= 3 && model <= 6) return 0x0D;  // Pentium II (and Celeron)
        if (model >= 7 && model <= 11) return 0x11; // Pentium III
        return 0x01;                                // other
    case 15: return 0xB2;                           // Pentium 4
    default: return 0x01;
    }
}

std::vector<u8> build_smbios_table(u32 base, const SmbiosConfig& c) {
    const u32 ram_kib = u32(c.ram_bytes >> 10);
    std::vector<Structure> table;
    table.reserve(9); // the references below stay valid

    // BIOS information (7.1): no BIOS runs, but the maps reserve the BIOS area as if one did.
    Structure& bios = table.emplace_back(SmbiosType::Bios, 0x18);
    bios.str(4, "vmi86");
    bios.str(5, "1.0");
    bios.put16(6, 0xE800); // starting segment, as SeaBIOS reports
    bios.str(8, "01/01/2026");
    bios.put8(9, 0);           // ROM size: 64 KiB, the reserved 0xF0000 area
    bios.put64(0x0A, 1u << 3); // "BIOS characteristics not supported", as SeaBIOS
    bios.put8(0x13, 1u << 4);  // extension byte 2: the tables describe a virtual machine
    bios.put8(0x14, 0xFF);     // system BIOS release: not given
    bios.put8(0x15, 0xFF);
    bios.put8(0x16, 0xFF); // no embedded controller
    bios.put8(0x17, 0xFF);

    // System information (7.2). A zero UUID means "none" and keeps runs deterministic.
    Structure& sys = table.emplace_back(SmbiosType::System, 0x1B);
    sys.str(4, "vmi86");
    sys.str(5, "Standard PC (i440FX + PIIX, 1996)");
    sys.put8(0x18, 0x06); // wake-up type: power switch

    // System enclosure (7.4): type other, every state "safe", security status unknown.
    Structure& chassis = table.emplace_back(SmbiosType::Chassis, 0x16);
    chassis.str(4, "vmi86");
    chassis.put8(5, 0x01);
    chassis.put8(9, 0x03);
    chassis.put8(0x0A, 0x03);
    chassis.put8(0x0B, 0x03);
    chassis.put8(0x0C, 0x02);

    // Processor information (7.5): the one CPU, as CPUID describes it.
    Structure& cpu = table.emplace_back(SmbiosType::Processor, 0x2A);
    const u8 family = smbios_processor_family(c.cpu_signature);
    cpu.str(4, "CPU 0");
    cpu.put8(5, 0x03); // central processor
    cpu.put8(6, family);
    cpu.str(7, c.cpu_vendor);
    cpu.put32(8, c.cpu_signature);
    cpu.put32(0x0C, c.cpu_features);
    cpu.str(0x10, c.cpu_version);
    cpu.put8(0x18, 0x41);    // socket populated, CPU enabled
    cpu.put8(0x19, 0x01);    // upgrade: other
    cpu.put16(0x1A, 0xFFFF); // no cache information structures
    cpu.put16(0x1C, 0xFFFF);
    cpu.put16(0x1E, 0xFFFF);
    cpu.put8(0x23, 1); // cores, enabled cores, threads
    cpu.put8(0x24, 1);
    cpu.put8(0x25, 1);
    cpu.put16(0x26, 0x02); // characteristics: unknown
    cpu.put16(0x28, family);

    // Physical memory array (7.17): system memory on the board, no ECC, one device.
    Structure& array = table.emplace_back(SmbiosType::MemoryArray, 0x17);
    array.put8(4, 0x03);
    array.put8(5, 0x03);
    array.put8(6, 0x03);
    array.put32(7, ram_kib);
    array.put16(0x0B, 0xFFFE); // no memory error information
    array.put16(0x0D, 1);

    // Memory device (7.18): all the RAM as one DIMM.
    Structure& dimm = table.emplace_back(SmbiosType::MemoryDevice, 0x28);
    dimm.put16(4, smbios_handle(SmbiosType::MemoryArray));
    dimm.put16(6, 0xFFFE);
    dimm.put16(8, 0xFFFF); // total and data width unknown
    dimm.put16(0x0A, 0xFFFF);
    dimm.put16(0x0C, u16(c.ram_bytes >> 20)); // MiB; at most 3584 fits below 0x7FFF
    dimm.put8(0x0E, 0x09);                    // DIMM
    dimm.str(0x10, "DIMM 0");
    dimm.put8(0x12, 0x07);    // RAM
    dimm.put16(0x13, 0x0002); // type detail: other

    // Memory array mapped address (7.20): the RAM from physical 0, in KiB, end inclusive.
    Structure& mapped = table.emplace_back(SmbiosType::MemoryArrayMappedAddress, 0x1F);
    mapped.put32(4, 0);
    mapped.put32(8, ram_kib - 1);
    mapped.put16(0x0C, smbios_handle(SmbiosType::MemoryArray));
    mapped.put8(0x0E, 1);

    // System boot information (7.33): no errors detected.
    table.emplace_back(SmbiosType::SystemBoot, 0x0B);
    table.emplace_back(SmbiosType::EndOfTable, 4);

    std::vector<u8> out(kSmbiosTableOffset, 0);
    size_t max_size = 0;
    for (const Structure& s : table) max_size = std::max(max_size, s.emit(out));
    const u16 table_length = u16(out.size() - kSmbiosTableOffset);

    u8* e = out.data();
    std::memcpy(e, "_SM_", 4);
    e[5] = kSmbiosEntryPointSize;
    e[6] = kMajor;
    e[7] = kMinor;
    store_le<u16>(e + 8, u16(max_size));
    e[0x0A] = 0; // entry point revision 0: the formatted area (0x0B-0x0F) is reserved
    std::memcpy(e + 0x10, "_DMI_", 5);
    store_le<u16>(e + 0x16, table_length);
    store_le<u32>(e + 0x18, base + kSmbiosTableOffset);
    store_le<u16>(e + 0x1C, u16(table.size()));
    e[0x1E] = (kMajor << 4) | kMinor; // BCD revision
    e[0x15] = zero_sum_byte(e + kIntermediateOffset, kIntermediateSize);
    e[4] = zero_sum_byte(e, kSmbiosEntryPointSize);
    return out;
}

} // namespace vmi86
