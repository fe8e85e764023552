// PCI configuration mechanism #1 driven through the I/O ports, as Linux's pci=conf1 probe does.
#include "devices/bus/io_space.h"
#include "devices/pci/i440fx_host_bridge.h"
#include "devices/pci/pci_bus.h"
#include "devices/pci/piix3_isa_bridge.h"
#include <doctest/doctest.h>

using namespace vmi86;

namespace {

u32 address(unsigned device, unsigned function, unsigned reg) {
    return 0x80000000u | (device << 11) | (function << 8) | (reg & 0xFC);
}

u32 conf1_read(IoSpace& io, unsigned device, unsigned function, unsigned reg, unsigned size) {
    io.write(PciBus::kConfigAddressPort, 4, address(device, function, reg));
    return io.read(u16(PciBus::kConfigDataPort + (reg & 3)), size);
}

void conf1_write(IoSpace& io, unsigned device, unsigned function, unsigned reg, unsigned size,
                 u32 value) {
    io.write(PciBus::kConfigAddressPort, 4, address(device, function, reg));
    io.write(u16(PciBus::kConfigDataPort + (reg & 3)), size, value);
}

// A function with a 4 KiB memory BAR, a 32-byte I/O BAR and a 64 KiB expansion ROM.
class TestFunction : public PciDevice {
public:
    TestFunction() : PciDevice(0x1234, 0x5678, 0x020000, 0x01, 0x00) {
        define_bar(0, 0x1000, PciBarKind::Memory32);
        define_bar(1, 0x20, PciBarKind::Io);
        define_bar(2, 0x100000, PciBarKind::Memory32Prefetchable);
        define_expansion_rom(0x10000);
    }
};

struct Board {
    IoSpace io;
    PciBus bus{io};
    I440fxHostBridge host{bus};
    Piix3IsaBridge isa{bus, io};
};

} // namespace

TEST_CASE("conf1 finds the i440FX host bridge and the PIIX3 ISA bridge") {
    Board b;
    // Linux's pci_check_type1: a dword write of the enable bit reads back unchanged.
    b.io.write(0xCF8, 4, 0x80000000);
    CHECK(b.io.read(0xCF8, 4) == 0x80000000);

    CHECK(conf1_read(b.io, 0, 0, 0x00, 4) == 0x12378086);
    CHECK(conf1_read(b.io, 0, 0, 0x08, 4) == 0x06000002); // class 060000, revision 2
    CHECK(conf1_read(b.io, 0, 0, 0x0E, 1) == 0x00);
    CHECK(conf1_read(b.io, 0, 0, 0x04, 2) == 0x0006);

    CHECK(conf1_read(b.io, 1, 0, 0x00, 4) == 0x70008086);
    CHECK(conf1_read(b.io, 1, 0, 0x0A, 2) == 0x0601); // ISA bridge
    CHECK(conf1_read(b.io, 1, 0, 0x0E, 1) == 0x80);   // multi-function header
    CHECK(conf1_read(b.io, 1, 0, 0x02, 2) == 0x7000); // word at offset 2 via port 0xCFE
    CHECK(conf1_read(b.io, 1, 0, 0x03, 1) == 0x70);   // byte via port 0xCFF
    CHECK(conf1_read(b.io, 1, 0, 0x4C, 1) == 0x4D);   // IORT reset value
    CHECK(conf1_read(b.io, 1, 0, 0x69, 1) == 0x02);   // TOM reset value
}

TEST_CASE("absent functions and disabled cycles read all-ones") {
    Board b;
    CHECK(conf1_read(b.io, 5, 0, 0x00, 4) == 0xFFFFFFFF);
    CHECK(conf1_read(b.io, 0, 1, 0x00, 2) == 0xFFFF);
    CHECK(conf1_read(b.io, 1, 1, 0x00, 1) == 0xFF);
    // Bus 1 does not exist.
    b.io.write(0xCF8, 4, 0x80010000);
    CHECK(b.io.read(0xCFC, 4) == 0xFFFFFFFF);
    // Enable bit clear: the data window is not a configuration cycle.
    b.io.write(0xCF8, 4, 0x00000000);
    CHECK(b.io.read(0xCFC, 4) == 0xFFFFFFFF);
    b.io.write(0xCFC, 4, 0); // dropped, must not reach 00:00.0
    CHECK(conf1_read(b.io, 0, 0, 0x00, 4) == 0x12378086);
}

TEST_CASE("only dword accesses reach the address register") {
    Board b;
    b.io.write(0xCF8, 4, 0x80000800 | 0x7F000003); // reserved bits 30:24 and 1:0 drop
    CHECK(b.io.read(0xCF8, 4) == 0x80000800);
    b.io.write(0xCFB, 1, 0x00); // conf2 probe byte writes leave the register alone
    b.io.write(0xCF8, 1, 0x00);
    CHECK(b.io.read(0xCF8, 4) == 0x80000800);
    CHECK(b.io.read(0xCF8, 1) == 0xFF); // so Linux's conf2 check fails
}

