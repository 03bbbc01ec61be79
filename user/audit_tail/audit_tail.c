/*
 * user/audit_tail/audit_tail.c - follow the kernel's audit ring.
 *
 * Attaches to the ring (AuditAttach, read-only mapping; the only consumer
 * the kernel allows), prints what it still holds, then follows the
 * header's produced counter, one line per event:
 *
 *   audit: #12 tick 340 CapabilityDenied subject=5.1 object=24
 *   audit: #13 tick 341 IpcSend subject=5.1 object=16 len=40 sampled
 *   audit: #40 tick 352 AuditDropped subject=0 object=0 count=3 cpu=1
 *   audit: lost 17 events
 *
 * '#' is the event's sequence number, tick the timer tick at emission.
 * Process and channel ids print as index.generation (just index when the
 * generation is 0: kernel processes, endpoints).  Each kind's arguments
 * print under their names (docs/audit.md); an unnamed argument only when
 * it is not 0.  "lost N" means the kernel overwrote N events before they
 * were read (drops before the ring are reported by AuditDropped events).
 *
 * Stops after AUDIT_TAIL_MAX_EVENTS events, or when nothing new arrives
 * for AUDIT_TAIL_IDLE_TICKS ticks, with
 *   audit: done, <shown> shown, <lost> lost, produced <p> dropped <d>
 * and exit code 0.  Exit code 1 when attaching fails (printed as
 * "audit: attach failed: <error>"), 2 when the ring header is not sane.
 */
#include "lib/libsys/libsys.h"

#include "kernel/audit/audit_event.h"

/* Exit after this many events have been printed. */
#define AUDIT_TAIL_MAX_EVENTS 2000u
/* ... or after this many ticks (100 Hz) without a new event. */
#define AUDIT_TAIL_IDLE_TICKS 300u

/* How to print one argument: name, or NULL for "argN, if not 0". */
struct arg_fmt {
	const char *name;
	char style; /* 'd' decimal, 'i' id (index.generation), 'x' hex */
};

static const struct arg_fmt arg_fmts[AUDIT_KIND_COUNT][4] = {
    [AUDIT_CAPABILITY_GRANTED] = {{"grantee", 'i'}, {"rights", 'x'}},
    [AUDIT_CAPABILITY_REVOKED] = {{"holder", 'i'}},
    [AUDIT_CAPABILITY_DENIED] = {{"asked", 'x'}, {"held", 'x'}},
    [AUDIT_IPC_SEND] = {{"len", 'd'}},
    [AUDIT_IPC_RECV] = {{"len", 'd'}},
    [AUDIT_CHANNEL_CREATED] = {{"pages", 'd'}, {"role", 'd'}},
    [AUDIT_CHANNEL_ATTACHED] = {{"creator", 'i'}},
    [AUDIT_CHANNEL_CLOSED] = {{"bytes", 'd'},
			      {"lifetime", 'd'},
			      {"state", 'd'}},
    [AUDIT_SYSCALL_DENIED] = {{"syscall", 'd'}, {"check", 'd'}},
    [AUDIT_BINARY_LOADED] = {{"size", 'd'},
			     {"head", 'x'},
			     {"head8", 'x'},
			     {"head16", 'x'}},
    [AUDIT_BINARY_REJECTED] = {{"code", 'd'}},
    [AUDIT_PROCESS_CREATED] = {{"parent", 'i'}},
    [AUDIT_PROCESS_TERMINATED] = {{"exit", 'd'}, {"runtime", 'd'}},
    [AUDIT_POLICY_QUERY] = {{"syscall", 'd'}, {"allowed", 'd'}},
    [AUDIT_DROPPED] = {{"count", 'd'}, {"cpu", 'd'}},
};

/* Append one value to buf at *len (bounded by size). */
static void put_value(char *buf, size_t size, size_t *len, const char *name,
		      char style, uint64_t v)
{
	int n;

	if (*len >= size)
		return;
	if (style == 'x')
		n = snprintf(buf + *len, size - *len, " %s=%#llx", name,
			     (unsigned long long)v);
	else if (style == 'i' && (v >> 32) != 0)
		n = snprintf(buf + *len, size - *len, " %s=%u.%u", name,
			     (unsigned)(uint32_t)v, (unsigned)(v >> 32));
	else
		n = snprintf(buf + *len, size - *len, " %s=%llu", name,
			     (unsigned long long)v);
	if (n > 0)
		*len += (size_t)n;
}

