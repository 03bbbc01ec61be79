/*
 * kernel/fs/kblk.c - the block device over IPC (kblk.h).
 */
#include "kernel/fs/kblk.h"

#include "abi/blk.h"
#include "abi/errno.h"
#include "abi/ipc.h"
#include "kernel/arch/arch.h"
#include "kernel/core/lockrank.h"
#include "kernel/core/log.h"
#include "kernel/core/spinlock.h"
#include "kernel/core/time.h"
#include "kernel/ipc/ipc.h"
#include "kernel/proc/lifecycle.h"
#include "kernel/sched/glue.h"
#include "kernel/sched/task.h"
#include "kernel/sched/waitq.h"
#include "lib/klib/endian.h"
#include "lib/klib/string.h"

/* The request in flight (at most one), guarded by lock. */
static struct {
	struct spinlock lock;
	uint32_t next_id;  /* last id used; ids start at 1 */
	uint32_t id;	   /* of the request in flight, 0 = none */
	uint64_t driver;   /* ProcessId the reply must come from */
	uint64_t deadline; /* tick */
	bool done;	   /* a reply arrived */
	bool expired;	   /* the deadline passed first */
	uint8_t status;
	uint64_t value;
	struct kblk_stats stats;
} req = {.lock = SPINLOCK_INIT("kblk", LOCK_RANK_OBJSTORE)};

static struct waitq reply_wq = WAITQ_INIT("kblk-reply");

/* The device after a handshake; written by kblk_attach only, before the
 * store uses it (under the store's kmutex). */
static struct {
	uint64_t driver; /* ProcessId of the driver */
	uint64_t page;	 /* physical address of its shared page */
	uint64_t blocks; /* capacity in 4096-byte blocks */
	bool dead;	 /* a request failed badly: refuse the rest */
} dev_state;

/* The sink of endpoint 25: the driver's Write lands here, never queued. */
static int reply_sink(void *ctx, const struct ipc_msg *m)
{
	bool wake = false;
	int err = 0;

	(void)ctx;
	unsigned long flags = spin_lock_irqsave(&req.lock);

	if (req.id == 0 || m->sender_pid != req.driver) {
		/* Nothing asked of this sender: a late answer after a
		 * timeout, or not the driver at all. */
		if (m->sender_pid != req.driver && req.id != 0)
			err = -EPERM;
	} else if (m->len < BLK_MSG_SIZE ||
		   le32_load(m->payload + BLK_OFF_REQ_ID) != req.id) {
		err = m->len < BLK_MSG_SIZE ? -EINVAL : 0;
	} else if (!req.done && !req.expired) {
		req.status = m->payload[BLK_OFF_CMD];
		req.value = le64_load(m->payload + BLK_OFF_ARG);
		req.done = true;
		wake = true;
	}
	spin_unlock_irqrestore(&req.lock, flags);
	if (wake)
		(void)waitq_wake_all(&reply_wq);
	return err;
}

void kblk_init(void)
{
	if (ipc_set_sink(IPC_EP_BLK_KREPLY, reply_sink, NULL))
		log_warn("kblk: cannot install the endpoint %u sink\n",
			 IPC_EP_BLK_KREPLY);
}

bool kblk_driver_present(void)
{
	return ipc_endpoint_owner(IPC_EP_BLK_KCMD, NULL);
}

void kblk_tick(uint64_t now)
{
	bool wake = false;

	/* Cheap when idle: one load without the lock. */
	if (!__atomic_load_n(&req.id, __ATOMIC_RELAXED))
		return;

	unsigned long flags = spin_lock_irqsave(&req.lock);

	if (req.id && !req.done && !req.expired && now >= req.deadline) {
		req.expired = true;
		req.stats.timeouts++;
		wake = true;
	}
	spin_unlock_irqrestore(&req.lock, flags);
	if (wake)
		(void)waitq_wake_all(&reply_wq);
}

/* Whether the request in flight ended (reply or timeout); lock-free. */
static bool request_over(void)
{
	return __atomic_load_n(&req.done, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&req.expired, __ATOMIC_RELAXED);
}

/*
 * One command and its reply.  Returns 0 with *status and *value, -EIO on
 * a timeout (the device is then dead), -EBUSY when the command queue is
 * full, -ENODEV when no driver owns endpoint 26.
 */
