/*
 * tests/unit/uaccess_test.c - user copies against a fake address space.
 *
 * The fake arch maps user pages of a toy address space onto an arena
 * standing in for physical memory; each page has its own protection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi/errno.h"
#include "kernel/arch/arch.h"
#include "kernel/mm/uaccess.h"

#define PAGES		8
#define USER_BASE	0x400000ull
#define CEILING		0x0000800000000000ull
#define ROOT		0x1000ull

static uint8_t *arena;			/* "physical" pages 0..PAGES-1 */
static unsigned page_prot[PAGES];	/* 0 = unmapped */

uintptr_t arch_direct_map_base(void)
{
	return (uintptr_t)arena;
}

uintptr_t arch_user_ceiling(void)
{
	return CEILING;
}

/* User page USER_BASE + i * 4096 is physical page i. */
bool arch_vm_translate(uint64_t root, uintptr_t va, uint64_t *pa,
		       unsigned *prot)
{
	if (root != ROOT || va < USER_BASE || va >= USER_BASE + PAGES * 4096)
		return false;

	unsigned i = (unsigned)((va - USER_BASE) / 4096);

	if (!page_prot[i])
		return false;
	*pa = (uint64_t)i * 4096 + (va & 4095);
	*prot = page_prot[i];
	return true;
}

/*
 * The direct path (the address space is the active one): the fake copies
 * through the same arena and fails on a page the walk would refuse, as
 * the real one does by faulting.  Calls are counted.
 */
static uint64_t active_root;
static unsigned direct_calls;

uint64_t arch_vm_active_root(void)
{
	return active_root;
}

static int fake_direct(uintptr_t uaddr, size_t len, bool write, uint8_t **out)
{
	direct_calls++;
	for (uintptr_t a = uaddr & ~(uintptr_t)4095; a < uaddr + len; a += 4096) {
		uint64_t pa;
		unsigned prot;

		if (!arch_vm_translate(ROOT, a, &pa, &prot) ||
		    !(prot & ARCH_PROT_USER) || (write && !(prot & ARCH_PROT_WRITE)))
			return -EINVAL;
	}
	*out = arena + (uaddr - USER_BASE);
	return 0;
}

int arch_copy_from_user(void *dst, uintptr_t src, size_t len)
{
	uint8_t *p;
	int err = fake_direct(src, len, false, &p);

	if (!err)
		memcpy(dst, p, len);
	return err;
}

int arch_copy_to_user(uintptr_t dst, const void *src, size_t len)
{
	uint8_t *p;
	int err = fake_direct(dst, len, true, &p);

	if (!err)
		memcpy(p, src, len);
	return err;
}

static const unsigned RW = ARCH_PROT_READ | ARCH_PROT_WRITE | ARCH_PROT_USER;
static const unsigned RO = ARCH_PROT_READ | ARCH_PROT_USER;

static int setup(void **state)
{
	(void)state;
	arena = calloc(PAGES, 4096);
	active_root = 0;
	direct_calls = 0;
	for (unsigned i = 0; i < PAGES; i++) {
		page_prot[i] = RW;
		memset(arena + i * 4096, 'a' + (int)i, 4096);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

/* A copy inside one page returns exactly those bytes. */
static void copy_in_within_page(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE + 100, 16), 0);
	assert_memory_equal(buf, "aaaaaaaaaaaaaaaa", 16);
}

/* A copy spanning two pages joins them in order. */
static void copy_in_across_pages(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE + 4092, 8), 0);
	assert_memory_equal(buf, "aaaabbbb", 8);
}

/* The largest copy is allowed; one byte more is refused. */
static void copy_size_limit(void **state)
{
	static char buf[UACCESS_MAX + 1];

	(void)state;
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE + 1, UACCESS_MAX), 0);
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE, UACCESS_MAX + 1),
			 -EINVAL);
}

/* An unmapped page anywhere in the range fails the whole copy. */
static void unmapped_page_fails_whole_copy(void **state)
{
	char buf[8192];

	(void)state;
	page_prot[1] = 0;
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE + 4000, 200),
			 -EINVAL);
	memset(buf, 'z', 200);
	assert_int_equal(copy_to_user(ROOT, USER_BASE + 4000, buf, 200), -EINVAL);
	/* Nothing was written to the mapped first page. */
	assert_int_equal(arena[4000], 'a');
}

