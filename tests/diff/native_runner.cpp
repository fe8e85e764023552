#include "native_runner.h"
#include "cpu/fault.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/core.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace vmi86::difftest {

std::vector<Outcome> run_native(const std::string& helper, const std::vector<TestCase>& cases) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = tmp && *tmp ? tmp : "/tmp";
    std::string in_path = dir + "/vmi86-diff-XXXXXX";
    int fd = mkstemp(in_path.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    std::string out_path = in_path + ".out";
    {
        FILE* f = std::fopen(in_path.c_str(), "wb");
        for (const TestCase& tc : cases) {
            diffwire::CaseHeader h{};
            std::memcpy(h.regs, tc.regs, sizeof h.regs);
            h.eflags = tc.eflags;
            h.code_len = u32(tc.code.size());
            h.data_seed_lo = u32(tc.data_seed);
            h.data_seed_hi = u32(tc.data_seed >> 32);
            std::fwrite(&h, sizeof h, 1, f);
            std::fwrite(tc.code.data(), 1, tc.code.size(), f);
        }
        std::fclose(f);
    }
    pid_t pid;
    const char* argv[] = {helper.c_str(), in_path.c_str(), out_path.c_str(), nullptr};
    if (posix_spawn(&pid, helper.c_str(), nullptr, nullptr, const_cast<char**>(argv), environ)) {
        std::remove(in_path.c_str());
        throw SkipTest("cannot start " + helper + " (no i386 support on this host?)");
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::remove(in_path.c_str());
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 127)) {
        std::remove(out_path.c_str());
        throw SkipTest(helper + " cannot run here");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::remove(out_path.c_str());
        throw std::runtime_error(fmt::format("{} failed (status {:#x})", helper, status));
    }
    std::vector<Outcome> out;
    FILE* f = std::fopen(out_path.c_str(), "rb");
    std::vector<u8> initial(diffwire::kDataSize);
    for (const TestCase& tc : cases) {
        diffwire::ResultHeader h;
        if (std::fread(&h, sizeof h, 1, f) != 1) throw std::runtime_error("short native results");
        Outcome o;
        std::memcpy(o.regs, h.regs, sizeof o.regs);
        o.eflags = h.eflags;
        o.vector = h.vector;
        o.fault_eip = h.fault_eip;
        o.fault_addr = h.vector == kPF ? h.fault_addr : 0;
        o.host_signal = h.host_signal;
        o.host_si_code = h.host_si_code;
        o.host_error_code = h.host_error_code;
        diffwire::fill_data(tc.data_seed, initial.data());
        o.data = initial;
        for (u32 i = 0; i < h.ndelta; ++i) {
            diffwire::DataDelta d;
            if (std::fread(&d, sizeof d, 1, f) != 1) throw std::runtime_error("short deltas");
            o.data[d.offset] = d.value;
        }
        out.push_back(std::move(o));
    }
    std::fclose(f);
    std::remove(out_path.c_str());
    return out;
}

} // namespace vmi86::difftest
