/*
 * tests/unit/tree_file.h - open a file of the source tree from a unit test:
 * relative to $CAMBIOS_SRCDIR if set, to the working directory (tests run
 * from the repository root), or to the binary (build/host/unit/ is three
 * levels down).
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline FILE *open_tree_file(const char *rel)
{
	char path[4096];
	const char *top = getenv("CAMBIOS_SRCDIR");
	FILE *f;

	if (top) {
		snprintf(path, sizeof(path), "%s/%s", top, rel);
		return fopen(path, "rb");
	}
	f = fopen(rel, "rb");
	if (f)
		return f;

	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return NULL;
	path[n] = '\0';

	char *slash = strrchr(path, '/');

	if (!slash)
		return NULL;
	snprintf(slash, sizeof(path) - (size_t)(slash - path), "/../../../%s",
		 rel);
	return fopen(path, "rb");
}
