// diff_native: runs test cases on the host CPU in a 32-bit process (the oracle of diff_test).
// Usage: diff_native CASES RESULTS; exit status 3 when the fixed addresses cannot be mapped. Each
// case's code runs at diffwire::kCodeAddr with its data page at kDataAddr; a trampoline loads all
// registers and EFLAGS, runs the code, and an epilogue (jumped to from the end of the code) saves
// them. Faults are caught with signal handlers and reported with their vector, so one bad case does
// not end the batch.
#include "diff_case.h"
#include <csignal>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if !defined(__i386__)
#error "diff_native must be built for i386 (i686-linux-gnu-g++)"
#endif

using namespace diffwire;

// Shared with the assembly below (fixed offsets): in_regs 0, in_flags 32, out_regs 36,
// out_flags 68, host_esp 72, entry 76.
struct NativeCtx {
    uint32_t in_regs[8];
    uint32_t in_flags;
    uint32_t out_regs[8];
    uint32_t out_flags;
    uint32_t host_esp;
    uint32_t entry;
};
static_assert(sizeof(NativeCtx) == 80);

extern "C" {
NativeCtx g_ctx;
void run_native();
void native_epilogue();
void native_recover();
}

// The trampoline. EFLAGS is loaded on the host stack before ESP switches to the guest stack, so
// the guest's data page sees no extra writes; the epilogue saves registers with MOVs (no flag
// changes) and EFLAGS after switching back to the host stack.
asm(R"(
    .text
    .globl run_native
run_native:
    pushal
    pushfl
    movl %esp, g_ctx+72
    pushl g_ctx+32
    popfl
    movl g_ctx+4, %ecx
    movl g_ctx+8, %edx
    movl g_ctx+12, %ebx
    movl g_ctx+16, %esp
    movl g_ctx+20, %ebp
    movl g_ctx+24, %esi
    movl g_ctx+28, %edi
    movl g_ctx+0, %eax
    jmp *g_ctx+76

    .globl native_epilogue
native_epilogue:
    movl %eax, g_ctx+36
    movl %ecx, g_ctx+40
    movl %edx, g_ctx+44
    movl %ebx, g_ctx+48
    movl %esp, g_ctx+52
    movl %ebp, g_ctx+56
    movl %esi, g_ctx+60
    movl %edi, g_ctx+64
    movl g_ctx+72, %esp
    pushfl
    popl g_ctx+68
    popfl
    popal
    ret

    .globl native_recover
native_recover:
    movl g_ctx+72, %esp
    popfl
    popal
    ret
)");

namespace {

struct FaultInfo {
    volatile uint32_t vector;
    volatile uint32_t eip;
    volatile uint32_t addr;
    volatile uint32_t signal;
    volatile uint32_t si_code;
    volatile uint32_t error_code;
    volatile uint32_t regs[8];
    volatile uint32_t eflags;
};
FaultInfo g_fault;

void on_fault(int sig, siginfo_t* si, void* uc_void) {
    auto* uc = static_cast<ucontext_t*>(uc_void);
    greg_t* g = uc->uc_mcontext.gregs;
    g_fault.vector = uint32_t(g[REG_TRAPNO]);
    g_fault.eip = uint32_t(g[REG_EIP]);
    g_fault.addr = uint32_t(reinterpret_cast<uintptr_t>(si->si_addr));
    g_fault.signal = uint32_t(sig);
    g_fault.si_code = uint32_t(si->si_code);
    g_fault.error_code = uint32_t(g[REG_ERR]);
    g_fault.regs[0] = uint32_t(g[REG_EAX]);
    g_fault.regs[1] = uint32_t(g[REG_ECX]);
    g_fault.regs[2] = uint32_t(g[REG_EDX]);
    g_fault.regs[3] = uint32_t(g[REG_EBX]);
    g_fault.regs[4] = uint32_t(g[REG_UESP]);
    g_fault.regs[5] = uint32_t(g[REG_EBP]);
    g_fault.regs[6] = uint32_t(g[REG_ESI]);
    g_fault.regs[7] = uint32_t(g[REG_EDI]);
    g_fault.eflags = uint32_t(g[REG_EFL]);
    // Resume in the recovery stub, which returns from run_native on the host stack.
    g[REG_EIP] = greg_t(reinterpret_cast<uintptr_t>(&native_recover));
    g[REG_EFL] &= ~greg_t(0x500); // TF, DF
}

bool install_handlers() {
    static uint8_t alt_stack[256 * 1024];
    stack_t ss{};
    ss.ss_sp = alt_stack;
    ss.ss_size = sizeof(alt_stack);
    if (sigaltstack(&ss, nullptr) != 0) return false;
    struct sigaction sa {};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP})
        if (sigaction(sig, &sa, nullptr) != 0) return false;
    return true;
}

