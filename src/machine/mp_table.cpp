#include "machine/mp_table.h"
#include "common/bits.h"
#include <cstring>

namespace vmi86 {

namespace {

constexpr u8 kSpecRev = 4; // MP spec 1.4
constexpr unsigned kFloatingSize = 16, kHeaderSize = 44;

// Interrupt types (MP spec 1.4 Table 4-10) and flags: 0 = polarity/trigger conform to the bus.
constexpr u8 kIntInt = 0, kIntNmi = 1, kIntExtInt = 3;
constexpr u16 kIntConforming = 0;

class Writer {
public:
    explicit Writer(std::vector<u8>& out) : out_(out) {}
    void put8(u8 v) { out_.push_back(v); }
    void put16(u16 v) { bytes(&v, 2); }
    void put32(u32 v) { bytes(&v, 4); }
    // Fixed-width, space-padded ASCII fields (OEM ID, product ID, bus type).
    void text(const char* s, size_t width) {
        size_t n = std::strlen(s);
        for (size_t i = 0; i < width; ++i) out_.push_back(i < n ? u8(s[i]) : u8(' '));
    }
    void zeros(size_t n) { out_.insert(out_.end(), n, 0); }

private:
    void bytes(const void* p, size_t n) {
        u8 b[4];
        std::memcpy(b, p, n); // little-endian host, as store_le assumes too
        out_.insert(out_.end(), b, b + n);
    }
    std::vector<u8>& out_;
};

} // namespace

std::vector<u8> build_mp_table(u32 base, const MpTableConfig& c) {
    std::vector<u8> out(kFloatingSize + kHeaderSize, 0);
    Writer w(out);
    u16 entries = 0;

    // Processor: enabled, the bootstrap processor.
    w.put8(u8(MpEntry::Processor));
    w.put8(c.local_apic_id);
    w.put8(c.local_apic_version);
    w.put8(0x03);
    w.put32(c.cpu_signature);
    w.put32(c.cpu_features);
    w.zeros(8);
    ++entries;

    // Buses. PCI bus 0 has no interrupt entries: none of the board's PCI functions (host bridge,
    // ISA bridge) uses an interrupt pin.
    for (auto [id, type] : {std::pair<u8, const char*>{kMpPciBusId, "PCI"}, {kMpIsaBusId, "ISA"}}) {
        w.put8(u8(MpEntry::Bus));
        w.put8(id);
        w.text(type, 6);
        ++entries;
    }

    // The I/O APIC, enabled.
    w.put8(u8(MpEntry::IoApic));
    w.put8(c.io_apic_id);
    w.put8(c.io_apic_version);
    w.put8(0x01);
    w.put32(c.io_apic_address);
    ++entries;

    // ISA IRQs as the board wires them: IRQ n to pin n, IRQ0 to pin 2 (the interrupt source
    // override), so IRQ2 (the cascade) has no entry.
    for (u8 irq = 0; irq < 16; ++irq) {
        if (irq == 2) continue;
        w.put8(u8(MpEntry::IoInterrupt));
        w.put8(kIntInt);
        w.put16(kIntConforming);
        w.put8(kMpIsaBusId);
        w.put8(irq);
        w.put8(c.io_apic_id);
        w.put8(irq == 0 ? 2 : irq);
        ++entries;
    }

    // The 8259A's INTR on LINT0 (ExtINT) and NMI on LINT1 of every local APIC (ID 0xFF).
    for (auto [type, lint] : {std::pair<u8, u8>{kIntExtInt, 0}, {kIntNmi, 1}}) {
        w.put8(u8(MpEntry::LocalInterrupt));
        w.put8(type);
        w.put16(kIntConforming);
        w.put8(kMpIsaBusId);
        w.put8(0);
        w.put8(0xFF);
        w.put8(lint);
        ++entries;
    }

    // Configuration table header.
    u8* h = out.data() + kFloatingSize;
    const u16 length = u16(out.size() - kFloatingSize);
    std::memcpy(h, "PCMP", 4);
    store_le<u16>(h + 4, length);
    h[6] = kSpecRev;
    std::memcpy(h + 8, "VMI86   ", 8);       // OEM ID, space padded
    std::memcpy(h + 16, "PC          ", 12); // product ID, space padded
    store_le<u32>(h + 28, 0);                // no OEM table
    store_le<u16>(h + 32, 0);
    store_le<u16>(h + 34, entries);
    store_le<u32>(h + 36, c.local_apic_address);
    store_le<u16>(h + 40, 0); // no extended entries
    h[42] = 0;
    h[7] = zero_sum_byte(h, length);

    // Floating pointer: one 16-byte paragraph; feature byte 1 = 0 (the table above is present),
    // feature byte 2 bit 7 (IMCR) = 0: the board is in virtual wire mode from reset.
    u8* f = out.data();
    std::memcpy(f, "_MP_", 4);
    store_le<u32>(f + 4, base + kFloatingSize);
    f[8] = 1;
    f[9] = kSpecRev;
    f[11] = 0;
    f[12] = 0;
    f[10] = zero_sum_byte(f, kFloatingSize);
    return out;
}

} // namespace vmi86
