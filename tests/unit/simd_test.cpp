// MMX/SSE state in the CPU: MMX registers aliased on the x87 registers, EMMS, the availability
// rules (#UD without the extension, CR0.EM or CR4.OSFXSR; #NM with CR0.TS; #MF for a pending x87
// exception), 16-byte alignment, the CPU models, LDMXCSR, FXSAVE/FXRSTOR of XMM and the decoder's
// mandatory prefixes. The instructions' results are checked against the host by diff.native.
#include "cpu/decode/decoder.h"
#include "cpu/decode/opcode_tables.h"
#include "test_machine_helpers.h"
#include <cstring>
#include <doctest/doctest.h>
#include <string>

using namespace vmi86;
using vmi86::test::BareCpu;

namespace {

// Runs one instruction's handler directly; returns the vector it raised, or -1.
int execute(Cpu& cpu, std::vector<u8> bytes) {
    DecodedInsn d;
    bytes.resize(16);
    REQUIRE(decode(bytes.data(), 16, true, d) == DecodeStatus::Ok);
    try {
        d.handler(cpu, d);
    } catch (const GuestFault& f) {
        return f.vector;
    }
    return -1;
}

std::string mnemonic(std::vector<u8> bytes) {
    DecodedInsn d;
    bytes.resize(16);
    if (decode(bytes.data(), 16, true, d) != DecodeStatus::Ok) return "(bad)";
    return opcode_info(d.info).mnemonic;
}

// A CPU in flat 32-bit protected mode with SSE enabled by the OS (CR4.OSFXSR).
struct SseCpu : BareCpu {
    explicit SseCpu(const char* model = "pentium4") {
        cpu.model = *find_cpu_model(model);
        flat32(0x1000);
        cpu.s.cr4 = CR4_OSFXSR;
    }
    void poke64(u32 addr, u64 v) { std::memcpy(mem.ram() + addr, &v, 8); }
    u64 peek64(u32 addr) {
        u64 v;
        std::memcpy(&v, mem.ram() + addr, 8);
        return v;
    }
};

std::vector<u8> with_disp(std::vector<u8> insn, u32 addr) {
    for (int i = 0; i < 4; ++i) insn.push_back(u8(addr >> (8 * i)));
    return insn;
}

} // namespace

TEST_CASE("MMX: MMn is the physical x87 register n, and MMX instructions enter MMX state") {
    SseCpu m;
    m.cpu.s.fpu.sw = 5u << 11; // TOP = 5: ST(0) is R5
    m.cpu.s.fpu.tags = 0x20;
    m.poke64(0x2000, 0x1122334455667788ull);
    REQUIRE(execute(m.cpu, with_disp({0x0F, 0x6F, 0x1D}, 0x2000)) == -1); // movq mm3, [0x2000]
    CHECK(m.cpu.s.fpu.r[3].mant == 0x1122334455667788ull);
    CHECK(m.cpu.s.fpu.r[3].sign_exp == 0xFFFF);
    CHECK(((m.cpu.s.fpu.sw >> 11) & 7) == 0); // TOP = 0
    CHECK(m.cpu.s.fpu.tags == 0xFF);          // every register valid
    // paddb mm3, mm3 then movd eax, mm3
    REQUIRE(execute(m.cpu, {0x0F, 0xFC, 0xDB}) == -1);
    REQUIRE(execute(m.cpu, {0x0F, 0x7E, 0xD8}) == -1);
    CHECK(m.cpu.s.fpu.r[3].mant == 0x22446688AACCEE10ull);
    CHECK(m.cpu.s.gpr[EAX].r32 == 0xAACCEE10u);
}

