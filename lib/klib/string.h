/*
 * lib/klib/string.h - memory and string primitives for freestanding code.
 *
 * Same names and contracts as the C library's, so code written against
 * this header also builds on the host, where the C library supplies them.
 */
#pragma once

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/**
 * Copy at most size - 1 bytes of src into dst and NUL-terminate (if size is
 * not 0).  Returns strlen(src), so truncation happened when the result is
 * >= size.
 */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

/**
 * Constant-time comparison of two n-byte buffers: true when equal.  The time
 * taken depends only on n, never on the contents (for secrets and MACs).
 */
_Bool ct_memeq(const void *a, const void *b, size_t n);

/**
 * Write n bytes of in as 2n lowercase hex digits and a NUL into out
 * (2n + 1 bytes).
 */
void hex_encode(char *out, const unsigned char *in, size_t n);

/** Value of hex digit c (either case), or -1 when c is not one. */
int hex_digit(char c);
