/* Runs the benchmark workload natively (32-bit process) and prints the checksum and time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

uint32_t workload_native(uint8_t* buf, uint32_t rounds);

int main(int argc, char** argv) {
    uint32_t rounds = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 200;
    static uint8_t buf[65536];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint32_t sum = workload_native(buf, rounds);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%08X\n%.6f\n", sum, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
