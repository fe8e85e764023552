# fmt as a header-only library (FMT_HEADER_ONLY), from the build host's fmt headers: the AArch64
# cross-build has no fmt library to link. The headers need only the C++ standard library, so only
# the fmt folder goes on the include path, never the build host's whole /usr/include.
find_path(VMI86_FMT_INCLUDE_DIR fmt/format-inl.h PATHS /usr/include /usr/local/include
          NO_CMAKE_FIND_ROOT_PATH REQUIRED)
set(fmt_headers ${CMAKE_BINARY_DIR}/fmt-headers)
file(MAKE_DIRECTORY ${fmt_headers})
file(CREATE_LINK ${VMI86_FMT_INCLUDE_DIR}/fmt ${fmt_headers}/fmt SYMBOLIC)
add_library(vmi86_fmt_header_only INTERFACE)
target_include_directories(vmi86_fmt_header_only SYSTEM INTERFACE ${fmt_headers})
target_compile_definitions(vmi86_fmt_header_only INTERFACE FMT_HEADER_ONLY)
add_library(fmt::fmt ALIAS vmi86_fmt_header_only)
