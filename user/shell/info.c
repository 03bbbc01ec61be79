/*
 * user/shell/info.c - the shell's read-only commands: ps, mem, uptime,
 * audit, caps (docs/shell.md §3).  Each makes one or two syscalls
 * (SysInfo, GetTime, AuditInfo) and prints a snapshot; a failing
 * syscall prints "<command>: <Syscall> failed: <message> (<ENAME>)".
 */
#include "lib/libsys/libsys.h"

#include "user/shell/shell.h"

/* Timer ticks per second (GetTime, spec syscalls.md 9). */
#define TICK_HZ 100u
/* Processes `ps` shows at most (64 records, 4 KiB). */
#define PS_MAX 64u

static void failed(const char *cmd, const char *call, int64_t err)
{
	printf("%s: %s failed: %s (%s)\n", cmd, call, strerror((int)err),
	       errno_name((int)err));
}

/* True (after printing the usage line) when a command got arguments. */
static bool refuse_args(const char *cmd, const char *args)
{
	if (!has_args(args))
		return false;
	printf("usage: %s\n", cmd);
	return true;
}

/* A ProcessId as slot.generation. */
static void format_id(char *buf, size_t size, uint64_t id)
{
	snprintf(buf, size, "%u.%u", (unsigned)ipc_id_index(id),
		 (unsigned)ipc_id_generation(id));
}

static const char *state_name(uint32_t state)
{
	switch (state) {
	case 1:
		return "creating";
	case 2:
		return "live";
	case 3:
		return "exiting";
	default:
		return "?";
	}
}

void cmd_ps(const char *args)
{
	static struct sysinfo_proc procs[PS_MAX];
	uint64_t now;
	int64_t r;
	size_t n;

	if (refuse_args("ps", args))
		return;
	r = sys_sysinfo(SYSINFO_PROCS, procs, sizeof(procs));
	if (sys_failed(r)) {
		failed("ps", "SysInfo", r);
		return;
	}
	now = (uint64_t)sys_get_time();
	n = (size_t)r / SYSINFO_PROC_SIZE;
	printf("%-8s %-8s %-9s %10s  %s\n", "PID", "PARENT", "STATE", "AGE",
	       "NAME");
	for (size_t i = 0; i < n; i++) {
		const struct sysinfo_proc *p = &procs[i];
		uint64_t age =
		    now >= p->created_tick ? now - p->created_tick : 0;
		char pid[24], parent[24];

		format_id(pid, sizeof(pid), p->pid);
		if (p->parent == 0)
			strlcpy(parent, "-", sizeof(parent));
		else
			format_id(parent, sizeof(parent), p->parent);
		printf("%-8s %-8s %-9s %10llu  %.*s\n", pid, parent,
		       state_name(p->state), (unsigned long long)age,
		       (int)strnlen(p->name, sizeof(p->name)), p->name);
	}
	printf("%zu process%s%s (age in ticks, %u per second)\n", n,
	       n == 1 ? "" : "es", n == PS_MAX ? " shown, list cut" : "",
	       TICK_HZ);
}

/* One memory line: KiB and MiB of a frame count. */
static void mem_line(const char *what, uint64_t frames)
{
	printf("%-6s %10llu KiB %7llu MiB %9llu frames\n", what,
	       (unsigned long long)(frames * 4),
	       (unsigned long long)(frames / 256), (unsigned long long)frames);
}

void cmd_mem(const char *args)
{
	struct sysinfo_mem m;
	int64_t r;

	if (refuse_args("mem", args))
		return;
	r = sys_sysinfo(SYSINFO_MEM, &m, sizeof(m));
	if (sys_failed(r)) {
		failed("mem", "SysInfo", r);
		return;
	}
	mem_line("total", m.total_frames);
	mem_line("free", m.free_frames);
	mem_line("used", m.total_frames >= m.free_frames
			     ? m.total_frames - m.free_frames
			     : 0);
	printf("kernel heap: %llu KiB in use, %llu pages (%llu KiB)\n",
	       (unsigned long long)(m.heap_used_bytes / 1024),
	       (unsigned long long)m.heap_pages,
	       (unsigned long long)(m.heap_pages * 4));
}