TEST_CASE("BAR sizing: all-ones reads back the size mask and the kind flags") {
    Board b;
    TestFunction f;
    b.bus.attach(3, 0, f);
    CHECK(conf1_read(b.io, 3, 0, 0x00, 4) == 0x56781234);

    conf1_write(b.io, 3, 0, 0x10, 4, 0xFFFFFFFF);
    CHECK(conf1_read(b.io, 3, 0, 0x10, 4) == 0xFFFFF000);
    conf1_write(b.io, 3, 0, 0x14, 4, 0xFFFFFFFF);
    CHECK(conf1_read(b.io, 3, 0, 0x14, 4) == 0xFFFFFFE1);
    conf1_write(b.io, 3, 0, 0x18, 4, 0xFFFFFFFF);
    CHECK(conf1_read(b.io, 3, 0, 0x18, 4) == 0xFFF00008);
    conf1_write(b.io, 3, 0, 0x1C, 4, 0xFFFFFFFF); // unimplemented BAR stays zero
    CHECK(conf1_read(b.io, 3, 0, 0x1C, 4) == 0);
    conf1_write(b.io, 3, 0, 0x30, 4, 0xFFFFFFFF);
    CHECK(conf1_read(b.io, 3, 0, 0x30, 4) == 0xFFFF0001);

    conf1_write(b.io, 3, 0, 0x10, 4, 0xFEBF1234);
    CHECK(conf1_read(b.io, 3, 0, 0x10, 4) == 0xFEBF1000);
    CHECK(f.bar_address(0) == 0xFEBF1000);
    conf1_write(b.io, 3, 0, 0x14, 4, 0xC000);
    CHECK(f.bar_address(1) == 0xC000);

    // Identity registers are read-only; the command register keeps only its writable bits.
    conf1_write(b.io, 3, 0, 0x00, 4, 0);
    CHECK(conf1_read(b.io, 3, 0, 0x00, 4) == 0x56781234);
    conf1_write(b.io, 3, 0, 0x04, 2, 0xFFFF);
    CHECK(f.command() == 0x0547);
    // Interrupt line is a byte of scratch for firmware.
    conf1_write(b.io, 3, 0, 0x3C, 1, 11);
    CHECK(conf1_read(b.io, 3, 0, 0x3C, 1) == 11);
}

TEST_CASE("PIIX3 PIRQ routing registers") {
    Board b;
    int changes = 0;
    b.isa.on_pirq_route_changed = [&] { ++changes; };
    CHECK(conf1_read(b.io, 1, 0, 0x60, 4) == 0x80808080);
    CHECK_FALSE(b.isa.pirq_route(0).has_value());
    conf1_write(b.io, 1, 0, 0x61, 1, 0x0B); // PIRQB -> IRQ11
    CHECK(changes == 1);
    CHECK(b.isa.pirq_route(1) == std::optional<u8>(11));
    conf1_write(b.io, 1, 0, 0x62, 1, 0x7D); // reserved bits 6:4 drop; IRQ13 is not routable
    CHECK(conf1_read(b.io, 1, 0, 0x62, 1) == 0x0D);
    CHECK_FALSE(b.isa.pirq_route(2).has_value());
}

TEST_CASE("i440FX PAM registers and SMRAM lock") {
    Board b;
    int changes = 0;
    b.host.on_pam_changed = [&] { ++changes; };
    CHECK_FALSE(b.host.pam_region(0).read_dram);
    conf1_write(b.io, 0, 0, 0x59, 1, 0xFF); // PAM0: only the high nibble exists
    CHECK(conf1_read(b.io, 0, 0, 0x59, 1) == 0x30);
    CHECK(changes == 1);
    auto bios = b.host.pam_region(0);
    CHECK(bios.base == 0xF0000);
    CHECK(bios.size == 0x10000);
    CHECK(bios.read_dram);
    CHECK(bios.write_dram);
    conf1_write(b.io, 0, 0, 0x5A, 1, 0x12); // C0000 write-only, C4000 read-only
    auto c0 = b.host.pam_region(1), c4 = b.host.pam_region(2);
    CHECK(c0.base == 0xC0000);
    CHECK((!c0.read_dram && c0.write_dram));
    CHECK(c4.base == 0xC4000);
    CHECK((c4.read_dram && !c4.write_dram));
    CHECK(b.host.pam_region(12).base == 0xEC000);

    CHECK(b.host.smram() == 0x02);
    conf1_write(b.io, 0, 0, 0x72, 1, 0x4A); // D_OPEN | G_SMRAME
    CHECK(b.host.smram() == 0x4A);
    conf1_write(b.io, 0, 0, 0x72, 1, 0x5A); // D_LCK closes and freezes it
    CHECK(b.host.smram() == 0x1A);
    conf1_write(b.io, 0, 0, 0x72, 1, 0x42);
    CHECK(b.host.smram() == 0x1A);
}

TEST_CASE("PIIX3 reset control register at 0xCF9") {
    Board b;
    int resets = 0;
    bool hard = false;
    b.isa.request_reset = [&](bool h) {
        ++resets;
        hard = h;
    };
    b.io.write(0xCF9, 1, 0x02); // select hard reset, no reset yet
    CHECK(resets == 0);
    CHECK(b.io.read(0xCF9, 1) == 0x02);
    b.io.write(0xCF9, 1, 0x06);
    CHECK(resets == 1);
    CHECK(hard);
    // A dword at 0xCF8 still reaches the PCI address register.
    b.io.write(0xCF8, 4, 0x80000000);
    CHECK(b.io.read(0xCF8, 4) == 0x80000000);
}