/* One event, one line, one Print syscall. */
static void print_event(const struct audit_event *e)
{
	static const char *const unnamed[4] = {"arg0", "arg1", "arg2", "arg3"};
	char line[256];
	size_t len = 0;
	int n;

	if (e->kind < AUDIT_KIND_COUNT)
		n = snprintf(line, sizeof(line), "audit: #%u tick %llu %s",
			     (unsigned)e->sequence,
			     (unsigned long long)e->timestamp,
			     audit_kind_name(e->kind));
	else
		n = snprintf(line, sizeof(line), "audit: #%u tick %llu kind=%u",
			     (unsigned)e->sequence,
			     (unsigned long long)e->timestamp,
			     (unsigned)e->kind);
	if (n > 0)
		len = (size_t)n;
	put_value(line, sizeof(line), &len, "subject", 'i', e->subject);
	put_value(line, sizeof(line), &len, "object", 'i', e->object);
	for (unsigned i = 0; i < 4; i++) {
		const struct arg_fmt *f =
		    e->kind < AUDIT_KIND_COUNT ? &arg_fmts[e->kind][i] : NULL;

		if (f && f->name)
			put_value(line, sizeof(line), &len, f->name, f->style,
				  e->arg[i]);
		else if (e->arg[i] != 0)
			put_value(line, sizeof(line), &len, unnamed[i], 'd',
				  e->arg[i]);
	}
	printf("%s%s\n", line,
	       (e->flags & AUDIT_FLAG_SAMPLED) ? " sampled" : "");
}

/* Copy slot pos % capacity out of the shared ring, word by word. */
static void copy_event(const volatile struct audit_ring_header *h,
		       uint64_t capacity, uint64_t pos, struct audit_event *out)
{
	const volatile uint64_t *src =
	    (const volatile uint64_t *)audit_ring_slot(h, pos % capacity);
	uint64_t words[AUDIT_EVENT_SIZE / 8];

	for (unsigned i = 0; i < AUDIT_EVENT_SIZE / 8; i++)
		words[i] = src[i];
	memcpy(out, words, sizeof(*out));
}

static uint64_t load_produced(const volatile struct audit_ring_header *h)
{
	return __atomic_load_n(&h->produced, __ATOMIC_ACQUIRE);
}

/* Oldest position still safe to read when the writer is at produced. */
static uint64_t oldest_readable(uint64_t produced, uint64_t capacity)
{
	uint64_t span = capacity - AUDIT_DRAIN_MAX;

	return produced > span ? produced - span : 0;
}

int main(void)
{
	const volatile struct audit_ring_header *h;
	uint64_t capacity, cursor, lost = 0, idle_since;
	unsigned shown = 0;
	struct audit_info info;
	int64_t r;

	(void)sys_module_ready();
	r = sys_audit_attach();
	if (sys_failed(r)) {
		printf("audit: attach failed: %s\n", strerror((int)r));
		return 1;
	}
	h = (const volatile struct audit_ring_header *)(uintptr_t)r;
	capacity = h->capacity;
	if (h->magic != AUDIT_RING_MAGIC || capacity < 2 * AUDIT_DRAIN_MAX ||
	    capacity > AUDIT_RING_SLOTS) {
		printf("audit: bad ring header (magic %#llx, capacity %llu)\n",
		       (unsigned long long)h->magic,
		       (unsigned long long)capacity);
		return 2;
	}
	/* Start with what the ring still holds: boot events included. */
	cursor = oldest_readable(load_produced(h), capacity);
	printf("audit: attached, %llu slots, reading from #%llu\n",
	       (unsigned long long)capacity, (unsigned long long)cursor);

	idle_since = (uint64_t)sys_get_time();
	while (shown < AUDIT_TAIL_MAX_EVENTS) {
		uint64_t produced = load_produced(h);
		uint64_t oldest = oldest_readable(produced, capacity);

		if (cursor == produced) {
			if ((uint64_t)sys_get_time() - idle_since >=
			    AUDIT_TAIL_IDLE_TICKS)
				break;
			(void)sys_yield();
			continue;
		}
		if (cursor < oldest) {
			/* The writer lapped us: those events are gone. */
			printf("audit: lost %llu events\n",
			       (unsigned long long)(oldest - cursor));
			lost += oldest - cursor;
			cursor = oldest;
		}
		while (cursor < produced && shown < AUDIT_TAIL_MAX_EVENTS) {
			struct audit_event e;

			copy_event(h, capacity, cursor, &e);
			/* Seqlock-style check that the copy is whole. */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (!audit_ring_slot_stable(cursor, capacity,
						    load_produced(h)))
				break; /* the outer loop counts the loss */
			print_event(&e);
			cursor++;
			shown++;
		}
		idle_since = (uint64_t)sys_get_time();
	}

	if (sys_failed(sys_audit_info(&info, sizeof(info))))
		memset(&info, 0, sizeof(info));
	printf("audit: done, %u shown, %llu lost, produced %llu dropped %llu\n",
	       shown, (unsigned long long)lost,
	       (unsigned long long)info.produced,
	       (unsigned long long)info.dropped);
	return 0;
}
