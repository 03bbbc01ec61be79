/*
 * lib/klib/endian.h - little-endian loads and stores at any alignment:
 * the one place wire formats (Multiboot2, ACPI, ELF, the on-disk object
 * format, the services' protocols) read and write their integers.
 * Byte by byte, so they never fault on strict-alignment targets and do
 * not depend on the host's byte order.
 */
#pragma once

#include <stdint.h>

static inline uint16_t le16_load(const void *src)
{
	const uint8_t *p = src;

	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t le32_load(const void *src)
{
	const uint8_t *p = src;

	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t le64_load(const void *src)
{
	const uint8_t *p = src;

	return (uint64_t)le32_load(p) | (uint64_t)le32_load(p + 4) << 32;
}

static inline void le16_store(void *dst, uint16_t v)
{
	uint8_t *p = dst;

	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void le32_store(void *dst, uint32_t v)
{
	uint8_t *p = dst;

	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void le64_store(void *dst, uint64_t v)
{
	uint8_t *p = dst;

	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