TEST_CASE("MMX: an instruction that faults on its memory operand leaves the x87 state alone") {
    SseCpu m;
    // DS limited to 4 KiB: [0x2000] is outside.
    Cpu::set_cache_from_descriptor(m.cpu.s.seg[DS], 0x10, 0x0040930000000FFFull);
    m.cpu.s.fpu.sw = 5u << 11;
    m.cpu.s.fpu.tags = 0x20;
    CHECK(execute(m.cpu, with_disp({0x0F, 0xFC, 0x05}, 0x2000)) == kGP); // paddb mm0, [0x2000]
    CHECK(execute(m.cpu, with_disp({0x0F, 0x7F, 0x05}, 0x2000)) == kGP); // movq [0x2000], mm0
    CHECK(((m.cpu.s.fpu.sw >> 11) & 7) == 5);
    CHECK(m.cpu.s.fpu.tags == 0x20);
    CHECK(execute(m.cpu, with_disp({0x0F, 0x7F, 0x05}, 0x100)) == -1); // movq [0x100], mm0
    CHECK(((m.cpu.s.fpu.sw >> 11) & 7) == 0);
    CHECK(m.cpu.s.fpu.tags == 0xFF);
}

TEST_CASE("MMX: EMMS empties the tags and sets TOP to 0") {
    SseCpu m;
    REQUIRE(execute(m.cpu, {0x0F, 0xEF, 0xC0}) == -1); // pxor mm0, mm0
    m.cpu.s.fpu.sw = 3u << 11;
    REQUIRE(execute(m.cpu, {0x0F, 0x77}) == -1); // emms
    CHECK(m.cpu.s.fpu.tags == 0);
    CHECK(((m.cpu.s.fpu.sw >> 11) & 7) == 0);
}

TEST_CASE("MMX: #UD with CR0.EM, #NM with CR0.TS, #MF for a pending x87 exception") {
    SseCpu m;
    m.cpu.s.cr0 |= CR0_EM;
    CHECK(execute(m.cpu, {0x0F, 0xFC, 0xC1}) == kUD);
    CHECK(execute(m.cpu, {0x0F, 0x77}) == kUD);
    m.cpu.s.cr0 = (m.cpu.s.cr0 & ~CR0_EM) | CR0_TS;
    CHECK(execute(m.cpu, {0x0F, 0xFC, 0xC1}) == kNM);
    m.cpu.s.cr0 = (m.cpu.s.cr0 & ~CR0_TS) | CR0_NE;
    m.cpu.s.fpu.sw = 0x8081; // IE, ES, B: an unmasked invalid operation is pending
    m.cpu.s.fpu.cw = 0x037E;
    CHECK(execute(m.cpu, {0x0F, 0xFC, 0xC1}) == kMF);
    CHECK(execute(m.cpu, {0x0F, 0x77}) == kMF);
}

TEST_CASE("SSE: #UD without CR4.OSFXSR or with CR0.EM, #NM with CR0.TS") {
    SseCpu m;
    const std::vector<u8> paddb_xmm = {0x66, 0x0F, 0xFC, 0xC1}, andps = {0x0F, 0x54, 0xC1};
    CHECK(execute(m.cpu, paddb_xmm) == -1);
    m.cpu.s.cr4 = 0;
    CHECK(execute(m.cpu, paddb_xmm) == kUD);
    CHECK(execute(m.cpu, andps) == kUD);
    CHECK(execute(m.cpu, {0x0F, 0xFC, 0xC1}) == -1); // MMX needs no OSFXSR
    m.cpu.s.cr4 = CR4_OSFXSR;
    m.cpu.s.cr0 |= CR0_EM | CR0_TS;
    CHECK(execute(m.cpu, andps) == kUD); // #UD comes before #NM
    m.cpu.s.cr0 &= ~CR0_EM;
    CHECK(execute(m.cpu, andps) == kNM);
    CHECK(execute(m.cpu, with_disp({0x0F, 0xAE, 0x15}, 0x2000)) == kNM); // ldmxcsr
}

