/*
 * kernel/policy/policy_msg.c - the policy protocol's codecs (interface in
 * policy_msg.h, layouts in abi/policy.h).  Byte by byte, so neither the
 * host's nor the target's struct layout or alignment matters.
 */
#include "kernel/policy/policy_msg.h"

#include <stdbool.h>

#include "lib/klib/endian.h"
#include "lib/klib/string.h"

#include "abi/errno.h"

/* A name field: NUL-padded copy of at most POLICY_NAME_SIZE - 1 bytes. */
static void put_name(uint8_t *p, const char *name)
{
	size_t n = strnlen(name, POLICY_NAME_SIZE - 1);

	memset(p, 0, POLICY_NAME_SIZE);
	memcpy(p, name, n);
}

/* A name field from the wire: it must hold a NUL. */
static bool get_name(const uint8_t *p, char *out)
{
	if (strnlen((const char *)p, POLICY_NAME_SIZE) == POLICY_NAME_SIZE)
		return false;
	memcpy(out, p, POLICY_NAME_SIZE);
	return true;
}

uint32_t policy_msg_kind(const void *buf, size_t len)
{
	return buf && len >= 4 ? le32_load(buf) : 0;
}

size_t policy_query_encode(const struct policy_query *q, uint8_t *out)
{
	char name[POLICY_NAME_SIZE];

	memcpy(name, q->name, POLICY_NAME_SIZE);
	name[POLICY_NAME_SIZE - 1] = '\0';
	le32_store(out, POLICY_MSG_QUERY);
	le32_store(out + POLICY_QUERY_SYSCALL, q->syscall);
	le64_store(out + POLICY_QUERY_ID, q->query_id);
	le64_store(out + POLICY_QUERY_PID, q->pid);
	memcpy(out + POLICY_QUERY_PRINCIPAL, q->principal, PRINCIPAL_SIZE);
	put_name(out + POLICY_QUERY_NAME, name);
	return POLICY_QUERY_SIZE;
}

int policy_query_decode(const void *buf, size_t len, struct policy_query *q)
{
	const uint8_t *p = buf;
	struct policy_query t;

	if (!p || !q || len != POLICY_QUERY_SIZE || le32_load(p) != POLICY_MSG_QUERY)
		return -EINVAL;
	t.syscall = le32_load(p + POLICY_QUERY_SYSCALL);
	t.query_id = le64_load(p + POLICY_QUERY_ID);
	t.pid = le64_load(p + POLICY_QUERY_PID);
	if (t.syscall >= POLICY_SYSCALLS || t.query_id == 0)
		return -EINVAL;
	memcpy(t.principal, p + POLICY_QUERY_PRINCIPAL, PRINCIPAL_SIZE);
	if (!get_name(p + POLICY_QUERY_NAME, t.name))
		return -EINVAL;
	*q = t;
	return 0;
}

size_t policy_hello_encode(uint8_t *out)
{
	le32_store(out, POLICY_MSG_HELLO);
	le32_store(out + 4, POLICY_VERSION);
	return POLICY_HELLO_SIZE;
}

size_t policy_answer_encode(uint64_t query_id, enum policy_decision d,
			    uint8_t *out)
{
	le32_store(out, POLICY_MSG_ANSWER);
	le32_store(out + 4, (uint32_t)d);
	le64_store(out + 8, query_id);
	return POLICY_ANSWER_SIZE;
}

size_t policy_invalidate_encode(uint8_t *out)
{
	le32_store(out, POLICY_MSG_INVALIDATE);
	le32_store(out + 4, 0);
	return POLICY_INVALIDATE_SIZE;
}

int policy_reply_decode(const void *buf, size_t len, struct policy_reply *r)
{
	const uint8_t *p = buf;
	struct policy_reply t = {0, 0, 0};

	if (!p || !r || len < 8)
		return -EINVAL;
	t.kind = le32_load(p);
	switch (t.kind) {
	case POLICY_MSG_HELLO:
		if (len != POLICY_HELLO_SIZE || le32_load(p + 4) != POLICY_VERSION)
			return -EINVAL;
		break;
	case POLICY_MSG_ANSWER:
		if (len != POLICY_ANSWER_SIZE)
			return -EINVAL;
		t.decision = le32_load(p + 4);
		t.query_id = le64_load(p + 8);
		if ((t.decision != POLICY_DENY && t.decision != POLICY_ALLOW) ||
		    t.query_id == 0)
			return -EINVAL;
		break;
	case POLICY_MSG_INVALIDATE:
		if (len != POLICY_INVALIDATE_SIZE || le32_load(p + 4) != 0)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	*r = t;
	return 0;
}

size_t policy_request_encode(const struct policy_request *r, uint8_t *out)
{
	char name[POLICY_NAME_SIZE];

	le32_store(out, r->kind);
	le32_store(out + 4, 0);
	if (r->kind != POLICY_REQ_SET)
		return POLICY_STATS_SIZE;
	memcpy(name, r->name, POLICY_NAME_SIZE);
	name[POLICY_NAME_SIZE - 1] = '\0';
	le32_store(out + 4, r->syscall);
	le32_store(out + 8, r->action);
	le32_store(out + 12, 0);
	put_name(out + 16, name);
	return POLICY_SET_SIZE;
}

int policy_request_decode(const void *buf, size_t len,
			  struct policy_request *r)
{
	const uint8_t *p = buf;
	struct policy_request t;

	if (!p || !r || len < 8)
		return -EINVAL;
	memset(&t, 0, sizeof(t));
	t.kind = le32_load(p);
	if (t.kind == POLICY_REQ_STATS) {
		if (len != POLICY_STATS_SIZE || le32_load(p + 4) != 0)
			return -EINVAL;
		*r = t;
		return 0;
	}
	if (t.kind != POLICY_REQ_SET || len != POLICY_SET_SIZE)
		return -EINVAL;
	t.syscall = le32_load(p + 4);
	t.action = le32_load(p + 8);
	if (t.syscall >= POLICY_SYSCALLS ||
	    (t.action != POLICY_DENY && t.action != POLICY_ALLOW) ||
	    le32_load(p + 12) != 0 || !get_name(p + 16, t.name) || t.name[0] == '\0')
		return -EINVAL;
	*r = t;
	return 0;
}

size_t policy_status_encode(const struct policy_status *s, uint8_t *out)
{
	le32_store(out, POLICY_REQ_REPLY);
	le32_store(out + 4, (uint32_t)s->status);
	le64_store(out + 8, s->invalidations);
	le64_store(out + 16, s->queries);
	le64_store(out + 24, s->allowed);
	le64_store(out + 32, s->denied);
	return POLICY_REPLY_SIZE;
}

int policy_status_decode(const void *buf, size_t len, struct policy_status *s)
{
	const uint8_t *p = buf;

	if (!p || !s || len != POLICY_REPLY_SIZE ||
	    le32_load(p) != POLICY_REQ_REPLY)
		return -EINVAL;
	s->status = (int32_t)le32_load(p + 4);
	s->invalidations = le64_load(p + 8);
	s->queries = le64_load(p + 16);
	s->allowed = le64_load(p + 24);
	s->denied = le64_load(p + 32);
	return 0;
}
