// Guest faults inside the core are C++ exceptions (clean handlers); the run loop catches them and
// delivers them through the one exception path. No exception ever crosses translated code.
#pragma once
#include "common/types.h"

namespace vmi86 {

enum Vector : u8 {
    kDE = 0,
    kDB = 1,
    kNMI = 2,
    kBP = 3,
    kOF = 4,
    kBR = 5,
    kUD = 6,
    kNM = 7,
    kDF = 8,
    kTS = 10,
    kNP = 11,
    kSS = 12,
    kGP = 13,
    kPF = 14,
    kMF = 16,
    kAC = 17,
    kMC = 18,
    kXM = 19,
};

struct GuestFault {
    u8 vector;
    bool has_error;
    u32 error;
};

} // namespace vmi86
