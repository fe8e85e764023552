// The x87 transcendentals in software.
#include "cpu/fpu/transcendental.h"

namespace vmi86::fpu::detail {

StackResult transcendental(StackOp, Float80, Float80, FpEnv& env) {
    env.flags |= kIE;
    StackResult r;
    r.st0 = r.st1 = kDefaultNaN;
    return r;
}

} // namespace vmi86::fpu::detail
