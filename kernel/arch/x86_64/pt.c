/*
 * kernel/arch/x86_64/pt.c - x86_64 4-level page-table primitives.
 */
#include "kernel/arch/x86_64/pt.h"

#include <stddef.h>

#include "abi/errno.h"

#define LEVELS		4
#define MAX_PHYS	(1ull << 52)

static uint64_t *table_at(const struct pt_ctx *ctx, uint64_t phys)
{
	return (uint64_t *)(phys + ctx->virt_offset);
}

/* Index of va in the table at level (3 = PML4 ... 0 = PT). */
static unsigned index_of(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* Page size of a leaf at level: 0 -> 4K, 1 -> 2M, 2 -> 1G. */
static uint64_t level_size(int level)
{
	return 1ull << (12 + 9 * level);
}

bool pt_canonical(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == 0x1FFFF;
}

int pt_map(const struct pt_ctx *ctx, uint64_t root, uint64_t va, uint64_t pa,
	   uint64_t size, uint64_t flags)
{
	int leaf_level;

	if (size == PAGE_4K)
		leaf_level = 0;
	else if (size == PAGE_2M)
		leaf_level = 1;
	else if (size == PAGE_1G)
		leaf_level = 2;
	else
		return -EINVAL;
	if ((va | pa) & (size - 1) || !pt_canonical(va) ||
	    !pt_canonical(va + size - 1) || pa >= MAX_PHYS ||
	    (flags & ~PTE_LEAF_FLAGS))
		return -EINVAL;

	uint64_t *table = table_at(ctx, root);

	for (int level = LEVELS - 1; level > leaf_level; level--) {
		uint64_t *e = &table[index_of(va, level)];

		if (!(*e & PTE_P)) {
			uint64_t t = ctx->alloc_table(ctx->arg);

			if (!t)
				return -ENOMEM;
			*e = t | PTE_P | PTE_W | (flags & PTE_U);
		} else if (*e & PTE_PS) {
			return -EEXIST;	/* a larger leaf covers va */
		} else if (flags & PTE_U) {
			*e |= PTE_U;
		}
		table = table_at(ctx, *e & PTE_ADDR_MASK);
	}

	uint64_t *leaf = &table[index_of(va, leaf_level)];

	if (*leaf & PTE_P)
		return -EEXIST;	/* a leaf or a table of smaller pages */
	*leaf = pa | flags | PTE_P | (leaf_level ? PTE_PS : 0);
	return 0;
}

/* Find the leaf entry for va; returns it and its level, or NULL. */
static uint64_t *find_leaf(const struct pt_ctx *ctx, uint64_t root,
			   uint64_t va, int *level_out)
{
	uint64_t *table = table_at(ctx, root);

	if (!pt_canonical(va))
		return NULL;
	for (int level = LEVELS - 1; level >= 0; level--) {
		uint64_t *e = &table[index_of(va, level)];

		if (!(*e & PTE_P))
			return NULL;
		if (level == 0 || ((*e & PTE_PS) && level <= 2)) {
			*level_out = level;
			return e;
		}
		table = table_at(ctx, *e & PTE_ADDR_MASK);
	}
	return NULL;
}

int pt_unmap(const struct pt_ctx *ctx, uint64_t root, uint64_t va,
	     uint64_t *pa, uint64_t *size)
{
	int level;
	uint64_t *e = find_leaf(ctx, root, va, &level);

	if (!e)
		return -ENOENT;
	if (va & (level_size(level) - 1))
		return -EINVAL;
	if (pa)
		*pa = *e & PTE_ADDR_MASK & ~(level_size(level) - 1);
	if (size)
		*size = level_size(level);
	*e = 0;
	return 0;
}

bool pt_lookup(const struct pt_ctx *ctx, uint64_t root, uint64_t va,
	       uint64_t *pa, uint64_t *flags)
{
	int level;
	uint64_t *e = find_leaf(ctx, root, va, &level);

	if (!e)
		return false;

	uint64_t mask = level_size(level) - 1;
	/* In large leaves bit 12 is PAT, not an address bit. */
	uint64_t base = *e & PTE_ADDR_MASK & ~mask;

	if (pa)
		*pa = base | (va & mask);
	if (flags)
		*flags = *e & ~PTE_ADDR_MASK & ~PTE_PS;
	return true;
}
