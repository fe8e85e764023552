// An interrupt message on the APIC bus: what the I/O APIC (and, later, MSI or other CPUs' IPIs)
// sends to local APICs. The receiver decides from the destination whether it is addressed.
#pragma once
#include "common/types.h"

namespace vmi86 {

enum class ApicDeliveryMode : u8 {
    Fixed = 0,
    LowestPriority = 1,
    Smi = 2,
    Nmi = 4,
    Init = 5,
    StartUp = 6,
    ExtInt = 7,
};

struct ApicMessage {
    u8 vector = 0;
    ApicDeliveryMode delivery_mode = ApicDeliveryMode::Fixed;
    bool logical_destination = false; // destination mode: physical APIC ID or logical mask
    u8 destination = 0;
    bool level_triggered = false; // the receiver sets TMR and reports the EOI back
};

} // namespace vmi86
