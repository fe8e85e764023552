#include "devices/scheduler.h"

namespace vmi86 {

Scheduler::EventId Scheduler::schedule_at(u64 when_ns, std::function<void()> callback) {
    EventId id = ++next_seq_;
    heap_.push(Event{when_ns, id, id, std::move(callback)});
    return id;
}

void Scheduler::cancel(EventId id) {
    if (id) cancelled_.insert(id);
}

void Scheduler::drop_cancelled_top() {
    while (!heap_.empty()) {
        auto it = cancelled_.find(heap_.top().id);
        if (it == cancelled_.end()) return;
        cancelled_.erase(it);
        heap_.pop();
    }
}

u64 Scheduler::next_deadline() {
    drop_cancelled_top();
    return heap_.empty() ? kNever : heap_.top().when;
}

void Scheduler::run_due() {
    const u64 t = now();
    for (;;) {
        drop_cancelled_top();
        if (heap_.empty() || heap_.top().when > t) return;
        Event e = heap_.top();
        heap_.pop();
        e.callback();
    }
}

} // namespace vmi86
