/*
 * lib/klib/string.c - freestanding memory and string primitives.
 *
 * Built into the kernel and user programs only; host builds use the C
 * library (see lib/klib/klib.mk), except for the non-standard helpers at
 * the bottom, which live in string_extra.c.
 */
#include "lib/klib/string.h"

#include <stdint.h>

/* Word types for memcpy; may_alias: they read and write any object. */
typedef uint64_t __attribute__((may_alias)) word_t;
/* A word at any address: unaligned loads where the CPU has them, byte
 * loads where it does not (the compiler chooses). */
typedef uint64_t __attribute__((may_alias, aligned(1))) uword_t;

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (n >= 16) {
		/* Align the destination; then words, four at a time. */
		while ((uintptr_t)d & 7) {
			*d++ = *s++;
			n--;
		}
		word_t *dw = (word_t *)(void *)d;

		if (((uintptr_t)s & 7) == 0) {
			const word_t *sw = (const word_t *)(const void *)s;

			for (; n >= 32; n -= 32, dw += 4, sw += 4) {
				dw[0] = sw[0];
				dw[1] = sw[1];
				dw[2] = sw[2];
				dw[3] = sw[3];
			}
			for (; n >= 8; n -= 8)
				*dw++ = *sw++;
			s = (const unsigned char *)sw;
		} else {
			const uword_t *sw = (const uword_t *)(const void *)s;

			for (; n >= 32; n -= 32, dw += 4, sw += 4) {
				dw[0] = sw[0];
				dw[1] = sw[1];
				dw[2] = sw[2];
				dw[3] = sw[3];
			}
			for (; n >= 8; n -= 8)
				*dw++ = *sw++;
			s = (const unsigned char *)sw;
		}
		d = (unsigned char *)dw;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	/* Overlap with dst above src: copy backwards. */
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	uint64_t pattern = (uint8_t)c * 0x0101010101010101ull;

	while (n && ((uintptr_t)d & 7)) {
		*d++ = (unsigned char)c;
		n--;
	}
	for (; n >= 8; n -= 8, d += 8)
		*(uint64_t *)(void *)d = pattern;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}
