/*
 * user/tests/irq_thief.c - a spawn-only module dev_probe starts while it
 * owns the virtio-blk interrupt line: WaitIrq on that line must be
 * refused with -EPERM (the first claimant keeps a line).  Prints
 * "irq_thief: wait_irq(<irq>) ret=<r> want=<-EPERM> ok" (or "BAD"), or
 * "irq_thief: no device"; exit 0 when refused as expected, 1 otherwise.
 */
#include "lib/libsys/libsys.h"

int main(void)
{
	struct device_info di;

	for (uint32_t i = 0; sys_device_info(i, &di, sizeof(di)) == 0; i++) {
		if (di.vendor != 0x1AF4 || di.device != 0x1001 ||
		    di.irq == DEVICE_INFO_NO_IRQ)
			continue;

		int64_t r = sys_wait_irq(di.irq);

		printf("irq_thief: wait_irq(%u) ret=%ld want=%d %s\n", di.irq,
		       r, -EPERM, r == -EPERM ? "ok" : "BAD");
		return r == -EPERM ? 0 : 1;
	}
	printf("irq_thief: no device\n");
	return 1;
}