bool map_fixed(uint32_t addr, uint32_t size, int prot) {
    void* p = mmap(reinterpret_cast<void*>(addr), size, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    return p == reinterpret_cast<void*>(addr);
}

bool read_all(FILE* f, void* p, size_t n) { return fread(p, 1, n, f) == n; }

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: diff_native CASES RESULTS\n");
        return 2;
    }
    if (!map_fixed(kCodeAddr, 2 * 4096 + kMaxCode, PROT_READ | PROT_WRITE | PROT_EXEC) ||
        !map_fixed(kDataAddr, kDataSize, PROT_READ | PROT_WRITE)) {
        perror("diff_native: mmap");
        return 3; // the host cannot give us these addresses: the test is skipped
    }
    if (!install_handlers()) {
        perror("diff_native: signals");
        return 2;
    }
    FILE* in = fopen(argv[1], "rb");
    FILE* out = fopen(argv[2], "wb");
    if (!in || !out) {
        perror("diff_native: open");
        return 2;
    }
    auto* code = reinterpret_cast<uint8_t*>(kCodeAddr);
    auto* data = reinterpret_cast<uint8_t*>(kDataAddr);
    static uint8_t initial[kDataSize];
    static DataDelta deltas[kDataSize];
    g_ctx.entry = kCodeAddr;
    CaseHeader h;
    while (read_all(in, &h, sizeof h)) {
        if (h.code_len > kMaxCode || !read_all(in, code, h.code_len)) {
            fprintf(stderr, "diff_native: bad case\n");
            return 2;
        }
        // The end of the code jumps to the epilogue (E9 rel32).
        uint32_t end = kCodeAddr + h.code_len;
        code[h.code_len] = 0xE9;
        uint32_t rel = uint32_t(reinterpret_cast<uintptr_t>(&native_epilogue)) - (end + 5);
        memcpy(code + h.code_len + 1, &rel, 4);
        fill_data(uint64_t(h.data_seed_lo) | (uint64_t(h.data_seed_hi) << 32), initial);
        memcpy(data, initial, kDataSize);
        memcpy(g_ctx.in_regs, h.regs, sizeof h.regs);
        g_ctx.in_flags = h.eflags;
        g_fault.vector = kNoFault;

        run_native();

        ResultHeader r{};
        if (g_fault.vector != kNoFault) {
            r.vector = g_fault.vector;
            r.fault_eip = g_fault.eip;
            r.fault_addr = g_fault.addr;
            r.host_signal = g_fault.signal;
            r.host_si_code = g_fault.si_code;
            r.host_error_code = g_fault.error_code;
            for (int i = 0; i < 8; ++i) r.regs[i] = g_fault.regs[i];
            r.eflags = g_fault.eflags;
        } else {
            r.vector = kNoFault;
            memcpy(r.regs, g_ctx.out_regs, sizeof r.regs);
            r.eflags = g_ctx.out_flags;
        }
        uint32_t n = 0;
        for (uint32_t i = 0; i < kDataSize; ++i)
            if (data[i] != initial[i]) deltas[n++] = DataDelta{uint16_t(i), data[i], 0};
        r.ndelta = n;
        fwrite(&r, sizeof r, 1, out);
        fwrite(deltas, sizeof(DataDelta), n, out);
    }
    return fclose(out) == 0 ? 0 : 1;
}
