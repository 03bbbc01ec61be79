/*
 * tools/bench/objstore_bench.c - object-store put and get rates for
 * `make bench`: the disk store on a memory block device (the same code as
 * the kernel's) and the RAM store, with signed 1 KiB objects.  Host, -O2.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/fs/blockdev_mem.h"
#include "kernel/fs/object.h"
#include "kernel/fs/objstore.h"
#include "kernel/fs/objstore_disk.h"
#include "kernel/fs/objstore_ram.h"
#include "lib/crypto/ed25519.h"

#define OBJECTS		1000
#define CONTENT		1024
#define BLOCKS		(2 * OBJECTS + 16)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const char *name, struct objstore *st,
		struct cambi_object *objs, unsigned n)
{
	static struct cambi_object out;
	double t0 = now();

	for (unsigned i = 0; i < n; i++) {
		if (objstore_put(st, &objs[i])) {
			fprintf(stderr, "%s: put %u failed\n", name, i);
			exit(1);
		}
	}

	double t1 = now();

	for (unsigned i = 0; i < n; i++) {
		if (objstore_get(st, objs[i].content_hash, &out)) {
			fprintf(stderr, "%s: get %u failed\n", name, i);
			exit(1);
		}
	}

	double t2 = now();

	printf("  %-34s put %9.0f/s   get %9.0f/s\n", name, n / (t1 - t0),
	       n / (t2 - t1));
}

int main(void)
{
	static uint8_t seed[32] = { 7 }, pk[32], sk[64];
	struct cambi_object *objs = calloc(OBJECTS, sizeof(*objs));
	uint8_t *disk = calloc(BLOCKS, BLOCKDEV_BLOCK_SIZE);
	static struct objstore_disk ds;
	struct blockdev_mem mem;
	struct blockdev dev;
	struct objstore st;

	if (!objs || !disk)
		return 1;
	ed25519_keypair_from_seed(seed, pk, sk);
	for (unsigned i = 0; i < OBJECTS; i++) {
		uint8_t content[CONTENT];

		for (unsigned j = 0; j < CONTENT; j++)
			content[j] = (uint8_t)(i * 31 + j);
		memcpy(content, &i, sizeof(i));
		if (cambi_object_init(&objs[i], content, CONTENT) ||
		    cambi_object_sign(&objs[i], sk))
			return 1;
	}
	printf("Object store, %d signed objects of %d bytes (host, one thread; "
	       "each put verifies the signature)\n", OBJECTS, CONTENT);

	blockdev_mem_init(&mem, disk, BLOCKS, &dev);
	if (objstore_disk_open_or_format(&ds, &dev, 0, &st))
		return 1;
	run("disk store on the memory device", &st, objs, OBJECTS);

	static struct objstore_ram ram;
	static struct cambi_object table[256];
	struct objstore rst;

	if (objstore_ram_init(&ram, table, 256, &rst))
		return 1;
	run("RAM store (256 slots)", &rst, objs, 256);
	return 0;
}
