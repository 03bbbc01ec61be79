/*
 * kernel/core/ksyms.c - symbol lookup for backtraces.
 */
#include "kernel/core/ksyms.h"

#include <stddef.h>

/*
 * Provided by the generated table of the final link; the weak empty
 * versions serve the first link.  ksyms_addrs is sorted ascending, with a
 * final sentinel at the end of .text; ksyms_names holds ksyms_count
 * NUL-terminated names in the same order.
 */
extern const uint64_t ksyms_addrs[] __attribute__((weak));
extern const char ksyms_names[] __attribute__((weak));
extern const uint32_t ksyms_name_offsets[] __attribute__((weak));
extern const uint32_t ksyms_count __attribute__((weak));

const char *ksyms_lookup(uintptr_t addr, uintptr_t *offset)
{
	if (!&ksyms_count || ksyms_count == 0)
		return NULL;

	uint32_t n = ksyms_count;

	/* Outside [first symbol, sentinel): not ours. */
	if (addr < ksyms_addrs[0] || addr >= ksyms_addrs[n])
		return NULL;

	/* Last symbol whose address is <= addr. */
	uint32_t lo = 0, hi = n;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ksyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - ksyms_addrs[lo];
	return &ksyms_names[ksyms_name_offsets[lo]];
}
