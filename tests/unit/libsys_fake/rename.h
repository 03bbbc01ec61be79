/*
 * tests/unit/libsys_fake/rename.h - forced into every source of the
 * libsys unit test (-include): libsys's C-library-named functions get a
 * libsys_ prefix so they do not replace the host C library's (which
 * cmocka and the sanitizers use).  Function-like macros, so that
 * attribute arguments such as format(printf, ...) stay untouched.
 */
#pragma once

#define printf(...)    libsys_printf(__VA_ARGS__)
#define vprintf(...)   libsys_vprintf(__VA_ARGS__)
#define puts(...)      libsys_puts(__VA_ARGS__)
#define snprintf(...)  libsys_snprintf(__VA_ARGS__)
#define vsnprintf(...) libsys_vsnprintf(__VA_ARGS__)
#define strerror(...)  libsys_strerror(__VA_ARGS__)
