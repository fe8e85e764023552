// The VMI ROM: the generated image, the detector's checks (every one Linux makes, and placement),
// a guest falling back to its native code when the ROM is rejected, and a foreign ROM whose entry
// map is learnt from its own GetRelocationInfo.
#include "common/bits.h"
#include "machine/machine.h"
#include "test_machine_helpers.h"
#include "vmi/rom_detect.h"
#include "vmi/rom_image.h"
#include <cstdio>
#include <doctest/doctest.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace vmi86;
using namespace vmi86::vmi;

namespace {

u8 sum8(const std::vector<u8>& v) {
    u8 s = 0;
    for (u8 b : v) s = u8(s + b);
    return s;
}

// The detector's answer for `image` mapped at `base` in a bare machine.
std::optional<DetectedRom> detect_at(const std::vector<u8>& image, u32 base) {
    test::BareCpu m(2);
    if (base % 4096 == 0) {
        m.mem.map_rom(base, image);
    } else {
        m.mem.write_block(base, image.data(), u32(image.size())); // RAM: any alignment
    }
    return scan_for_vmi_rom(m.mem, m.log);
}

std::vector<u8> with_patch(std::vector<u8> img, u32 off, std::vector<u8> bytes) {
    std::copy(bytes.begin(), bytes.end(), img.begin() + off);
    fix_rom_checksum(img);
    return img;
}

std::string temp_path(const char* name) {
    return (std::ostringstream() << "/tmp/vmi86_test_" << ::getpid() << "_" << name).str();
}

struct GuestRun {
    int status;
    std::string output;
};

// Boots the VMI test kernel with --vmi=MODE (and a ROM file, if given); output from port 0xE9.
GuestRun run_guest(const std::string& mode, const std::vector<u8>* rom_file, u64* counts) {
    MachineConfig cfg;
    cfg.ram_mb = 64;
    cfg.kernel = VMI86_VMI_GUEST;
    cfg.vmi = mode;
    cfg.debugcon = temp_path("debugcon");
    cfg.serial = "none";
    cfg.timeout_seconds = 60;
    std::string rom_path;
    if (rom_file) {
        rom_path = temp_path("rom");
        std::ofstream(rom_path, std::ios::binary)
            .write(reinterpret_cast<const char*>(rom_file->data()), rom_file->size());
        cfg.vmi_rom = rom_path;
    }
    GuestRun r;
    {
        Machine m(cfg);
        r.status = m.run();
        if (counts && m.vmi())
            for (unsigned e = 0; e < kNumEntries; ++e) counts[e] = m.vmi()->count(e);
    }
    std::ifstream in(cfg.debugcon);
    r.output.assign(std::istreambuf_iterator<char>(in), {});
    std::remove(cfg.debugcon.c_str());
    if (!rom_path.empty()) std::remove(rom_path.c_str());
    return r;
}

bool passed(const GuestRun& r) {
    return r.status == 1 && r.output.find("\nPASS\n") != std::string::npos &&
           r.output.find("\nFAIL") == std::string::npos;
}

} // namespace

TEST_CASE("VMI ROM image: the header Linux reads, a zero checksum, one slot per call") {
    RomImage rom = build_rom_image();
    const auto& img = rom.bytes;
    REQUIRE(img.size() == kRomSize);
    CHECK(img[0] == 0x55);
    CHECK(img[1] == 0xAA);
    CHECK(img[2] == kRomSize / 512);
    CHECK(load_le<u32>(&img[8]) == kVmiSignature);
    CHECK(img[kHdrApiMajor] == 3);
    CHECK(load_le<u32>(&img[kHdrVirtualTop]) == 0);
    CHECK(std::string(reinterpret_cast<const char*>(&img[load_le<u16>(&img[kHdrLicenceOffs])])) ==
          "GPL");
    const u16 pci = load_le<u16>(&img[kHdrPciOffs]);
    CHECK(std::string(reinterpret_cast<const char*>(&img[pci]), 4) == "PCIR");
    CHECK(load_le<u16>(&img[pci + 4]) == 0x15AD);
    CHECK(load_le<u16>(&img[pci + 6]) == 0x0801);
    CHECK(std::string(reinterpret_cast<const char*>(&img[load_le<u16>(&img[kHdrPnpOffs])]), 4) ==
          "$PnP");
    CHECK(sum8(img) == 0);
    for (unsigned c = 0; c < kNumCalls; ++c) {
        if (c >= 49 && c <= 60) continue; // port I/O: no slot
        INFO("call " << c);
        CHECK(rom.slot[c] != 0);
    }
    auto d = detect_at(img, 0xC8000);
    REQUIRE(d);
    CHECK(d->phys_base == 0xC8000);
    CHECK(d->ours);
    CHECK(d->pci_id_ok);
    CHECK(d->manufacturer == "vmi86");
    CHECK(d->slot[SetCR3] == rom.slot[SetCR3]);
}

