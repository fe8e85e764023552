// Virtual time: one scheduler per machine, a min-heap of events ordered by due time, then by the
// order they were scheduled. Devices schedule callbacks and read the current time; they never
// see the CPU. The machine advances time (with retired instructions in deterministic mode, with
// the host clock in real-time mode) and runs due events between CPU slices.
#pragma once
#include "common/types.h"
#include <functional>
#include <queue>
#include <unordered_set>
#include <vector>

namespace vmi86 {

class Scheduler {
public:
    using EventId = u64;
    static constexpr u64 kNever = ~0ull;

    // now(): current virtual time in nanoseconds. The machine supplies the clock, so time can
    // move inside a CPU slice (a device read in the middle of a block sees the current time).
    explicit Scheduler(std::function<u64()> clock = nullptr) : clock_(std::move(clock)) {}
    void set_clock(std::function<u64()> clock) { clock_ = std::move(clock); }
    u64 now() const { return clock_ ? clock_() : manual_now_; }

    // Runs `callback` when virtual time reaches `when_ns` (at once on the next run_due() if it
    // is already past). Returns an id for cancel().
    EventId schedule_at(u64 when_ns, std::function<void()> callback);
    EventId schedule_in(u64 delay_ns, std::function<void()> callback) {
        return schedule_at(now() + delay_ns, std::move(callback));
    }
    void cancel(EventId id);

    // The due time of the earliest pending event, or kNever.
    u64 next_deadline();
    // Runs every event due at or before now(), in order. Callbacks may schedule and cancel.
    void run_due();

    // For tests and clockless use: sets the time returned by now() when no clock is installed.
    void set_manual_time(u64 t) { manual_now_ = t; }

private:
    struct Event {
        u64 when;
        u64 seq;
        EventId id;
        std::function<void()> callback;
    };
    struct Later {
        bool operator()(const Event& a, const Event& b) const {
            return a.when != b.when ? a.when > b.when : a.seq > b.seq;
        }
    };
    void drop_cancelled_top();

    std::function<u64()> clock_;
    u64 manual_now_ = 0;
    u64 next_seq_ = 0;
    std::priority_queue<Event, std::vector<Event>, Later> heap_;
    std::unordered_set<EventId> cancelled_;
};

} // namespace vmi86
