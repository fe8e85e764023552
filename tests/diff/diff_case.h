// The wire format between diff_test (64-bit, runs vmi86) and diff_native (a 32-bit static helper
// that runs the same code on the host CPU). Both sides are built from this header, so the structs
// hold only 32-bit and smaller fields (u64 alignment differs between i386 and x86-64).
#pragma once
#include <cstdint>

namespace diffwire {

// Fixed linear addresses used by both sides: the native helper maps these pages with MAP_FIXED
// (a static i386 binary loads at 0x08048000), the emulator has them in guest RAM.
constexpr uint32_t kCodeAddr = 0x00400000;
constexpr uint32_t kDataAddr = 0x00500000;
constexpr uint32_t kDataSize = 4096;
constexpr uint32_t kMaxCode = 4000;
constexpr uint32_t kNoFault = 0xFFFFFFFFu;

// One test case on the wire: this header, then code_len code bytes.
struct CaseHeader {
    uint32_t regs[8]; // EAX ECX EDX EBX ESP EBP ESI EDI
    uint32_t eflags;
    uint32_t code_len;
    uint32_t data_seed_lo, data_seed_hi; // the data page is filled by fill_data(seed)
};

// One result: this header, then ndelta DataDelta entries (bytes of the data page that changed).
struct ResultHeader {
    uint32_t regs[8];
    uint32_t eflags;
    uint32_t vector;     // exception vector, or kNoFault when the sequence ran to its end
    uint32_t fault_eip;  // EIP of the faulting instruction (after it, for INT3 and INTO)
    uint32_t fault_addr; // CR2 of a page fault
    // How the host reported a fault (0 when none), to diagnose an unexpected one; not compared:
    // the signal, its si_code and the trap's error code (the page-fault error code for #PF).
    uint32_t host_signal;
    uint32_t host_si_code;
    uint32_t host_error_code;
    uint32_t ndelta;
};

struct DataDelta {
    uint16_t offset;
    uint8_t value;
    uint8_t pad;
};

// Values that exercise carries, overflows and sign changes.
constexpr uint32_t kEdgeValues[] = {
    0,          1,          2,          3,          0x7F,       0x80,       0x81,
    0xFF,       0x100,      0x7FFF,     0x8000,     0x8001,     0xFFFF,     0x10000,
    0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFF80, 0xFFFF8000,
    0x0F,       0x10,       0x09,       0x0A,       0x99,       0x9A,       0x0F0F0F0F,
    0x55555555, 0xAAAAAAAA, 0x01010101, 0x1F,       0x20,       0x21,
};
constexpr uint32_t kNumEdgeValues = sizeof(kEdgeValues) / sizeof(kEdgeValues[0]);

inline uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The initial contents of the data page: random dwords mixed with edge values.
inline void fill_data(uint64_t seed, uint8_t* out) {
    uint64_t st = seed;
    for (uint32_t i = 0; i < kDataSize; i += 4) {
        uint64_t r = splitmix64(st);
        uint32_t v = (r & 7) == 0 ? kEdgeValues[(r >> 8) % kNumEdgeValues] : uint32_t(r >> 32);
        out[i] = uint8_t(v);
        out[i + 1] = uint8_t(v >> 8);
        out[i + 2] = uint8_t(v >> 16);
        out[i + 3] = uint8_t(v >> 24);
    }
}

} // namespace diffwire
