// Logging to stderr through fmt; warn_once for guest misbehaviour that must not flood the log.
#pragma once
#include <fmt/core.h>
#include <set>
#include <string>

namespace vmi86 {

class Log {
public:
    bool verbose = false;

    template <typename... Args> void info(fmt::format_string<Args...> f, Args&&... args) {
        if (verbose) fmt::print(stderr, "vmi86: {}\n", fmt::format(f, std::forward<Args>(args)...));
    }
    template <typename... Args> void warn(fmt::format_string<Args...> f, Args&&... args) {
        fmt::print(stderr, "vmi86: {}\n", fmt::format(f, std::forward<Args>(args)...));
    }
    // Logs a message once per key: guest misbehaviour is reported, not repeated.
    template <typename... Args>
    void warn_once(const std::string& key, fmt::format_string<Args...> f, Args&&... args) {
        if (seen_.insert(key).second) warn(f, std::forward<Args>(args)...);
    }

private:
    std::set<std::string> seen_;
};

} // namespace vmi86
