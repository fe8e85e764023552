// Large zero-filled arrays straight from the host's kernel: fresh anonymous pages are zero without
// being written, so memory the guest never touches costs neither time nor RAM (new T[n]() writes
// every byte: 64 MiB of guest RAM and the 24 MiB page map took most of a short run).
#pragma once
#include <cstddef>
#include <memory>
#include <type_traits>

namespace vmi86 {

struct UnmapDeleter {
    size_t bytes = 0;
    void operator()(void* p) const;
};

template <class T> using ZeroedArray = std::unique_ptr<T[], UnmapDeleter>;

// Null if the host has not the memory. With `huge_pages` the host may back the array with
// 2 MiB pages (guest RAM: page walks and guest accesses then miss the host's TLB far less).
void* allocate_zeroed_bytes(size_t bytes, bool huge_pages);

// T's all-zero bytes must be its default value.
template <class T> ZeroedArray<T> allocate_zeroed(size_t count, bool huge_pages = false) {
    static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
    const size_t bytes = count * sizeof(T);
    return ZeroedArray<T>(static_cast<T*>(allocate_zeroed_bytes(bytes, huge_pages)),
                          UnmapDeleter{bytes});
}

} // namespace vmi86
