#include "devices/pci/i440fx_host_bridge.h"

namespace vmi86 {

namespace {
constexpr u32 kClassHostBridge = 0x060000;
constexpr u8 kSmramDOpen = 0x40;
constexpr u8 kSmramDCls = 0x20;
constexpr u8 kSmramDLck = 0x10;
constexpr u8 kSmramGSmrame = 0x08;
constexpr u8 kSmramBaseSegA = 0x02; // C_BASE_SEG, hardwired: SMRAM at 0xA0000
} // namespace

I440fxHostBridge::I440fxHostBridge(PciBus& bus)
    : PciDevice(kVendorIntel, kDeviceId, kClassHostBridge, 0x02, 0x00) {
    using namespace pci_config;
    // PCICMD: memory access and bus master are hardwired on; only parity and SERR respond.
    set_word(kCommand, 0x0006);
    set_writable(kCommand, 2, 0x0140);
    set_word(kStatus, 0x0280); // fast back-to-back capable, medium DEVSEL
    set_writable(kCacheLineSize, 1, 0x00);
    set_writable(kLatencyTimer, 1, 0xF8);
    set_writable(kInterruptLine, 1, 0x00);

    // Memory controller registers: configuration, DRAM control/timing, error reporting.
    // PMCCFG, DETURBO, DBC, AXC, DRAMR, DRAMC, DRAMT at 0x50-0x58: stored only.
    for (u8 r = 0x50; r < kPam0; ++r) set_writable(r, 1, 0xFF);
    set_writable(kPam0, 1, 0x30); // PAM0 has only the 0xF0000 segment (high nibble)
    for (u8 r = kPam0 + 1; r <= kPam0 + 6; ++r) set_writable(r, 1, 0x33);
    for (u8 r = 0x60; r <= 0x67; ++r) { // DRB0-7: DRAM row boundaries, 8 MiB units
        set_byte(r, 0x01);
        set_writable(r, 1, 0xFF);
    }
    set_writable(0x68, 1, 0xC0); // FDHC: fixed DRAM hole control
    set_byte(0x70, 0x20);        // MTT: multi-transaction timer
    set_writable(0x70, 1, 0xF8);
    set_byte(0x71, 0x10); // CLT: CPU latency timer
    set_writable(0x71, 1, 0xFF);
    set_byte(kSmram, kSmramBaseSegA);
    set_writable(kSmram, 1, kSmramDOpen | kSmramDCls | kSmramDLck | kSmramGSmrame);
    set_writable(0x90, 1, 0xFF);           // ERRCMD
    set_write_one_to_clear(0x91, 1, 0xFF); // ERRSTS
    set_writable(0x93, 1, 0x06);           // TRC: turbo reset control (stored only)
    bus.attach(0, 0, *this);
}

I440fxHostBridge::PamRegion I440fxHostBridge::pam_region(unsigned index) const {
    if (index == 0) {
        u8 bits = config_byte(kPam0) >> 4;
        return {0xF0000, 0x10000, bool(bits & 1), bool(bits & 2)};
    }
    unsigned segment = index - 1; // 0..11, two per PAM register
    u8 reg = config_byte(u8(kPam0 + 1 + segment / 2));
    u8 bits = (segment & 1) ? reg >> 4 : reg & 0xF;
    return {0xC0000 + segment * 0x4000, 0x4000, bool(bits & 1), bool(bits & 2)};
}

void I440fxHostBridge::config_written(u8 offset, unsigned size) {
    unsigned end = offset + size;
    if (offset <= kSmram && end > kSmram && (config_byte(kSmram) & kSmramDLck)) {
        // D_LCK closes SMRAM and freezes the register until reset (D_CLS stays usable).
        set_byte(kSmram, u8(config_byte(kSmram) & ~kSmramDOpen));
        set_writable(kSmram, 1, kSmramDCls);
    }
    if (offset < kPam0 + 7 && end > kPam0 && on_pam_changed) on_pam_changed();
}

} // namespace vmi86
