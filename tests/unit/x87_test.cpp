// x87 instructions in the CPU: error reporting (#MF with CR0.NE, FERR# without), #NM, the
// register stack and the status word. The arithmetic itself is checked against the host x87 in
// float80_test.cpp and by the differential test.
#include "cpu/decode/decoder.h"
#include "test_machine_helpers.h"
#include <doctest/doctest.h>

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

// fninit; fnstcw [0x2000]; and word [0x2000], ~4; fldcw [0x2000]; fld1; fldz; fdivp st1, st0
const std::vector<u8> kUnmaskedZeroDivide = {
    0xDB, 0xE3, 0xD9, 0x3D, 0x00, 0x20, 0x00, 0x00, 0x66, 0x81, 0x25, 0x00, 0x20, 0x00, 0x00,
    0xFB, 0xFF, 0xD9, 0x2D, 0x00, 0x20, 0x00, 0x00, 0xD9, 0xE8, 0xD9, 0xEE, 0xDE, 0xF9};
} // namespace

TEST_CASE("x87: an unmasked exception is reported by the next waiting instruction") {
    SUBCASE("CR0.NE: #MF at FWAIT and at a waiting x87 instruction, not at FNSTSW") {
        BareCpu m;
        m.flat32(0x1000);
        m.cpu.s.cr0 |= CR0_NE;
        std::vector<u8> code = kUnmaskedZeroDivide;
        code.push_back(0xF4);
        m.poke(0x1000, code);
        m.cpu.run(100);
        CHECK((m.cpu.s.fpu.sw & 0x8084) == 0x8084); // ZE, ES, B
        CHECK(execute(m.cpu, {0x9B}) == kMF);       // fwait
        CHECK(execute(m.cpu, {0xD9, 0xE8}) == kMF); // fld1
        CHECK(execute(m.cpu, {0xDF, 0xE0}) == -1);  // fnstsw ax
        CHECK(execute(m.cpu, {0xDB, 0xE2}) == -1);  // fnclex
        CHECK(execute(m.cpu, {0x9B}) == -1);
    }
    SUBCASE("no CR0.NE: FERR# is raised, and FNCLEX lowers it") {
        BareCpu m;
        m.flat32(0x1000);
        std::vector<bool> ferr;
        m.cpu.on_ferr = [&](bool level) { ferr.push_back(level); };
        std::vector<u8> code = kUnmaskedZeroDivide;
        code.insert(code.end(), {0x9B, 0xDB, 0xE2, 0xF4}); // fwait; fnclex; hlt
        m.poke(0x1000, code);
        m.cpu.run(100);
        CHECK(m.cpu.s.halted);
        // FNINIT lowers it first, FWAIT raises it, FNCLEX lowers it.
        REQUIRE(ferr.size() == 3);
        CHECK(ferr[0] == false);
        CHECK(ferr[1] == true);
        CHECK(ferr[2] == false);
        CHECK((m.cpu.s.fpu.sw & 0x80FF) == 0);
    }
    SUBCASE("no CR0.NE: an environment without the error lowers FERR#") {
        BareCpu m;
        m.flat32(0x1000);
        std::vector<bool> ferr;
        m.cpu.on_ferr = [&](bool level) { ferr.push_back(level); };
        std::vector<u8> code = kUnmaskedZeroDivide;
        // fwait; fnstenv [0x2100]; and word [0x2104], ~4 (ZE off); fldenv [0x2100]; hlt
        code.insert(code.end(),
                    {0x9B, 0xD9, 0x35, 0x00, 0x21, 0x00, 0x00, 0x66, 0x81, 0x25, 0x04, 0x21,
                     0x00, 0x00, 0xFB, 0xFF, 0xD9, 0x25, 0x00, 0x21, 0x00, 0x00, 0xF4});
        m.poke(0x1000, code);
        m.cpu.run(100);
        CHECK(m.cpu.s.halted);
        // FNINIT lowers it, FWAIT raises it, FLDENV of a status without ZE lowers it.
        REQUIRE(ferr.size() == 3);
        CHECK(ferr[1] == true);
        CHECK(ferr[2] == false);
        CHECK((m.cpu.s.fpu.sw & 0x80FF) == 0);
    }
}

TEST_CASE("x87: CR0.TS and CR0.EM raise #NM; WAIT only with MP and TS") {
    BareCpu m;
    m.flat32(0x1000);
    m.cpu.s.cr0 |= CR0_TS;
    CHECK(execute(m.cpu, {0x9B}) == -1); // WAIT without MP
    CHECK(execute(m.cpu, {0xD9, 0xE8}) == kNM);
    m.cpu.s.cr0 |= CR0_MP;
    CHECK(execute(m.cpu, {0x9B}) == kNM);
    m.cpu.s.cr0 = (m.cpu.s.cr0 & ~(CR0_TS | CR0_MP)) | CR0_EM;
    CHECK(execute(m.cpu, {0xDB, 0xE3}) == kNM); // fninit too
    CHECK(execute(m.cpu, {0x9B}) == -1);
    CHECK(execute(m.cpu, {0x0F, 0xAE, 0x00}) == kUD); // fxsave [eax] with EM
    m.cpu.s.cr0 &= ~CR0_EM;
    CHECK(execute(m.cpu, {0xDB, 0xE3}) == -1); // the power-on state is full and unmasked
    CHECK(execute(m.cpu, {0xD9, 0xE8}) == -1);
    CHECK((m.cpu.s.fpu.sw & 0x3800) == 0x3800); // pushed: TOP = 7
}

TEST_CASE("x87: stack, tags and condition codes") {
    BareCpu m;
    m.flat32(0x1000);
    // fninit; fld1; fldpi; fcom st1; fnstsw ax; fxch; fcompp; hlt
    m.poke(0x1000, {0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEB, 0xD8, 0xD1, 0xDF, 0xE0, 0xD9, 0xC9, 0xDE,
                    0xD9, 0xF4});
    m.cpu.run(100);
    CHECK(m.cpu.s.halted);
    const u16 ax = m.cpu.s.gpr[EAX].r16;
    CHECK((ax & 0x4500) == 0);                  // pi > 1
    CHECK((ax & 0x3800) == 0x3000);             // TOP = 6
    CHECK((m.cpu.s.fpu.sw & 0x4500) == 0x0100); // after FXCH: 1 < pi
    CHECK((m.cpu.s.fpu.sw & 0x3800) == 0);      // FCOMPP popped both
    CHECK(m.cpu.s.fpu.tags == 0);
}
