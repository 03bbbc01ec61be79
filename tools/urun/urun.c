/*
 * tools/urun/urun.c - cambios-urun: run a CambiOS user program on a Linux
 * x86_64 host, to test user programs and libsys without a kernel.
 *
 * The program (a static ELF at 0x40_0000, signed or not: Linux ignores
 * the trailer) runs natively under ptrace.  Every `syscall` it executes is
 * stopped at entry, cancelled in Linux (orig_rax = -1) and answered at
 * exit by a small model of the CambiOS syscalls (spec syscalls.md §1, §5),
 * reading the arguments from RDI, RSI, RDX, R10, R8, R9 as the kernel
 * does.  Modelled: Exit, Yield, GetPid, GetTime, Print, GetPrincipal,
 * Spawn + WaitTask (the child runs to completion inside Spawn), the
 * argument checks of Allocate, Free and ChannelCreate, ModuleReady,
 * SysInfo.  Everything else in the
 * table answers -ENOSYS ("not modelled"), unknown numbers -ENOSYS too.
 * User buffers are accessed with process_vm_readv/writev, which fail on
 * unmapped and (for writes) read-only pages as the kernel must.
 *
 * A signal (a fault) ends the program as the kernel would end it.
 *
 * usage: cambios-urun [-m modules-dir] [-p first-pid] [-t seconds] prog.elf
 * Program output (Print) goes to stdout; urun's own report to stderr:
 *   "urun: <name> pid <n> exit <code>" (the program given, not its
 *   children) or "urun: <name> pid <n> fault SIG<x> addr <a> rip <ip>"
 *   (any process).
 * Exit status: the program's exit code (low 8 bits), 128 + signal after a
 * fault, 124 after the timeout, 125 for urun's own errors.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "abi/syscall.h"
#include "abi/sysinfo.h"

/* abi/errno.h is not included: its names clash with the C library's. */
#define CAMBIOS_EINVAL 1
#define CAMBIOS_EPERM  2
#define CAMBIOS_ENOMEM 3
#define CAMBIOS_ENOSYS 38

#define USER_CEILING 0x0000800000000000ull /* x86_64 (spec §4) */
#define MAX_COPY     4096		   /* MAX_USER_BUFFER */
#define MAX_TASKS    256		   /* TaskIds 1..255 */
#define MAX_DEPTH    8			   /* nested Spawn */
#define FAKE_FRAMES  32768u		   /* SysInfo: 128 MiB */
#define FAKE_FREE    30000u

/* A spawned task that has not been waited for. */
struct task {
	bool used;	/* slot taken */
	int64_t code;	/* exit code (0xFFFFFFFF after a fault) */
	uint32_t owner; /* pid of the process that spawned it */
};

static const char *modules_dir; /* where Spawn looks for <name>.elf */
static uint32_t next_pid = 3;	/* pid of the next process started */
static struct task tasks[MAX_TASKS];
static struct timespec start_time;
static volatile sig_atomic_t timed_out;
static pid_t live[MAX_DEPTH]; /* host pids of running programs */
static volatile sig_atomic_t nlive;
static int fault_sig; /* signal of the last fault, for the exit status */

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	for (int i = 0; i < nlive; i++)
		kill(live[i], SIGKILL);
}

/* [addr, addr + len) is a user range (syscalls.md §4). */
static bool user_range(uint64_t addr, uint64_t len)
{
	return addr < USER_CEILING && len <= USER_CEILING - addr;
}

