// The scheduler orders events by time, then by the order they were scheduled.
#include "devices/scheduler.h"
#include <doctest/doctest.h>
#include <string>

using namespace vmi86;

TEST_CASE("scheduler runs due events in time order, ties in scheduling order") {
    Scheduler s;
    std::string log;
    s.schedule_at(200, [&] { log += "c"; });
    s.schedule_at(100, [&] { log += "a"; });
    s.schedule_at(100, [&] { log += "b"; });
    auto id = s.schedule_at(150, [&] { log += "x"; });
    s.cancel(id);
    CHECK(s.next_deadline() == 100);
    s.set_manual_time(150);
    s.run_due();
    CHECK(log == "ab");
    CHECK(s.next_deadline() == 200);
    s.set_manual_time(1000);
    s.schedule_at(500, [&] { log += "d"; });
    s.run_due();
    CHECK(log == "abcd");
    CHECK(s.next_deadline() == Scheduler::kNever);
}