/* Writing into a read-only page is refused; reading it works. */
static void read_only_page_refuses_writes(void **state)
{
	char buf[4] = "xyz";

	(void)state;
	page_prot[2] = RO;
	assert_int_equal(copy_to_user(ROOT, USER_BASE + 2 * 4096, buf, 4), -EINVAL);
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE + 2 * 4096, 4), 0);
	assert_memory_equal(buf, "cccc", 4);
}

/* A page without the user bit is kernel memory: refused both ways. */
static void kernel_only_page_refused(void **state)
{
	char buf[4];

	(void)state;
	page_prot[3] = ARCH_PROT_READ | ARCH_PROT_WRITE;
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE + 3 * 4096, 4),
			 -EINVAL);
	assert_int_equal(copy_to_user(ROOT, USER_BASE + 3 * 4096, buf, 4),
			 -EINVAL);
}

/* copy_to_user lands bytes where translation says. */
static void copy_out_lands_bytes(void **state)
{
	(void)state;
	assert_int_equal(copy_to_user(ROOT, USER_BASE + 4094, "hello", 5), 0);
	assert_memory_equal(arena + 4094, "he", 2);
	assert_memory_equal(arena + 4096, "llo", 3);
}

/* Addresses at or past the ceiling, and wrapping ranges, are refused. */
static void ceiling_and_wrap_refused(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(copy_from_user(ROOT, buf, CEILING, 1), -EINVAL);
	assert_int_equal(copy_from_user(ROOT, buf, CEILING - 4, 16), -EINVAL);
	assert_int_equal(copy_from_user(ROOT, buf, UINTPTR_MAX - 4, 16), -EINVAL);
	assert_int_equal(copy_to_user(ROOT, 0xFFFFFFFF80000000ull, buf, 1),
			 -EINVAL);
	assert_true(uaccess_range_ok(CEILING - 16, 16));
	assert_false(uaccess_range_ok(CEILING - 16, 17));
}

/* No address space (a kernel task) means no user memory at all. */
static void no_address_space_refused(void **state)
{
	char buf[1];

	(void)state;
	assert_int_equal(copy_from_user(0, buf, USER_BASE, 1), -EINVAL);
	assert_int_equal(copy_to_user(0, USER_BASE, buf, 1), -EINVAL);
}

/* Zero-length copies succeed without touching anything, even at NULL. */
static void zero_length_succeeds(void **state)
{
	(void)state;
	assert_int_equal(copy_from_user(ROOT, NULL, 0, 0), 0);
	assert_int_equal(copy_to_user(ROOT, 0, NULL, 0), 0);
}

/* Null and low user pointers are simply unmapped addresses. */
static void null_pointer_refused(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(copy_from_user(ROOT, buf, 0, 4), -EINVAL);
	assert_int_equal(copy_to_user(ROOT, 8, buf, 4), -EINVAL);
}

/* The active address space is copied directly; any other by the walk. */
static void active_root_copies_directly(void **state)
{
	char buf[8];

	(void)state;
	active_root = ROOT;
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE + 4094, 8), 0);
	assert_memory_equal(buf, "aabbbbbb", 8);
	assert_int_equal(copy_to_user(ROOT, USER_BASE + 10, "xyz", 3), 0);
	assert_memory_equal(arena + 10, "xyz", 3);
	assert_int_equal(direct_calls, 2);
	/* A fault on the direct path is the copy's error. */
	page_prot[1] = RO;
	assert_int_equal(copy_to_user(ROOT, USER_BASE + 4096, "q", 1), -EINVAL);
	assert_int_equal(direct_calls, 3);
	/* Another address space: the walk, never the direct copy. */
	active_root = ROOT + 0x1000;
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE, 4), 0);
	assert_int_equal(direct_calls, 3);
	/* Size limit before either path. */
	active_root = ROOT;
	assert_int_equal(copy_from_user(ROOT, buf, USER_BASE, UACCESS_MAX + 1),
			 -EINVAL);
	assert_int_equal(direct_calls, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(copy_in_within_page),
		T(copy_in_across_pages),
		T(copy_size_limit),
		T(unmapped_page_fails_whole_copy),
		T(read_only_page_refuses_writes),
		T(kernel_only_page_refused),
		T(copy_out_lands_bytes),
		T(ceiling_and_wrap_refused),
		T(no_address_space_refused),
		T(zero_length_succeeds),
		T(null_pointer_refused),
		T(active_root_copies_directly),
#undef T
	};

	return cmocka_run_group_tests_name("uaccess", tests, NULL, NULL);
}