TEST_CASE("SSE: 128-bit memory operands of the aligned forms must be 16-byte aligned") {
    SseCpu m;
    for (u32 i = 0; i < 32; ++i) m.mem.ram()[0x2000 + i] = u8(i);
    CHECK(execute(m.cpu, with_disp({0x0F, 0x28, 0x05}, 0x2008)) == kGP);       // movaps
    CHECK(execute(m.cpu, with_disp({0x66, 0x0F, 0xFC, 0x05}, 0x2004)) == kGP); // paddb
    CHECK(execute(m.cpu, with_disp({0x66, 0x0F, 0xE7, 0x05}, 0x2001)) == kGP); // movntdq
    REQUIRE(execute(m.cpu, with_disp({0x0F, 0x10, 0x05}, 0x2008)) == -1);      // movups
    CHECK(m.cpu.s.xmm[0].q[0] == 0x0F0E0D0C0B0A0908ull);
    CHECK(m.cpu.s.xmm[0].q[1] == 0x1716151413121110ull);
    // 64-bit operands have no alignment rule: movlps xmm0, [0x2001]
    REQUIRE(execute(m.cpu, with_disp({0x0F, 0x12, 0x05}, 0x2001)) == -1);
    CHECK(m.cpu.s.xmm[0].q[0] == 0x0807060504030201ull);
    CHECK(m.cpu.s.xmm[0].q[1] == 0x1716151413121110ull);
}

TEST_CASE("CPU models: extensions, CPUID and CR4") {
    SUBCASE("pentium2: MMX, no SSE") {
        SseCpu m("pentium2");
        CHECK(execute(m.cpu, {0x0F, 0xFC, 0xC1}) == -1);  // paddb mm0, mm1
        CHECK(execute(m.cpu, {0x0F, 0x54, 0xC1}) == kUD); // andps
        CHECK(execute(m.cpu, {0x0F, 0xE0, 0xC1}) == kUD); // pavgb mm (SSE)
        CHECK(execute(m.cpu, {0x0F, 0xAE, 0xF8}) == kUD); // sfence
        CHECK_THROWS(m.cpu.write_cr4(CR4_OSFXSR | CR4_OSXMMEXCPT));
        u32 a, b, c, d;
        m.cpu.cpuid(1, a, b, c, d);
        CHECK(a == 0x0652);
        CHECK((d & (kCpuidMmx | kCpuidFxsr | kCpuidSse | kCpuidSse2)) == (kCpuidMmx | kCpuidFxsr));
    }
    SUBCASE("pentium3: SSE, no SSE2") {
        SseCpu m("pentium3");
        CHECK(execute(m.cpu, {0x0F, 0x54, 0xC1}) == -1);                     // andps
        CHECK(execute(m.cpu, {0x0F, 0xE0, 0xC1}) == -1);                     // pavgb mm
        CHECK(execute(m.cpu, {0x66, 0x0F, 0xFC, 0xC1}) == kUD);              // paddb xmm (SSE2)
        CHECK(execute(m.cpu, {0x0F, 0xD4, 0xC1}) == kUD);                    // paddq mm (SSE2)
        CHECK(execute(m.cpu, {0x0F, 0xAE, 0xE8}) == kUD);                    // lfence
        CHECK(execute(m.cpu, with_disp({0x0F, 0xAE, 0x3D}, 0x2000)) == kUD); // clflush
        CHECK_NOTHROW(m.cpu.write_cr4(CR4_OSFXSR | CR4_OSXMMEXCPT));
        u32 a, b, c, d;
        m.cpu.cpuid(1, a, b, c, d);
        CHECK((d & (kCpuidSse | kCpuidSse2)) == kCpuidSse);
    }
    SUBCASE("pentium4 (the default): SSE2 and CLFLUSH") {
        CHECK(default_cpu_model().name == "pentium4");
        SseCpu m;
        CHECK(execute(m.cpu, {0x66, 0x0F, 0xFC, 0xC1}) == -1);
        CHECK(execute(m.cpu, with_disp({0x0F, 0xAE, 0x3D}, 0x2000)) == -1);
        u32 a, b, c, d;
        m.cpu.cpuid(1, a, b, c, d);
        CHECK(((a >> 8) & 0xF) == 15);
        CHECK((d & (kCpuidSse | kCpuidSse2 | kCpuidClfsh)) ==
              (kCpuidSse | kCpuidSse2 | kCpuidClfsh));
        CHECK(((b >> 8) & 0xFF) == 8); // CLFLUSH line: 64 bytes
    }
    CHECK(find_cpu_model("pentium5") == nullptr);
}

