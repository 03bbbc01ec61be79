/*
 * user/virtio_blk/service.c - decode the requests of endpoints 24 (users)
 * and 26 (the kernel) and answer them over the core (docs/virtio-blk.md
 * §5).  Users never get raw blocks: the disk belongs to the kernel's
 * object store, which reaches it through endpoint 26 and the shared page.
 */
#include "user/virtio_blk/service.h"

#include "lib/klib/endian.h"
#include "lib/klib/string.h"

#include "abi/errno.h"

/* The answer to an I/O result of the core. */
static uint8_t status_of(int rc)
{
	if (rc == 0)
		return VBLK_SVC_OK;
	if (rc == -ENODEV)
		return VBLK_SVC_DEVICE_DEAD;
	return VBLK_SVC_ERROR;
}

static bool have_device(const struct vblk_service *s)
{
	return s->dev != NULL;
}

size_t vblk_serve_user(struct vblk_service *s, const uint8_t *req, size_t len,
		       uint8_t *reply)
{
	uint8_t cmd = len > 0 ? req[0] : 0;
	size_t n = 1;

	s->user_requests++;
	if (!have_device(s)) {
		reply[0] = VBLK_SVC_NO_DEVICE;
		goto out;
	}
	switch (cmd) {
	case VBLK_USER_READ_BLOCK:
	case VBLK_USER_WRITE_BLOCK:
		reply[0] = VBLK_SVC_UNIMPLEMENTED;
		break;
	case VBLK_USER_FLUSH:
		reply[0] = status_of(vblk_flush(s->dev));
		break;
	case VBLK_USER_GET_CAPACITY:
		if (!vblk_alive(s->dev)) {
			reply[0] = VBLK_SVC_DEVICE_DEAD;
			break;
		}
		reply[0] = VBLK_SVC_OK;
		le64_store(reply + 1, s->dev->capacity);
		n = 9;
		break;
	case VBLK_USER_GET_STATUS:
		reply[0] = VBLK_SVC_OK;
		reply[1] = vblk_alive(s->dev) ? 1 : 0;
		n = 2;
		break;
	default:
		reply[0] = VBLK_SVC_ERROR;
		break;
	}
out:
	if (reply[0] != VBLK_SVC_OK)
		s->errors++;
	return n;
}

/* Is the request well formed: 16 bytes, reserved bytes zero. */
static bool kernel_req_ok(const uint8_t *req, size_t len)
{
	return len == VBLK_KMSG_SIZE && req[1] == 0 && req[2] == 0 &&
	       req[3] == 0;
}

static uint8_t kernel_cmd(struct vblk_service *s, uint8_t cmd, uint64_t lba,
			  uint64_t *value)
{
	struct vblk *d = s->dev;

	if (!vblk_alive(d))
		return VBLK_SVC_DEVICE_DEAD;
	switch (cmd) {
	case VBLK_KCMD_HANDSHAKE:
		if (s->shared.va == NULL)
			return VBLK_SVC_ERROR;
		*value = s->shared.pa;
		return VBLK_SVC_OK;
	case VBLK_KCMD_READ_BLOCK:
		if (s->shared.va == NULL)
			return VBLK_SVC_ERROR;
		return status_of(vblk_read(d, lba, &s->shared));
	case VBLK_KCMD_WRITE_BLOCK:
		if (s->shared.va == NULL)
			return VBLK_SVC_ERROR;
		return status_of(vblk_write(d, lba, &s->shared));
	case VBLK_KCMD_FLUSH:
		return status_of(vblk_flush(d));
	case VBLK_KCMD_CAPACITY:
		*value = d->capacity;
		return VBLK_SVC_OK;
	default:
		return VBLK_SVC_ERROR;
	}
}

void vblk_serve_kernel(struct vblk_service *s, const uint8_t *req, size_t len,
		       uint8_t reply[VBLK_KMSG_SIZE])
{
	uint32_t req_id = len >= VBLK_KMSG_VALUE ? le32_load(req + 4) : 0;
	uint64_t value = 0;
	uint8_t st;

	s->kernel_requests++;
	if (!have_device(s))
		st = VBLK_SVC_NO_DEVICE;
	else if (!kernel_req_ok(req, len))
		st = VBLK_SVC_ERROR;
	else
		st = kernel_cmd(s, req[0], le64_load(req + VBLK_KMSG_VALUE),
				&value);
	if (st != VBLK_SVC_OK)
		s->errors++;
	memset(reply, 0, VBLK_KMSG_SIZE);
	reply[0] = st;
	le32_store(reply + VBLK_KMSG_REQID, req_id);
	le64_store(reply + VBLK_KMSG_VALUE, value);
}
