// Interrupt request lines. A device drives a line's level (or pulses it for edge-triggered
// sources); the line fans out to every interrupt controller input wired to it (the 8259A pair
// and the I/O APIC see the same ISA IRQs, as on a PC).
#pragma once
#include <functional>
#include <vector>

namespace vmi86 {

class IrqLine {
public:
    using Sink = std::function<void(bool level)>;
    void connect(Sink sink) { sinks_.push_back(std::move(sink)); }
    void set(bool level) {
        if (level == level_) return;
        level_ = level;
        for (auto& s : sinks_) s(level);
    }
    void raise() { set(true); }
    void lower() { set(false); }
    void pulse() {
        set(true);
        set(false);
    }
    bool level() const { return level_; }

private:
    bool level_ = false;
    std::vector<Sink> sinks_;
};

} // namespace vmi86