TEST_CASE("SSE: LDMXCSR rejects reserved bits, DAZ without it; STMXCSR stores MXCSR") {
    SseCpu m;
    m.poke64(0x2000, 0x7F80);
    REQUIRE(execute(m.cpu, with_disp({0x0F, 0xAE, 0x15}, 0x2000)) == -1);
    CHECK(m.cpu.s.fpu.mxcsr == 0x7F80);
    REQUIRE(execute(m.cpu, with_disp({0x0F, 0xAE, 0x1D}, 0x2010)) == -1);
    CHECK(m.peek32(0x2010) == 0x7F80);
    m.poke64(0x2000, 0x10000 | 0x1F80);
    CHECK(execute(m.cpu, with_disp({0x0F, 0xAE, 0x15}, 0x2000)) == kGP);
    CHECK(m.cpu.s.fpu.mxcsr == 0x7F80);
    // DAZ: the Pentium 4 has it, the Pentium III does not (SDM Vol. 1 11.6.3).
    m.poke64(0x2000, 0x1FC0);
    REQUIRE(execute(m.cpu, with_disp({0x0F, 0xAE, 0x15}, 0x2000)) == -1);
    CHECK(m.cpu.s.fpu.mxcsr == 0x1FC0);
    SseCpu p3("pentium3");
    p3.poke64(0x2000, 0x1FC0);
    CHECK(execute(p3.cpu, with_disp({0x0F, 0xAE, 0x15}, 0x2000)) == kGP);
    CHECK(p3.cpu.s.fpu.mxcsr == 0x1F80);
}

TEST_CASE("FXSAVE/FXRSTOR: XMM0-7 with CR4.OSFXSR, MXCSR always") {
    SseCpu m;
    for (unsigned i = 0; i < 8; ++i) m.cpu.s.xmm[i] = Xmm{{0x1111111111111111ull * i, ~u64(i)}};
    m.cpu.s.fpu.mxcsr = 0x1F81;
    const std::vector<u8> fxsave = with_disp({0x0F, 0xAE, 0x05}, 0x3000);
    const std::vector<u8> fxrstor = with_disp({0x0F, 0xAE, 0x0D}, 0x3000);
    REQUIRE(execute(m.cpu, fxsave) == -1);
    CHECK(m.peek32(0x3000 + 24) == 0x1F81);
    CHECK(m.peek32(0x3000 + 28) == 0xFFFF); // MXCSR_MASK of the Pentium 4 model: DAZ
    CHECK(m.peek64(0x3000 + 160 + 16 * 5) == 0x5555555555555555ull);
    CHECK(m.peek64(0x3000 + 168 + 16 * 5) == ~u64(5));
    for (auto& x : m.cpu.s.xmm) x = Xmm{};
    m.cpu.s.fpu.mxcsr = 0x1F80;
    REQUIRE(execute(m.cpu, fxrstor) == -1);
    CHECK(m.cpu.s.xmm[7].q[0] == 0x7777777777777777ull);
    CHECK(m.cpu.s.xmm[7].q[1] == ~u64(7));
    CHECK(m.cpu.s.fpu.mxcsr == 0x1F81);
    // Without OSFXSR the XMM area is neither written nor read.
    m.cpu.s.cr4 = 0;
    std::memset(m.mem.ram() + 0x3000 + 160, 0xAB, 128);
    m.cpu.s.fpu.mxcsr = 0x1F82;
    REQUIRE(execute(m.cpu, fxsave) == -1);
    CHECK(m.peek64(0x3000 + 160) == 0xABABABABABABABABull);
    CHECK(m.peek32(0x3000 + 24) == 0x1F82);
    REQUIRE(execute(m.cpu, fxrstor) == -1);
    CHECK(m.cpu.s.xmm[0].q[0] == 0);
    CHECK(m.cpu.s.xmm[7].q[0] == 0x7777777777777777ull);
}

