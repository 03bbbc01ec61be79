/*
 * tests/fuzz/fuzz_cmdline.c - libFuzzer target for the kernel command line
 * parser.  The input becomes a NUL-terminated string in a heap block of
 * exactly its size; the parsed result must stay within its tables.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/core/cmdline.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

static struct cmdline cl;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	int err;

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	err = cmdline_parse(line, &cl);
	free(line);
	CHECK(err <= 0 && err == cl.error);
	CHECK(cl.loglevel >= 0 && cl.loglevel <= 7);
	CHECK(cl.smp <= CMDLINE_SMP_MAX);
	CHECK(cl.test_count <= CMDLINE_MAX_TESTS);
	CHECK(cl.unknown_count <= CMDLINE_MAX_UNKNOWN);
	CHECK(memchr(cl.error_word, 0, sizeof(cl.error_word)) != NULL);
	for (unsigned i = 0; i < cl.test_count; i++) {
		CHECK(cl.tests[i][0] != '\0');
		CHECK(cmdline_has_test(&cl, cl.tests[i]));
	}
	return 0;
}
