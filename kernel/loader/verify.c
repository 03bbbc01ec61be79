/*
 * kernel/loader/verify.c - signature, structure, rules, plan: in the order
 * of spec security.md §3, so that nothing of an unsigned or foreign binary
 * is parsed.
 */
#include "kernel/loader/verify.h"

#include "kernel/loader/arcsig.h"
#include "kernel/loader/elf.h"

int loader_verify_binary(const struct arcsig_keyring *kr, const void *data,
			 size_t len, uint16_t machine, struct elf_image *img,
			 struct elf_plan *plan, int *key_index,
			 struct loader_verdict *v)
{
	size_t elf_len;
	int err;

	err = arcsig_verify(kr, data, len, &elf_len, key_index, v);
	if (err)
		return err;
	/* The trailer is not part of the ELF: bounds use the signed length. */
	err = elf_parse(data, elf_len, machine, img, v);
	if (err)
		return err;
	err = elf_verify(img, v);
	if (err)
		return err;
	return elf_plan_pages(img, plan, v);
}