TEST_CASE("FXSAVE/FXRSTOR: MXCSR_MASK and DAZ follow the CPU model") {
    const std::vector<u8> fxsave = with_disp({0x0F, 0xAE, 0x05}, 0x3000);
    const std::vector<u8> fxrstor = with_disp({0x0F, 0xAE, 0x0D}, 0x3000);
    SseCpu p4;
    p4.cpu.s.fpu.mxcsr = 0x1FC0; // DAZ
    REQUIRE(execute(p4.cpu, fxsave) == -1);
    p4.cpu.s.fpu.mxcsr = 0x1F80;
    REQUIRE(execute(p4.cpu, fxrstor) == -1);
    CHECK(p4.cpu.s.fpu.mxcsr == 0x1FC0);
    // The Pentium III reports MXCSR_MASK 0 (the field is newer: 0xFFBF, no DAZ) and FXRSTOR of
    // an image with DAZ is #GP(0).
    SseCpu p3("pentium3");
    p3.cpu.s.fpu.mxcsr = 0x1F80;
    REQUIRE(execute(p3.cpu, fxsave) == -1);
    CHECK(p3.peek32(0x3000 + 28) == 0);
    p3.poke64(0x3000 + 24, 0x1FC0);
    CHECK(execute(p3.cpu, fxrstor) == kGP);
    CHECK(p3.cpu.s.fpu.mxcsr == 0x1F80);
}

TEST_CASE("decoder: the mandatory prefix selects the SIMD instruction") {
    CHECK(mnemonic({0x0F, 0x6F, 0xC1}) == "movq");
    CHECK(mnemonic({0x66, 0x0F, 0x6F, 0xC1}) == "movdqa");
    CHECK(mnemonic({0xF3, 0x0F, 0x6F, 0xC1}) == "movdqu");
    CHECK(mnemonic({0xF2, 0x0F, 0x6F, 0xC1}) == "(bad)");
    // The last of F2/F3 wins; 66 next to them is ignored, wherever it is.
    CHECK(mnemonic({0x66, 0xF3, 0x0F, 0x6F, 0xC1}) == "movdqu");
    CHECK(mnemonic({0xF3, 0x66, 0x0F, 0x6F, 0xC1}) == "movdqu");
    CHECK(mnemonic({0xF2, 0xF3, 0x0F, 0x10, 0xC1}) == "movss");
    CHECK(mnemonic({0xF3, 0xF2, 0x0F, 0x10, 0xC1}) == "movsd");
    // Memory and register forms of one opcode are different instructions.
    CHECK(mnemonic({0x0F, 0x12, 0x00}) == "movlps");
    CHECK(mnemonic({0x0F, 0x12, 0xC1}) == "movhlps");
    CHECK(mnemonic({0x66, 0x0F, 0x12, 0xC1}) == "(bad)");
    CHECK(mnemonic({0x0F, 0xAE, 0x38}) == "clflush");
    CHECK(mnemonic({0x0F, 0xAE, 0xF8}) == "sfence");
    CHECK(mnemonic({0x0F, 0xAE, 0xFF}) == "sfence");
    CHECK(mnemonic({0x0F, 0x71, 0xD0, 0x03}) == "psrlw");
    CHECK(mnemonic({0x0F, 0x71, 0x10, 0x03}) == "(bad)"); // register operand only
    CHECK(mnemonic({0x0F, 0x73, 0xD8, 0x03}) == "(bad)"); // psrldq has no MMX form
    CHECK(mnemonic({0x66, 0x0F, 0x73, 0xD8, 0x03}) == "psrldq");
    // The 66 of an SSE2 form is not an operand-size prefix: the decoded size stays 32 bits.
    DecodedInsn d;
    u8 bytes[16] = {0x66, 0x0F, 0xFC, 0xC1};
    REQUIRE(decode(bytes, 16, true, d) == DecodeStatus::Ok);
    CHECK(d.opsize == 4);
    CHECK(d.len == 4);
}
