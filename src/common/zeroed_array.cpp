#include "common/zeroed_array.h"
#include <sys/mman.h>

namespace vmi86 {

void* allocate_zeroed_bytes(size_t bytes, bool huge_pages) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
    if (huge_pages) madvise(p, bytes, MADV_HUGEPAGE); // advice only: no error if refused
#else
    (void)huge_pages;
#endif
    return p;
}

void UnmapDeleter::operator()(void* p) const {
    if (p) munmap(p, bytes);
}

} // namespace vmi86