static bool copy_in(pid_t pid, void *dst, uint64_t addr, size_t len)
{
	struct iovec local = {dst, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};

	if (len == 0)
		return true;
	if (!user_range(addr, len))
		return false;
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

static bool copy_out(pid_t pid, uint64_t addr, const void *src, size_t len)
{
	struct iovec local = {(void *)src, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};

	if (len == 0)
		return true;
	if (!user_range(addr, len))
		return false;
	return process_vm_writev(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

static int64_t run_program(const char *path, uint32_t pid, int depth);

/* Spawn (25): run module `name` to completion, return its TaskId. */
static int64_t model_spawn(pid_t host, uint32_t pid, int depth, uint64_t a1,
			   uint64_t a2)
{
	char name[65], path[PATH_MAX];
	int64_t code;
	int id;

	if (a2 == 0 || a2 > 64)
		return -CAMBIOS_EINVAL;
	if (!copy_in(host, name, a1, a2))
		return -CAMBIOS_EINVAL;
	name[a2] = '\0';
	if (strchr(name, '/') || memchr(name, '\0', a2) || depth >= MAX_DEPTH)
		return -CAMBIOS_EINVAL;
	/* Module name = file name without ".elf" (kernel.md §7). */
	snprintf(path, sizeof(path), "%s/%s.elf", modules_dir, name);
	if (access(path, R_OK) != 0)
		return -CAMBIOS_EINVAL;
	for (id = 1; id < MAX_TASKS && tasks[id].used; id++)
		;
	if (id == MAX_TASKS)
		return -CAMBIOS_ENOMEM;
	code = run_program(path, next_pid++, depth + 1);
	if (code < 0 && code != -1)
		return -CAMBIOS_ENOMEM; /* could not start it */
	tasks[id] = (struct task){true, code < 0 ? 0xFFFFFFFF : code, pid};
	return id;
}

/* WaitTask (26): the exit code of a child spawned by this process. */
static int64_t model_wait(uint32_t pid, uint64_t a1)
{
	int64_t code;

	if (a1 == 0 || a1 >= MAX_TASKS || !tasks[a1].used)
		return -CAMBIOS_EINVAL;
	if (tasks[a1].owner != pid)
		return -CAMBIOS_EPERM;
	code = tasks[a1].code;
	tasks[a1].used = false;
	return code;
}

/* SysInfo (38): fixed numbers, written as the kernel would. */
static int64_t model_sysinfo(pid_t host, uint64_t kind, uint64_t buf,
			     uint64_t len)
{
	struct timespec now;
	struct sysinfo_mem mem = {FAKE_FRAMES, FAKE_FREE, 65536, 256};
	struct sysinfo_sched sched = {1, 1, 0, 100, 0};
	const void *rec;
	size_t size;

	if (kind == SYSINFO_MEM) {
		rec = &mem;
		size = sizeof(mem);
	} else if (kind == SYSINFO_SCHED) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		sched.ticks = (uint64_t)(now.tv_sec - start_time.tv_sec) * 100;
		rec = &sched;
		size = sizeof(sched);
	} else {
		return -CAMBIOS_EINVAL;
	}
	if (len < size)
		return -CAMBIOS_EINVAL;
	return copy_out(host, buf, rec, size) ? (int64_t)size : -CAMBIOS_EINVAL;
}

/*
 * Answer one syscall.  Sets *exited and *code for Exit.  depth is the
 * nesting of Spawn.
 */
static int64_t model(pid_t host, uint32_t pid, int depth,
		     const struct user_regs_struct *r, bool *exited,
		     int64_t *code)
{
	static const uint8_t principal[32] = {0x86, 0x76, 0x3c, 0xb0};
	uint64_t a1 = r->rdi, a2 = r->rsi, a3 = r->rdx;
	char buf[256];
	struct timespec now;

	switch (r->orig_rax) {
	case SYS_EXIT:
		*exited = true;
		*code = (uint32_t)a1;
		return 0;
	case SYS_YIELD:
	case SYS_MODULE_READY:
		return 0;
	case SYS_GET_PID:
		return pid;
	case SYS_GET_TIME:
		clock_gettime(CLOCK_MONOTONIC, &now);
		return (now.tv_sec - start_time.tv_sec) * 100 +
		       (now.tv_nsec - start_time.tv_nsec) / 10000000;
	case SYS_PRINT:
		if (a2 == 0)
			return 0;
		if (a2 > sizeof(buf) || !copy_in(host, buf, a1, a2))
			return -CAMBIOS_EINVAL;
		if (write(STDOUT_FILENO, buf, a2) != (ssize_t)a2)
			return -CAMBIOS_EINVAL;
		return (int64_t)a2;
	case SYS_GET_PRINCIPAL:
		if (a2 < 32 || !copy_out(host, a1, principal, 32))
			return -CAMBIOS_EINVAL;
		return 32;
	case SYS_ALLOCATE:
		if (a1 == 0 || a1 > (64u << 20))
			return -CAMBIOS_EINVAL;
		return -CAMBIOS_ENOMEM; /* not modelled */
	case SYS_FREE:
		return -CAMBIOS_EINVAL; /* nothing was ever allocated */
	case SYS_SPAWN:
		return model_spawn(host, pid, depth, a1, a2);
	case SYS_WAIT_TASK:
		return model_wait(pid, a1);
	case SYS_SYSINFO:
		return model_sysinfo(host, a1, a2, a3);
	case SYS_CHANNEL_CREATE:
		/* Only the argument checks, in the spec's order; a4 is read
		 * from R10 as the kernel reads it, so a library that passes
		 * it in RCX (the original's bug) gets the wrong answer. */
		if (a1 == 0 || a1 > 65536 || a3 > 2 ||
		    !copy_in(host, buf, a2, 32) || r->r10 == 0 ||
		    !user_range(r->r10, 8))
			return -CAMBIOS_EINVAL;
		return -CAMBIOS_ENOMEM; /* not modelled */
	default:
		return -CAMBIOS_ENOSYS;
	}
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Report a fault and end the program. */
static void report_fault(pid_t host, const char *path, uint32_t pid, int sig)
{
	struct user_regs_struct r;
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	memset(&r, 0, sizeof(r));
	ptrace(PTRACE_GETSIGINFO, host, NULL, &si);
	ptrace(PTRACE_GETREGS, host, NULL, &r);
	fprintf(stderr, "urun: %s pid %u fault SIG%s addr %p rip %#llx\n",
		base_name(path), pid, sigabbrev_np(sig), si.si_addr, r.rip);
	fault_sig = sig;
}

/*
 * Run one program to its end.  Returns its exit code (>= 0), -1 after a
 * fault or the timeout, -2 if it could not be started.
 */
static int64_t run_program(const char *path, uint32_t pid, int depth)
{
	struct user_regs_struct r;
	int64_t result = 0, code = -1;
	bool entry = true, exited = false;
	pid_t host;
	int st;

	host = fork();
	if (host < 0)
		return -2;
	if (host == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	live[nlive++] = host;
	if (waitpid(host, &st, 0) != host || !WIFSTOPPED(st)) {
		nlive--;
		return -2; /* exec failed: not an executable */
	}
	ptrace(PTRACE_SETOPTIONS, host, NULL,
	       PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, host, NULL, NULL) != 0 ||
		    waitpid(host, &st, 0) != host)
			break;
		if (!WIFSTOPPED(st))
			break; /* killed (timeout) or exited behind our back */
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			report_fault(host, path, pid, WSTOPSIG(st));
			break;
		}
		ptrace(PTRACE_GETREGS, host, NULL, &r);
		if (entry) {
			result = model(host, pid, depth, &r, &exited, &code);
			if (exited)
				break;
			r.orig_rax = (unsigned long long)-1; /* skip in Linux */
		} else {
			r.rax = (unsigned long long)result;
		}
		ptrace(PTRACE_SETREGS, host, NULL, &r);
		entry = !entry;
	}
	kill(host, SIGKILL);
	waitpid(host, &st, 0);
	nlive--;
	if (exited && depth == 0)
		fprintf(stderr, "urun: %s pid %u exit %lld\n", base_name(path),
			pid, (long long)code);
	return exited ? code : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: cambios-urun [-m modules-dir] [-p first-pid] "
			"[-t seconds] prog.elf\n");
}

int main(int argc, char **argv)
{
	unsigned timeout = 60;
	char *dir = NULL;
	int64_t code;
	int c;

	while ((c = getopt(argc, argv, "m:p:t:h")) != -1) {
		switch (c) {
		case 'm':
			modules_dir = optarg;
			break;
		case 'p':
			next_pid = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 't':
			timeout = (unsigned)strtoul(optarg, NULL, 0);
			break;
		default:
			usage();
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1) {
		usage();
		return 2;
	}
	if (!modules_dir) {
		dir = strdup(argv[optind]);
		modules_dir = strrchr(dir, '/') ? dir : ".";
		if (strrchr(dir, '/'))
			*strrchr(dir, '/') = '\0';
	}
	clock_gettime(CLOCK_MONOTONIC, &start_time);
	signal(SIGALRM, on_alarm);
	alarm(timeout);
	code = run_program(argv[optind], next_pid++, 0);
	free(dir);
	if (timed_out) {
		fprintf(stderr, "urun: timeout after %u s\n", timeout);
		return 124;
	}
	if (code == -2) {
		fprintf(stderr, "urun: cannot run %s\n", argv[optind]);
		return 125;
	}
	return code < 0 ? 128 + fault_sig : (int)(code & 0xFF);
}