static int call(uint8_t cmd, uint64_t lba, uint8_t *status, uint64_t *value)
{
	uint8_t msg[BLK_MSG_SIZE] = {0};
	uint64_t driver;
	uint32_t id;
	bool expired;
	int err;

	if (!ipc_endpoint_owner(IPC_EP_BLK_KCMD, &driver))
		return -ENODEV;

	unsigned long flags = spin_lock_irqsave(&req.lock);

	id = ++req.next_id;
	if (id == 0)
		id = ++req.next_id;
	req.id = id;
	req.driver = driver;
	req.deadline = time_ticks() + KBLK_TIMEOUT_TICKS;
	req.done = false;
	req.expired = false;
	req.stats.requests++;
	spin_unlock_irqrestore(&req.lock, flags);

	msg[BLK_OFF_CMD] = cmd;
	le32_store(msg + BLK_OFF_REQ_ID, id);
	le64_store(msg + BLK_OFF_ARG, lba);
	err = ipc_send_kernel(IPC_EP_BLK_KCMD, IPC_EP_BLK_KREPLY, msg,
			      sizeof(msg));
	if (err == 0) {
		while (!request_over()) {
			unsigned long irq = arch_irq_save();

			if (waitq_prepare_wait(&reply_wq,
					       task_block(TASK_BLOCK_SYNC_WAIT,
							  id)) == 0) {
				__atomic_thread_fence(__ATOMIC_SEQ_CST);
				if (!request_over())
					schedule();
				(void)waitq_finish_wait(&reply_wq);
			}
			arch_irq_restore(irq);
		}
	}

	flags = spin_lock_irqsave(&req.lock);
	expired = req.expired;
	*status = req.status;
	*value = req.value;
	req.id = 0;
	spin_unlock_irqrestore(&req.lock, flags);

	if (err)
		return err == -EWOULDBLOCK ? -EBUSY : -EIO;
	if (expired) {
		log_warn("kblk: request %u (command %u) timed out; disk "
			 "offline\n",
			 id, cmd);
		dev_state.dead = true;
		return -EIO;
	}
	return 0;
}

/* A data command: OK or -EIO (the device's ERROR, DEAD or nonsense). */
static int data_call(uint8_t cmd, uint64_t lba)
{
	uint8_t st;
	uint64_t v;
	int err;

	if (dev_state.dead)
		return -EIO;
	err = call(cmd, lba, &st, &v);
	if (err)
		return err == -EBUSY ? -EBUSY : -EIO;
	if (st != BLK_ST_OK) {
		unsigned long flags = spin_lock_irqsave(&req.lock);

		req.stats.errors++;
		spin_unlock_irqrestore(&req.lock, flags);
		if (st != BLK_ST_ERROR) {
			log_warn("kblk: driver says %u to command %u; disk "
				 "offline\n",
				 st, cmd);
			dev_state.dead = true;
		}
		return -EIO;
	}
	return 0;
}

static int kblk_read(void *ctx, uint64_t lba, void *buf)
{
	int err;

	(void)ctx;
	err = data_call(BLK_K_READ, lba);
	if (!err && proc_dma_copy(dev_state.driver, dev_state.page, buf,
				  BLK_BLOCK_SIZE, false))
		err = -EIO;
	return err;
}

static int kblk_write(void *ctx, uint64_t lba, const void *buf)
{
	(void)ctx;
	if (dev_state.dead)
		return -EIO;
	if (proc_dma_copy(dev_state.driver, dev_state.page, (void *)buf,
			  BLK_BLOCK_SIZE, true))
		return -EIO;
	return data_call(BLK_K_WRITE, lba);
}

static int kblk_flush(void *ctx)
{
	(void)ctx;
	return data_call(BLK_K_FLUSH, 0);
}

static uint64_t kblk_capacity(void *ctx)
{
	(void)ctx;
	return dev_state.blocks;
}

static const struct blockdev_ops kblk_ops = {
	.read = kblk_read,
	.write = kblk_write,
	.flush = kblk_flush,
	.capacity = kblk_capacity,
};

int kblk_attach(struct blockdev *dev)
{
	uint8_t st;
	uint64_t page, sectors, driver;
	int err;

	if (!ipc_endpoint_owner(IPC_EP_BLK_KCMD, &driver))
		return -ENODEV;
	err = call(BLK_K_HANDSHAKE, 0, &st, &page);
	if (err)
		return err == -ENODEV ? -ENODEV : -EIO;
	if (st == BLK_ST_NO_DEVICE)
		return -ENODEV;
	if (st != BLK_ST_OK) {
		log_warn("kblk: handshake refused (status %u)\n", st);
		return -EIO;
	}
	/* The page must be the driver's own DMA memory, whole. */
	if ((page & (BLK_BLOCK_SIZE - 1)) ||
	    proc_dma_copy(driver, page, NULL, BLK_BLOCK_SIZE, false)) {
		log_warn("kblk: the driver's shared page %#lx is not its DMA "
			 "memory\n",
			 (unsigned long)page);
		return -EIO;
	}
	err = call(BLK_K_CAPACITY, 0, &st, &sectors);
	if (err || st != BLK_ST_OK)
		return -EIO;
	if (sectors / BLK_SECTORS_PER_BLOCK < 2) {
		log_warn("kblk: disk of %lu sectors is too small\n",
			 (unsigned long)sectors);
		return -EIO;
	}
	dev_state.driver = driver;
	dev_state.page = page;
	dev_state.blocks = sectors / BLK_SECTORS_PER_BLOCK;
	dev_state.dead = false;
	dev->ops = &kblk_ops;
	dev->ctx = NULL;
	return 0;
}

void kblk_get_stats(struct kblk_stats *out)
{
	unsigned long flags = spin_lock_irqsave(&req.lock);

	*out = req.stats;
	spin_unlock_irqrestore(&req.lock, flags);
}
