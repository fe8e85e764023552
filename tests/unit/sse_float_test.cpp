// The software SSE/SSE2 floating point against the host's SSE unit as the oracle: random operands
// of every class in every lane, every rounding mode, DAZ/FTZ, masked and unmasked exceptions
// (an unmasked one is caught as SIGFPE and the faulting MXCSR and XMM0 read from the signal
// context). Compares the destination bits, MXCSR, the integer result and ZF/PF/CF. Only built
// into the checks on an x86 host; elsewhere the fixed cases still run.
#include "../diff/sse_float_operands.h"
#include "cpu/simd/sse_float_vector.h"
#include <cstdlib>
#include <cstring>
#include <doctest/doctest.h>
#include <random>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <csetjmp>
#include <csignal>
#include <ucontext.h>
#endif

using namespace vmi86;
using namespace vmi86::sse;

namespace {

// The machine state an instruction under test reads and writes: xmm0 is the destination, xmm1
// the source, gpr the integer operand (CVTSI2SS) or result (CVTSS2SI).
struct Regs {
    Xmm x0, x1;
    u32 mxcsr = kMxcsrDefault;
    u32 gpr = 0;
    u32 eflags = 0; // ZF PF CF of COMISS and friends
    bool operator==(const Regs& o) const {
        return x0.q[0] == o.x0.q[0] && x0.q[1] == o.x0.q[1] && mxcsr == o.mxcsr && gpr == o.gpr &&
               eflags == o.eflags;
    }
};

std::string describe(const Regs& r) {
    char buf[160];
    std::snprintf(
        buf, sizeof buf, "x0=%016llx:%016llx x1=%016llx:%016llx mxcsr=%04x gpr=%08x fl=%x",
        (unsigned long long)r.x0.q[1], (unsigned long long)r.x0.q[0], (unsigned long long)r.x1.q[1],
        (unsigned long long)r.x1.q[0], r.mxcsr, r.gpr, r.eflags);
    return buf;
}

// Writes the computed value unless the instruction faults; MXCSR collects the flags either way.
bool commit(Regs& r, SseEnv& env, const Xmm& value) {
    const bool fault = env.finish();
    r.mxcsr |= env.flags;
    if (!fault) r.x0 = value;
    return fault;
}

template <class F, Arith op, bool scalar> bool emu_arith(Regs& r) {
    SseEnv env{r.mxcsr};
    return commit(r, env, arith<F>(op, r.x0, r.x1, scalar, env));
}
template <class F, u8 imm, bool scalar> bool emu_cmp(Regs& r) {
    SseEnv env{r.mxcsr};
    return commit(r, env, compare_mask<F>(r.x0, r.x1, imm, scalar, env));
}
template <class F, bool signal_qnan> bool emu_comi(Regs& r) {
    SseEnv env{r.mxcsr};
    u32 fl = compare_eflags<F>(Bits<F>(r.x0.q[0]), Bits<F>(r.x1.q[0]), signal_qnan, env);
    const bool fault = commit(r, env, r.x0);
    if (!fault) r.eflags = fl;
    return fault;
}
template <class F, bool truncate> bool emu_to_gpr(Regs& r) {
    SseEnv env{r.mxcsr};
    const u32 v = to_int32<F>(Bits<F>(r.x1.q[0]), truncate, env);
    const bool fault = commit(r, env, r.x0);
    if (!fault) r.gpr = v;
    return fault;
}
template <class F> bool emu_from_gpr(Regs& r) {
    SseEnv env{r.mxcsr};
    return commit(r, env, scalar_from_int<F>(r.x0, s32(r.gpr), env));
}
bool emu_ps2pd(Regs& r) {
    SseEnv env{r.mxcsr};
    return commit(r, env, singles_to_doubles(r.x1, env));
}
bool emu_pd2ps(Regs& r) {
    SseEnv env{r.mxcsr};
    return commit(r, env, doubles_to_singles(r.x1, env));
}
bool emu_ss2sd(Regs& r) {
    SseEnv env{r.mxcsr};
    return commit(r, env, scalar_single_to_double(r.x0, r.x1, env));
}
bool emu_sd2ss(Regs& r) {
    SseEnv env{r.mxcsr};
    return commit(r, env, scalar_double_to_single(r.x0, r.x1, env));
}
template <class F> bool emu_int2f(Regs& r) {
    SseEnv env{r.mxcsr};
    return commit(r, env, ints_to_floats<F>(r.x1, env));
}
template <class F, bool truncate> bool emu_f2int(Regs& r) {
    SseEnv env{r.mxcsr};
    return commit(r, env, floats_to_ints<F>(r.x1, truncate, env));
}

// Which kind of random operands an instruction wants in xmm1 (and xmm0).
enum class Operands { Singles, Doubles, Ints, SinglesToInt, DoublesToInt };

struct Instruction {
    const char* name;
    Operands operands;
    bool (*emulate)(Regs&);
    void (*host)(Regs&); // null on a non-x86 host
};

#if defined(__x86_64__) || defined(__i386__)
#define HOST_STUB(fn, text)                                                                        \
    void fn(Regs& r) {                                                                             \
        asm volatile("ldmxcsr %[m]\n movups %[x0], %%xmm0\n movups %[x1], %%xmm1\n"                \
                     "mov %[g], %%eax\n" text "\n stmxcsr %[m]\n movups %%xmm0, %[x0]\n"           \
                     "mov %%eax, %[g]\n"                                                           \
                     : [x0] "+m"(r.x0), [m] "+m"(r.mxcsr), [g] "+m"(r.gpr)                         \
                     : [x1] "m"(r.x1)                                                              \
                     : "xmm0", "xmm1", "eax", "cc", "memory");                                     \
    }
// COMISS and friends: the flags through a PUSHF below the red zone.
#if defined(__x86_64__)
#define HOST_COMI_STUB(fn, text)                                                                   \
    void fn(Regs& r) {                                                                             \
        asm volatile("ldmxcsr %[m]\n movups %[x0], %%xmm0\n movups %[x1], %%xmm1\n" text "\n"      \
                     "stmxcsr %[m]\n lea -128(%%rsp), %%rsp\n pushfq\n popq %%rax\n"               \
                     "lea 128(%%rsp), %%rsp\n mov %%eax, %[f]\n"                                   \
                     : [m] "+m"(r.mxcsr), [f] "=m"(r.eflags)                                       \
                     : [x0] "m"(r.x0), [x1] "m"(r.x1)                                              \
                     : "xmm0", "xmm1", "eax", "cc", "memory");                                     \
        r.eflags &= 0x45;                                                                          \
    }
#else
#define HOST_COMI_STUB(fn, text)                                                                   \
    void fn(Regs& r) {                                                                             \
        asm volatile("ldmxcsr %[m]\n movups %[x0], %%xmm0\n movups %[x1], %%xmm1\n" text "\n"      \
                     "stmxcsr %[m]\n pushfl\n popl %%eax\n mov %%eax, %[f]\n"                      \
                     : [m] "+m"(r.mxcsr), [f] "=m"(r.eflags)                                       \
                     : [x0] "m"(r.x0), [x1] "m"(r.x1)                                              \
                     : "xmm0", "xmm1", "eax", "cc", "memory");                                     \
        r.eflags &= 0x45;                                                                          \
    }
#endif
#define HOST(fn) fn
#else
#define HOST_STUB(fn, text)
#define HOST_COMI_STUB(fn, text)
#define HOST(fn) nullptr
#endif

#define ARITH_STUBS(op)                                                                            \
    HOST_STUB(host_##op##ps, #op "ps %%xmm1, %%xmm0")                                              \
    HOST_STUB(host_##op##ss, #op "ss %%xmm1, %%xmm0")                                              \
    HOST_STUB(host_##op##pd, #op "pd %%xmm1, %%xmm0")                                              \
    HOST_STUB(host_##op##sd, #op "sd %%xmm1, %%xmm0")
ARITH_STUBS(add)
ARITH_STUBS(sub)
ARITH_STUBS(mul)
ARITH_STUBS(div)
ARITH_STUBS(min)
ARITH_STUBS(max)
ARITH_STUBS(sqrt)
#define CMP_STUBS(imm)                                                                             \
    HOST_STUB(host_cmpps_##imm, "cmpps $" #imm ", %%xmm1, %%xmm0")                                 \
    HOST_STUB(host_cmpss_##imm, "cmpss $" #imm ", %%xmm1, %%xmm0")                                 \
    HOST_STUB(host_cmppd_##imm, "cmppd $" #imm ", %%xmm1, %%xmm0")                                 \
    HOST_STUB(host_cmpsd_##imm, "cmpsd $" #imm ", %%xmm1, %%xmm0")
CMP_STUBS(0)
CMP_STUBS(1)
CMP_STUBS(2)
CMP_STUBS(3)
CMP_STUBS(4)
CMP_STUBS(5)
CMP_STUBS(6)
CMP_STUBS(7)
// Reserved predicate bits: the legacy encoding uses imm8[2:0] only.
CMP_STUBS(9)
CMP_STUBS(30)
CMP_STUBS(255)
HOST_COMI_STUB(host_comiss, "comiss %%xmm1, %%xmm0")
HOST_COMI_STUB(host_ucomiss, "ucomiss %%xmm1, %%xmm0")
HOST_COMI_STUB(host_comisd, "comisd %%xmm1, %%xmm0")
HOST_COMI_STUB(host_ucomisd, "ucomisd %%xmm1, %%xmm0")
HOST_STUB(host_cvtss2si, "cvtss2si %%xmm1, %%eax")
HOST_STUB(host_cvttss2si, "cvttss2si %%xmm1, %%eax")
HOST_STUB(host_cvtsd2si, "cvtsd2si %%xmm1, %%eax")
HOST_STUB(host_cvttsd2si, "cvttsd2si %%xmm1, %%eax")
HOST_STUB(host_cvtsi2ss, "cvtsi2ss %%eax, %%xmm0")
HOST_STUB(host_cvtsi2sd, "cvtsi2sd %%eax, %%xmm0")
HOST_STUB(host_cvtps2pd, "cvtps2pd %%xmm1, %%xmm0")
HOST_STUB(host_cvtpd2ps, "cvtpd2ps %%xmm1, %%xmm0")
HOST_STUB(host_cvtss2sd, "cvtss2sd %%xmm1, %%xmm0")
HOST_STUB(host_cvtsd2ss, "cvtsd2ss %%xmm1, %%xmm0")
HOST_STUB(host_cvtdq2ps, "cvtdq2ps %%xmm1, %%xmm0")
HOST_STUB(host_cvtdq2pd, "cvtdq2pd %%xmm1, %%xmm0")
HOST_STUB(host_cvtps2dq, "cvtps2dq %%xmm1, %%xmm0")
HOST_STUB(host_cvttps2dq, "cvttps2dq %%xmm1, %%xmm0")
HOST_STUB(host_cvtpd2dq, "cvtpd2dq %%xmm1, %%xmm0")
HOST_STUB(host_cvttpd2dq, "cvttpd2dq %%xmm1, %%xmm0")

#define ARITH_ROWS(op, Op)                                                                         \
    {#op "ps", Operands::Singles, emu_arith<Single, Arith::Op, false>, HOST(host_##op##ps)},       \
        {#op "ss", Operands::Singles, emu_arith<Single, Arith::Op, true>, HOST(host_##op##ss)},    \
        {#op "pd", Operands::Doubles, emu_arith<Double, Arith::Op, false>, HOST(host_##op##pd)}, { \
#op "sd", Operands::Doubles, emu_arith < Double, Arith::Op, true>, HOST(host_##op##sd)     \
    }
#define CMP_ROWS(imm)                                                                              \
    {"cmpps " #imm, Operands::Singles, emu_cmp<Single, imm, false>, HOST(host_cmpps_##imm)},       \
        {"cmpss " #imm, Operands::Singles, emu_cmp<Single, imm, true>, HOST(host_cmpss_##imm)},    \
        {"cmppd " #imm, Operands::Doubles, emu_cmp<Double, imm, false>, HOST(host_cmppd_##imm)}, { \
        "cmpsd " #imm, Operands::Doubles, emu_cmp<Double, imm, true>, HOST(host_cmpsd_##imm)       \
    }

const Instruction kInstructions[] = {
    ARITH_ROWS(add, Add),
    ARITH_ROWS(sub, Sub),
    ARITH_ROWS(mul, Mul),
    ARITH_ROWS(div, Div),
    ARITH_ROWS(min, Min),
    ARITH_ROWS(max, Max),
    ARITH_ROWS(sqrt, Sqrt),
    CMP_ROWS(0),
    CMP_ROWS(1),
    CMP_ROWS(2),
    CMP_ROWS(3),
    CMP_ROWS(4),
    CMP_ROWS(5),
    CMP_ROWS(6),
    CMP_ROWS(7),
    CMP_ROWS(9),
    CMP_ROWS(30),
    CMP_ROWS(255),
    {"comiss", Operands::Singles, emu_comi<Single, true>, HOST(host_comiss)},
    {"ucomiss", Operands::Singles, emu_comi<Single, false>, HOST(host_ucomiss)},
    {"comisd", Operands::Doubles, emu_comi<Double, true>, HOST(host_comisd)},
    {"ucomisd", Operands::Doubles, emu_comi<Double, false>, HOST(host_ucomisd)},
    {"cvtss2si", Operands::SinglesToInt, emu_to_gpr<Single, false>, HOST(host_cvtss2si)},
    {"cvttss2si", Operands::SinglesToInt, emu_to_gpr<Single, true>, HOST(host_cvttss2si)},
    {"cvtsd2si", Operands::DoublesToInt, emu_to_gpr<Double, false>, HOST(host_cvtsd2si)},
    {"cvttsd2si", Operands::DoublesToInt, emu_to_gpr<Double, true>, HOST(host_cvttsd2si)},
    {"cvtsi2ss", Operands::Ints, emu_from_gpr<Single>, HOST(host_cvtsi2ss)},
    {"cvtsi2sd", Operands::Ints, emu_from_gpr<Double>, HOST(host_cvtsi2sd)},
    {"cvtps2pd", Operands::Singles, emu_ps2pd, HOST(host_cvtps2pd)},
    {"cvtpd2ps", Operands::Doubles, emu_pd2ps, HOST(host_cvtpd2ps)},
    {"cvtss2sd", Operands::Singles, emu_ss2sd, HOST(host_cvtss2sd)},
    {"cvtsd2ss", Operands::Doubles, emu_sd2ss, HOST(host_cvtsd2ss)},
    {"cvtdq2ps", Operands::Ints, emu_int2f<Single>, HOST(host_cvtdq2ps)},
    {"cvtdq2pd", Operands::Ints, emu_int2f<Double>, HOST(host_cvtdq2pd)},
    {"cvtps2dq", Operands::SinglesToInt, emu_f2int<Single, false>, HOST(host_cvtps2dq)},
    {"cvttps2dq", Operands::SinglesToInt, emu_f2int<Single, true>, HOST(host_cvttps2dq)},
    {"cvtpd2dq", Operands::DoublesToInt, emu_f2int<Double, false>, HOST(host_cvtpd2dq)},
    {"cvttpd2dq", Operands::DoublesToInt, emu_f2int<Double, true>, HOST(host_cvttpd2dq)},
};

// Random operands (tests/diff/sse_float_operands.h) for the registers of one instruction.
class OperandGen {
public:
    explicit OperandGen(u64 seed) : rng_(seed) {}
    u64 operator()() { return rng_(); }
    unsigned below(unsigned n) { return unsigned(rng_() % n); }

    // Fills xmm0 and xmm1 lane by lane, sometimes with close pairs (cancellation, ties).
    template <class F> void fill(Regs& r, bool to_int) {
        constexpr int n = 16 / sizeof(Bits<F>);
        for (int i = 0; i < n; ++i) {
            const Bits<F> a = testing::random_float<F>(*this, to_int);
            const Bits<F> b = below(6) == 0 ? testing::nearby_float<F>(*this, a)
                                            : testing::random_float<F>(*this, to_int);
            std::memcpy(reinterpret_cast<u8*>(r.x0.q) + i * sizeof a, &a, sizeof a);
            std::memcpy(reinterpret_cast<u8*>(r.x1.q) + i * sizeof b, &b, sizeof b);
        }
    }
    Regs regs(Operands kind) {
        Regs r;
        switch (kind) {
        case Operands::Singles: fill<Single>(r, false); break;
        case Operands::Doubles: fill<Double>(r, false); break;
        case Operands::SinglesToInt: fill<Single>(r, true); break;
        case Operands::DoublesToInt: fill<Double>(r, true); break;
        case Operands::Ints:
            r.x0 = {rng_(), rng_()};
            for (int i = 0; i < 4; ++i)
                r.x1.q[i / 2] |= u64(u32(testing::random_int32(*this))) << (32 * (i & 1));
            break;
        }
        r.gpr = u32(testing::random_int32(*this));
        r.mxcsr = testing::random_mxcsr(*this, 25, true);
        return r;
    }

private:
    std::mt19937_64 rng_;
};

#if defined(__x86_64__) || defined(__i386__)
// The host side of an unmasked exception: SIGFPE, then back to the test with the state the
// handler saw. Signal handlers can only reach static storage.
struct HostFault {
    sigjmp_buf jump;
    u32 mxcsr;
    Xmm x0;
};
HostFault g_fault;

void on_sigfpe(int, siginfo_t*, void* context) {
    const auto* uc = static_cast<const ucontext_t*>(context);
#if defined(__x86_64__)
    g_fault.mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    std::memcpy(g_fault.x0.q, &uc->uc_mcontext.fpregs->_xmm[0], 16);
#else
    (void)uc; // i386: the FXSAVE image follows the legacy frame; not needed by the 64-bit build
#endif
    siglongjmp(g_fault.jump, 1);
}

// Runs one instruction on the host. Returns whether it faulted (r then holds the faulting MXCSR
// and the destination as the handler saw it).
bool run_host(void (*host)(Regs&), Regs& r) {
    if (sigsetjmp(g_fault.jump, 1)) {
        const u32 restore = kMxcsrDefault;
        asm volatile("ldmxcsr %0" ::"m"(restore));
        r.mxcsr = g_fault.mxcsr;
        r.x0 = g_fault.x0;
        return true;
    }
    host(r);
    const u32 restore = kMxcsrDefault;
    asm volatile("ldmxcsr %0" ::"m"(restore));
    return false;
}

int compare_with_host(int iterations_per_instruction, u64 seed) {
    struct sigaction action = {}, previous = {};
    action.sa_sigaction = on_sigfpe;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGFPE, &action, &previous);
    OperandGen gen(seed);
    int differences = 0;
    long compared = 0;
    for (const Instruction& insn : kInstructions) {
        int failures = 0;
        for (int i = 0; i < iterations_per_instruction; ++i) {
            const Regs input = gen.regs(insn.operands);
            Regs host = input, emulated = input;
            const bool host_fault = run_host(insn.host, host);
            const bool emulated_fault = insn.emulate(emulated);
            ++compared;
            if (host_fault == emulated_fault && host == emulated) continue;
            ++differences;
            if (++failures <= 5)
                MESSAGE(std::string(insn.name)
                        << " in  " << describe(input) << "\n   host"
                        << (host_fault ? "#XM " : "    ") << describe(host) << "\n   emu "
                        << (emulated_fault ? "#XM " : "    ") << describe(emulated));
        }
    }
    sigaction(SIGFPE, &previous, nullptr);
    MESSAGE("sse float: " << compared << " instructions compared with the host, " << differences
                          << " differences");
    return differences;
}
#endif

} // namespace

TEST_CASE("sse float: fixed cases") {
    SseEnv env;
    CHECK(add<Single>(0x3F800000, 0x33800000, env) == 0x3F800000); // 1 + 2^-24: a tie to even
    CHECK(env.flags == kPE);
    env = {};
    CHECK(sub<Double>(0x7FF0000000000000ull, 0x7FF0000000000000ull, env) == 0xFFF8000000000000ull);
    CHECK(env.flags == kIE);
    env = {};
    CHECK(mul<Single>(0x7FC00001, 0x7F800001, env) == 0x7FC00001); // the first NaN wins
    CHECK(env.flags == kIE);
    env = {kMxcsrDefault | kMxcsrFtz};
    CHECK(mul<Single>(0x00800000, 0x3F000000, env) == 0); // 2^-127 flushed
    CHECK(env.flags == (kUE | kPE));
    env = {kMxcsrDefault | kMxcsrDaz};
    CHECK(add<Single>(0x00000001, 0x80000000, env) == 0); // DAZ: +0 + -0
    CHECK(env.flags == 0);
    env = {};
    CHECK(max<Single>(0x80000000, 0x00000000, env) == 0); // both zeros: the second
    CHECK(min<Double>(0x7FF8000000000000ull, 0x3FF0000000000000ull, env) == 0x3FF0000000000000ull);
    CHECK(env.flags == kIE);
    env = {};
    CHECK(to_int32<Double>(0x41E0000000000000ull, false, env) == kIntegerIndefinite); // 2^31
    CHECK(env.flags == kIE);
    env = {kMxcsrDefault & ~(u32(kOE) << kMxcsrMaskShift)}; // overflow unmasked: OE alone
    mul<Single>(0x7F000000, 0x7F000000, env);
    CHECK(env.finish());
    CHECK(env.flags == kOE);
}

TEST_CASE("sse float: RCP and RSQRT estimates are within 1.5 * 2^-12") {
    OperandGen gen(7);
    SseEnv exact;
    int outside = 0;
    for (int i = 0; i < 200000; ++i) {
        // Positive normal inputs whose results are normal; the bound is checked in double
        // precision computed by the library itself (exact enough: 2^-52 against 2^-12).
        const u32 a = u32(0x00800000u + gen.below(0x7E800000u - 0x00800000u));
        const u32 r = reciprocal_estimate(a);
        const u32 s = reciprocal_sqrt_estimate(a);
        exact = {};
        const u64 ad = single_to_double(a, exact);
        const u64 one = 0x3FF0000000000000ull;
        const u64 want_r = div<Double>(one, ad, exact);
        const u64 want_s = div<Double>(one, sqrt<Double>(ad, exact), exact);
        for (auto [got, want] : {std::pair{r, want_r}, std::pair{s, want_s}}) {
            if (got == 0) continue; // flushed tiny result
            // |got / want - 1| <= 1.5 * 2^-12
            const u64 ratio = div<Double>(single_to_double(got, exact), want, exact);
            const u64 err = sub<Double>(ratio, one, exact) & ~(1ull << 63);
            const u64 bound = 0x3F48000000000000ull; // 1.5 * 2^-12
            if (err > bound) ++outside;
        }
    }
    CHECK(outside == 0);
    CHECK(reciprocal_estimate(0x80000000u) == 0xFF800000u);
    CHECK(reciprocal_sqrt_estimate(0xBF800000u) == 0xFFC00000u);
    CHECK(reciprocal_estimate(0x7F7FFFFFu) == 0);
}

#if defined(__x86_64__)
// VMI86_SSE_FLOAT_ITERATIONS / VMI86_SSE_FLOAT_SEED override the defaults for a longer soak.
TEST_CASE("sse float: every instruction matches the host SSE unit") {
    const char* iterations = std::getenv("VMI86_SSE_FLOAT_ITERATIONS");
    const char* seed = std::getenv("VMI86_SSE_FLOAT_SEED");
    CHECK(compare_with_host(iterations ? std::atoi(iterations) : 50000,
                            seed ? std::strtoull(seed, nullptr, 0) : 0x55E5F10A7) == 0);
}
#endif
