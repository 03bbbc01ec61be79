/*
 * tests/fuzz/fuzz_elf.c - libFuzzer target for everything the kernel does
 * with an untrusted binary before loading it: ARCSIG check, ELF parse,
 * deny rules, page plan (kernel/loader/).
 *
 * Each input is checked for all three machines as a bare ELF, and as a
 * signed binary against a keyring holding the spec's dev key (the seed
 * corpus has binaries signed with it, so mutations of the trailer reach
 * the signature code).  Besides the sanitizers, every accepted image must
 * satisfy the plan's promises; a broken promise traps.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "abi/errno.h"
#include "kernel/loader/arcsig.h"
#include "kernel/loader/elf.h"
#include "kernel/loader/verify.h"

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

/* Public key of the spec's dev seed "ArcOS-Bootstrap-Identity-Phase0!". */
static const uint8_t dev_key[32] = {
    0x86, 0x76, 0x3c, 0xb0, 0xb8, 0x55, 0xcd, 0x6c, 0x1b, 0xd9, 0x9c,
    0xe3, 0x8c, 0x10, 0x16, 0x79, 0xc5, 0x8a, 0xcb, 0x19, 0x6e, 0x45,
    0x8b, 0xfb, 0xfe, 0x4a, 0xa6, 0x06, 0x75, 0x48, 0x19, 0xd4,
};

static const uint16_t machines[] = {
    ELF_MACHINE_X86_64,
    ELF_MACHINE_AARCH64,
    ELF_MACHINE_RISCV,
};

static struct elf_image img;
static struct elf_plan plan;

static void check_verdict(int err, const struct loader_verdict *v)
{
	CHECK(v->err == err);
	CHECK(v->reason != NULL && v->reason[0] != '\0');
	CHECK(err == 0 ? v->deny == LOADER_DENY_NONE
		       : v->deny >= 0 && v->deny < LOADER_DENY_COUNT);
}

/* The promises of struct elf_plan, for an image that was accepted. */
static void check_plan(const struct elf_image *im, const struct elf_plan *p)
{
	uint64_t pages = 0;
	uint32_t prot;

	CHECK(im->nseg >= 1 && im->nseg <= ELF_MAX_LOAD);
	CHECK(im->total_memsz <= ELF_MAX_TOTAL_MEMSZ);
	CHECK(p->nruns <= ELF_PLAN_MAX_RUNS && p->ncopies <= im->nseg);
	for (uint32_t i = 0; i < p->nruns; i++) {
		const struct elf_page_run *r = &p->run[i];

		CHECK(r->vaddr % ELF_PAGE_SIZE == 0 && r->npages >= 1);
		CHECK(!((r->prot & ELF_PF_W) && (r->prot & ELF_PF_X)));
		CHECK(r->vaddr + r->npages * ELF_PAGE_SIZE <= ELF_USER_CEILING);
		if (i > 0) {
			const struct elf_page_run *q = &p->run[i - 1];
			uint64_t q_end = q->vaddr + q->npages * ELF_PAGE_SIZE;

			CHECK(q_end <= r->vaddr);
			CHECK(q_end != r->vaddr || q->prot != r->prot);
		}
		pages += r->npages;
	}
	CHECK(pages == p->npages);
	for (unsigned i = 0; i < im->nseg; i++) {
		const struct elf_segment *s = &im->seg[i];

		CHECK(s->filesz <= s->memsz);
		CHECK(s->offset <= im->len && s->filesz <= im->len - s->offset);
		CHECK(s->vaddr + s->memsz <= ELF_USER_CEILING);
		if (i > 0)
			CHECK(im->seg[i - 1].vaddr <= s->vaddr);
		if (!s->memsz)
			continue;
		CHECK(elf_plan_lookup(p, s->vaddr, &prot));
		CHECK((prot & s->flags) == s->flags);
		CHECK(elf_plan_lookup(p, s->vaddr + s->memsz - 1, &prot));
		CHECK((prot & s->flags) == s->flags);
		for (unsigned j = i + 1; j < im->nseg; j++) {
			const struct elf_segment *t = &im->seg[j];

			CHECK(!t->memsz || s->vaddr + s->memsz <= t->vaddr);
		}
	}
	for (uint32_t i = 0; i < p->ncopies; i++) {
		const struct elf_copy *c = &p->copy[i];

		CHECK(c->len > 0 && c->offset <= im->len &&
		      c->len <= im->len - c->offset);
		CHECK(elf_plan_lookup(p, c->vaddr, NULL));
		CHECK(elf_plan_lookup(p, c->vaddr + c->len - 1, NULL));
	}
	CHECK(elf_plan_lookup(p, p->entry, &prot) && (prot & ELF_PF_X));
	CHECK(p->entry == im->entry);
}

static void fuzz_bare(const uint8_t *data, size_t size, uint16_t machine)
{
	struct loader_verdict v;
	int err;

	err = elf_parse(data, size, machine, &img, &v);
	check_verdict(err, &v);
	if (err) {
		CHECK(v.deny == LOADER_DENY_MALFORMED);
		return;
	}
	CHECK(img.len == size && img.data == data);
	err = elf_verify(&img, &v);
	check_verdict(err, &v);
	if (err) {
		CHECK(err == -EPERM &&
		      v.deny >= LOADER_DENY_ENTRY_OUT_OF_RANGE &&
		      v.deny <= LOADER_DENY_EXCESSIVE_MEMORY);
		return;
	}
	err = elf_plan_pages(&img, &plan, &v);
	check_verdict(err, &v);
	/* elf_verify already enforces every rule the planner checks. */
	CHECK(err == 0);
	check_plan(&img, &plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arcsig_keyring kr;
	struct loader_verdict v;
	size_t plen;
	int err;

	if (kr.count == 0 && arcsig_keyring_add(&kr, dev_key) != 0)
		__builtin_trap();

	/* The ELF alone (a fuzzer rarely forges a signature). */
	plen = arcsig_payload_len(data, size);
	CHECK(plen == size || plen == size - ARCSIG_TRAILER_LEN);
	for (unsigned m = 0; m < 3; m++)
		fuzz_bare(data, plen, machines[m]);

	/* The whole check the loader makes, signature first. */
	for (unsigned m = 0; m < 3; m++) {
		err = loader_verify_binary(&kr, data, size, machines[m], &img,
					   &plan, NULL, &v);
		check_verdict(err, &v);
		if (!arcsig_has_trailer(data, size))
			CHECK(err != 0 &&
			      v.deny == LOADER_DENY_MISSING_SIGNATURE);
		if (err == 0) {
			CHECK(img.len == plen);
			check_plan(&img, &plan);
		}
	}
	return 0;
}