void cmd_store(const char *args)
{
	static const char *const kinds[] = {"RAM", "disk (virtio-blk)",
					    "offline"};
	struct sysinfo_store st;
	int64_t r;

	if (refuse_args("store", args))
		return;
	r = sys_sysinfo(SYSINFO_STORE, &st, sizeof(st));
	if (sys_failed(r)) {
		failed("store", "SysInfo", r);
		return;
	}
	if (st.kind > 2) {
		printf("store: unknown store kind %u\n", st.kind);
		return;
	}
	if (st.kind == 2)
		printf("object store: offline: %s\n", strerror(st.error));
	else
		printf("object store: %s, %llu object%s in %llu slots\n",
		       kinds[st.kind], (unsigned long long)st.used,
		       st.used == 1 ? "" : "s",
		       (unsigned long long)st.capacity);
	printf("block driver: %llu requests, %llu timed out, %llu "
	       "failed\n",
	       (unsigned long long)st.blk_requests,
	       (unsigned long long)st.blk_timeouts,
	       (unsigned long long)st.blk_errors);
}

void cmd_uptime(const char *args)
{
	struct sysinfo_sched s;
	uint64_t t, secs;
	int64_t r;

	if (refuse_args("uptime", args))
		return;
	r = sys_get_time();
	if (sys_failed(r)) {
		failed("uptime", "GetTime", r);
		return;
	}
	t = (uint64_t)r;
	secs = t / TICK_HZ;
	printf("up %llu:%02llu:%02llu.%02llu (%llu ticks at %u Hz)\n",
	       (unsigned long long)(secs / 3600),
	       (unsigned long long)(secs / 60 % 60),
	       (unsigned long long)(secs % 60),
	       (unsigned long long)(t % TICK_HZ), (unsigned long long)t,
	       TICK_HZ);
	if (!sys_failed(sys_sysinfo(SYSINFO_SCHED, &s, sizeof(s))))
		printf("%u CPU%s online, %u task%s\n", s.online_cpus,
		       s.online_cpus == 1 ? "" : "s", s.tasks,
		       s.tasks == 1 ? "" : "s");
}

void cmd_audit(const char *args)
{
	struct audit_info a;
	char staging[64];
	size_t len = 0;
	int64_t r;

	if (refuse_args("audit", args))
		return;
	r = sys_audit_info(&a, sizeof(a));
	if (sys_failed(r)) {
		failed("audit", "AuditInfo", r);
		return;
	}
	printf("events produced: %llu\n", (unsigned long long)a.produced);
	printf("events dropped:  %llu\n", (unsigned long long)a.dropped);
	printf("ring capacity:   %u slots\n", a.capacity);
	printf("consumer:        %s\n",
	       a.consumer_attached ? "attached" : "not attached");
	staging[0] = '\0';
	for (uint32_t i = 0; i < a.online_cpus && i < 4; i++) {
		int n = snprintf(staging + len, sizeof(staging) - len,
				 " cpu%u=%u", i, a.staging[i]);

		if (n < 0 || (size_t)n >= sizeof(staging) - len)
			break;
		len += (size_t)n;
	}
	printf("CPUs online:     %u (staging:%s)\n", a.online_cpus,
	       len ? staging : " -");
}

void cmd_caps(const char *args)
{
	struct sysinfo_ipc s;
	int err = arcobj_endpoint_error();
	int64_t r;

	if (refuse_args("caps", args))
		return;
	r = sys_sysinfo(SYSINFO_IPC, &s, sizeof(s));
	if (sys_failed(r)) {
		failed("caps", "SysInfo", r);
		return;
	}
	printf("endpoints owned:    %u\n", s.endpoints_owned);
	printf("capability entries: %u\n", s.cap_entries);
	printf("channels:           %u\n", s.channels);
	printf("queued messages:    %u\n", s.queued);
	printf("messages sent:      %llu\n", (unsigned long long)s.sent);
	printf("messages received:  %llu\n", (unsigned long long)s.received);
	printf("audit events:       %llu emitted, %llu dropped\n",
	       (unsigned long long)s.audit_emitted,
	       (unsigned long long)s.audit_dropped);
	if (err)
		printf("shell endpoint %d:  not registered (%s)\n",
		       IPC_EP_SHELL, strerror(err));
	else
		printf("shell endpoint %d:  registered (arcobj replies)\n",
		       IPC_EP_SHELL);
}
