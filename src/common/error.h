// Errors at the edges (bad user input): one clear message, non-zero exit.
#pragma once
#include <stdexcept>
#include <string>

namespace vmi86 {

// A problem with what the user gave us (file, option, image). Caught in main(), printed as one
// line, exit status 2.
class UserError : public std::runtime_error {
public:
    explicit UserError(const std::string& what) : std::runtime_error(what) {}
};

} // namespace vmi86
