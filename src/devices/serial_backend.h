// Where a UART's transmitted bytes go on the host: a FILE* (stdout, a log file), a string (tests,
// --expect), or both.
#pragma once
#include "common/types.h"
#include <cstdio>
#include <string>

namespace vmi86 {

class SerialBackend {
public:
    virtual ~SerialBackend() = default;
    virtual void write_byte(u8 byte) = 0;
};

// Writes each byte to a stream and flushes it, so interactive output appears at once.
class FileSerialBackend : public SerialBackend {
public:
    explicit FileSerialBackend(std::FILE* out) : out_(out) {}
    void write_byte(u8 byte) override {
        std::fputc(byte, out_);
        std::fflush(out_);
    }

private:
    std::FILE* out_; // not owned
};

// Keeps everything written; optionally passes each byte on to another backend (so a headless run
// can both print the console and match --expect against it).
class StringSerialBackend : public SerialBackend {
public:
    explicit StringSerialBackend(SerialBackend* forward = nullptr) : forward_(forward) {}
    void write_byte(u8 byte) override {
        text_.push_back(char(byte));
        if (forward_) forward_->write_byte(byte);
    }
    const std::string& text() const { return text_; }
    void clear() { text_.clear(); }

private:
    std::string text_;
    SerialBackend* forward_; // not owned
};

} // namespace vmi86