TEST_CASE("VMI detector: rejects what Linux rejects, and misplaced images") {
    const std::vector<u8> good = build_rom_image().bytes;
    const u16 lic = load_le<u16>(&good[kHdrLicenceOffs]);
    CHECK(detect_at(good, 0xD0000));
    // Every check Linux makes.
    CHECK(check_vmi_rom(with_patch(good, 8, {'c', 'V', 'm', 'X'})) == RomVerdict::NoVmiSignature);
    CHECK(check_vmi_rom(with_patch(good, 0, {0x55, 0xAB})) == RomVerdict::NoOptionRom);
    CHECK(check_vmi_rom(with_patch(good, kHdrApiMajor, {2})) == RomVerdict::BadApiMajor);
    CHECK(check_vmi_rom(with_patch(good, kHdrApiMajor, {4})) == RomVerdict::BadApiMajor);
    CHECK(check_vmi_rom(with_patch(good, kHdrLicenceOffs, {0, 0})) == RomVerdict::NoLicence);
    CHECK(check_vmi_rom(with_patch(good, lic, {'B', 'S', 'D', 0})) == RomVerdict::BadLicence);
    CHECK(check_vmi_rom(with_patch(good, lic, {'G', 'P', 'L', 'v'})) == RomVerdict::BadLicence);
    CHECK(check_vmi_rom(with_patch(good, kHdrPciOffs, {0, 0})) == RomVerdict::NoPciHeader);
    // "GPL v2" is accepted; a foreign PCI id only warns, as in Linux.
    std::vector<u8> v2 = good;
    std::copy_n("GPL v2", 7, v2.begin() + 0xE0);
    v2[kHdrLicenceOffs] = 0xE0;
    v2[kHdrLicenceOffs + 1] = 0;
    fix_rom_checksum(v2);
    CHECK(check_vmi_rom(v2) == RomVerdict::Ok);
    const u16 pci = load_le<u16>(&good[kHdrPciOffs]);
    DetectedRom info;
    CHECK(check_vmi_rom(with_patch(good, pci + 4, {0x34, 0x12}), &info) == RomVerdict::Ok);
    CHECK(!info.pci_id_ok);
    // The scan: 2 KiB steps over 0xC0000-0xDFFFF only.
    CHECK(!detect_at(with_patch(good, kHdrApiMajor, {2}), 0xC8000));
    CHECK(!detect_at(good, 0xC8400)); // not 2 KiB aligned
    CHECK(!detect_at(good, 0xE0000)); // past the scanned area
    CHECK(!detect_at(good, 0xB8000)); // below it
    CHECK(detect_at(good, 0xC8800));  // 2 KiB aligned (in RAM)
}

TEST_CASE("VMI guest: a rejected ROM leaves the guest on its native code paths") {
    const std::vector<u8> good = build_rom_image().bytes;
    const u16 lic = load_le<u16>(&good[kHdrLicenceOffs]);
    const std::vector<std::vector<u8>> bad = {
        with_patch(good, 8, {0, 0, 0, 0}),         // signature
        with_patch(good, kHdrApiMajor, {2}),       // API major
        with_patch(good, kHdrLicenceOffs, {0, 0}), // no licence
        with_patch(good, lic, {'M', 'I', 'T', 0}), // wrong licence
        with_patch(good, kHdrPciOffs, {0, 0}),     // no PCI data structure
    };
    for (size_t i = 0; i < bad.size(); ++i) {
        INFO("bad ROM " << i);
        u64 counts[kNumEntries] = {};
        GuestRun r = run_guest("fast", &bad[i], counts);
        CHECK(passed(r));
        CHECK(r.output.find("vmi: no ROM\n") != std::string::npos);
        CHECK(r.output.find("vmi: native\n") != std::string::npos);
        u64 total = 0;
        for (u64 n : counts) total += n;
        CHECK(total == 0);
    }
}

TEST_CASE("VMI guest: fast path counts the calls; a foreign ROM's entries are learnt") {
    u64 counts[kNumEntries] = {};
    GuestRun ours = run_guest("fast", nullptr, counts);
    CHECK(passed(ours));
    CHECK(counts[kInit] == 1);
    CHECK(counts[kGetRelocationInfo] == kNumCalls);
    CHECK(counts[SetCR3] >= 1);
    CHECK(counts[IRET] >= 3);
    // Without vmi86's directory the ROM is foreign: its Init runs as code, GetRelocationInfo
    // is answered by its own code in the sandbox, and the entries it names run natively.
    std::vector<u8> foreign = build_rom_image().bytes;
    std::fill_n(foreign.begin() + kDirectoryOffset, 8, 'x');
    fix_rom_checksum(foreign);
    u64 fcounts[kNumEntries] = {};
    GuestRun r = run_guest("fast", &foreign, fcounts);
    CHECK(passed(r));
    CHECK(r.output.find("vmi: active") != std::string::npos);
    CHECK(fcounts[kInit] == 0);
    CHECK(fcounts[kGetRelocationInfo] == kNumCalls);
    CHECK(fcounts[SetCR3] == counts[SetCR3]);
    CHECK(fcounts[IRET] >= 3);
    CHECK(fcounts[GetCycleFrequency] == 0); // the ROM's own answer for the timer is NONE
}

TEST_CASE("VMI call names follow the API 3 numbers (--stats prints them)") {
    CHECK(std::string(call_name(SetLinearMapping)) == "SetLinearMapping");
    CHECK(call_name(49) == nullptr); // unassigned
    CHECK(std::string(call_name(58)) == "INSL");
    CHECK(std::string(call_name(SetIOPLMask)) == "SetIOPLMask");
    CHECK(std::string(call_name(SetLazyMode)) == "SetLazyMode");
    CHECK(std::string(call_name(kInit)) == "Init");
    CHECK(std::string(call_name(kGetRelocationInfo)) == "GetRelocationInfo");
}
