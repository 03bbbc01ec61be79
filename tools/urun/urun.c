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
 * SysInfo (all four kinds), AuditInfo (fixed numbers), TaskProcess,
 * ConsoleRead (stdin), and endpoints and messages: RegisterEndpoint,
 * Write, Read, RecvMsg, TryRecvMsg (ipc.c, with an optional fs-service
 * model).  Everything else in the table answers -ENOSYS ("not
 * modelled"), unknown numbers -ENOSYS too.
 * User buffers are accessed with process_vm_readv/writev, which fail on
 * unmapped and (for writes) read-only pages as the kernel must.
 *
 * ConsoleRead(buf, max, flags) takes one byte of stdin.  Without flags it
 * never blocks (0 when no byte is ready); with CONSOLE_READ_WAIT it
 * blocks until one arrives; other flag bits are -EINVAL.  At the end of stdin
 * (or Ctrl-] on a terminal) the program is ended: "urun: <name> pid <n> end of
 * input", exit status 0.  When stdin is a terminal it is put in raw mode (no
 * echo, no line editing, no signals from ^C) for the run.
 *
 * A signal (a fault) ends the program as the kernel would end it.
 *
 * usage: cambios-urun [-f] [-m modules-dir] [-p first-pid] [-t seconds]
 *                     prog.elf
 *   -f  answer endpoint 16 with the fs-service model (ipc.c)
 * Program output (Print) goes to stdout; urun's own report to stderr:
 *   "urun: <name> pid <n> exit <code>" (the program given, not its
 *   children) or "urun: <name> pid <n> fault SIG<x> addr <a> rip <ip>"
 *   (any process).
 * Exit status: the program's exit code (low 8 bits), 128 + signal after a
 * fault, 124 after the timeout, 125 for urun's own errors.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
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
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "abi/ipc.h"
#include "abi/syscall.h"
#include "abi/syscall_out.h"
#include "abi/sysinfo.h"
#include "tools/urun/urun.h"

#define USER_CEILING 0x0000800000000000ull /* x86_64 (spec §4) */
#define MAX_COPY     4096		   /* MAX_USER_BUFFER */
#define MAX_TASKS    256		   /* TaskIds 1..255 */
#define MAX_DEPTH    8			   /* nested Spawn */
#define FAKE_FRAMES  32768u		   /* SysInfo: 128 MiB */
#define FAKE_FREE    30000u
#define KERNEL_PROCS 3	  /* slots 0..2 (ipc.md §9) */
#define KEY_QUIT     0x1d /* Ctrl-]: end of input on a tty */

/* A spawned task that has not been waited for. */
struct task {
	bool used;	/* slot taken */
	int64_t code;	/* exit code (0xFFFFFFFF after a fault) */
	uint32_t owner; /* pid of the process that spawned it */
};

/* How one syscall left the program. */
enum stop {
	RUNNING = 0, /* carry on */
	EXITED,	     /* Exit: code set */
	INPUT_ENDED, /* ConsoleRead at the end of stdin */
};

static const char *modules_dir; /* where Spawn looks for <name>.elf */
static uint32_t next_pid = 3;	/* pid of the next process started */
static struct task tasks[MAX_TASKS];
static struct timespec start_time;
static volatile sig_atomic_t timed_out;
static struct proc live[MAX_DEPTH]; /* running programs, outermost first */
static volatile sig_atomic_t nlive;
static int fault_sig;	  /* signal of the last fault, for the exit status */
static bool stdin_ended;  /* read() on stdin returned 0 */
static bool stdin_is_tty; /* raw mode set; Ctrl-] ends input */
static struct termios saved_tty;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	for (int i = 0; i < nlive; i++)
		kill(live[i].host, SIGKILL);
}

uint64_t urun_ticks(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)((now.tv_sec - start_time.tv_sec) * 100 +
			  (now.tv_nsec - start_time.tv_nsec) / 10000000);
}

bool user_range(uint64_t addr, uint64_t len)
{
	return addr < USER_CEILING && len <= USER_CEILING - addr;
}

bool copy_in(pid_t pid, void *dst, uint64_t addr, size_t len)
{
	struct iovec local = {dst, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};

	if (len == 0)
		return true;
	if (!user_range(addr, len))
		return false;
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

bool copy_out(pid_t pid, uint64_t addr, const void *src, size_t len)
{
	struct iovec local = {(void *)src, len};
	struct iovec remote = {(void *)(uintptr_t)addr, len};

	if (len == 0)
		return true;
	if (!user_range(addr, len))
		return false;
	return process_vm_writev(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

static int64_t run_program(const char *path, uint32_t pid, uint32_t parent);

/* Spawn (25): run module `name` to completion, return its TaskId. */
static int64_t model_spawn(const struct proc *p, uint64_t a1, uint64_t a2)
{
	char name[65], path[PATH_MAX];
	int64_t code;
	int id;

	if (a2 == 0 || a2 > 64)
		return -CAMBIOS_EINVAL;
	if (!copy_in(p->host, name, a1, a2))
		return -CAMBIOS_EINVAL;
	name[a2] = '\0';
	if (strchr(name, '/') || memchr(name, '\0', a2) || nlive >= MAX_DEPTH)
		return -CAMBIOS_EINVAL;
	/* Module name = file name without ".elf" (kernel.md §7). */
	snprintf(path, sizeof(path), "%s/%s.elf", modules_dir, name);
	if (access(path, R_OK) != 0)
		return -CAMBIOS_EINVAL;
	for (id = 1; id < MAX_TASKS && tasks[id].used; id++)
		;
	if (id == MAX_TASKS)
		return -CAMBIOS_ENOMEM;
	code = run_program(path, next_pid++, p->pid);
	if (code < 0 && code != -1)
		return -CAMBIOS_ENOMEM; /* could not start it */
	tasks[id] = (struct task){true, code < 0 ? 0xFFFFFFFF : code, p->pid};
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

/* TaskProcess (40): the caller's ProcessId for 0; children have always
 * exited by the time Spawn returns under urun. */
static int64_t model_task_process(uint32_t pid, uint64_t a1)
{
	if (a1 == 0)
		return (int64_t)ipc_id_make(pid, 1);
	if (a1 < MAX_TASKS && tasks[a1].used && tasks[a1].owner == pid)
		return -CAMBIOS_ENOENT;
	return -CAMBIOS_EPERM;
}

/* SysInfo SYSINFO_PROCS: kernel slots 0..2, then the running programs. */
static size_t fill_procs(struct sysinfo_proc *out, size_t max)
{
	size_t n = 0;

	for (uint32_t slot = 0; slot < KERNEL_PROCS && n < max; slot++, n++) {
		memset(&out[n], 0, sizeof(out[n]));
		out[n].pid = slot;
		out[n].state = 2;
		out[n].kernel = 1;
		strcpy(out[n].name, "kernel");
	}
	for (int i = 0; i < nlive && n < max; i++, n++) {
		memset(&out[n], 0, sizeof(out[n]));
		out[n].pid = ipc_id_make(live[i].pid, 1);
		out[n].parent =
		    live[i].parent ? ipc_id_make(live[i].parent, 1) : 0;
		out[n].created_tick = live[i].started;
		out[n].state = 2;
		strcpy(out[n].name, live[i].name);
	}
	return n;
}

/* SysInfo (38): fixed numbers, written as the kernel would. */
static int64_t model_sysinfo(pid_t host, uint64_t kind, uint64_t buf,
			     uint64_t len)
{
	struct sysinfo_mem mem = {FAKE_FRAMES, FAKE_FREE, 65536, 256};
	struct sysinfo_sched sched = {1, 1, 0, 100, 0};
	struct sysinfo_proc procs[KERNEL_PROCS + MAX_DEPTH];
	struct sysinfo_ipc ipc;
	const void *rec;
	size_t size;

	switch (kind) {
	case SYSINFO_MEM:
		rec = &mem;
		size = sizeof(mem);
		break;
	case SYSINFO_SCHED:
		sched.ticks = urun_ticks();
		sched.tasks = (uint32_t)nlive;
		rec = &sched;
		size = sizeof(sched);
		break;
	case SYSINFO_IPC:
		ipc_stats(&ipc);
		rec = &ipc;
		size = sizeof(ipc);
		break;
	case SYSINFO_PROCS:
		if (len < SYSINFO_PROC_SIZE)
			return -CAMBIOS_EINVAL;
		size = fill_procs(procs, len / SYSINFO_PROC_SIZE) *
		       SYSINFO_PROC_SIZE;
		return copy_out(host, buf, procs, size) ? (int64_t)size
							: -CAMBIOS_EINVAL;
	default:
		return -CAMBIOS_EINVAL;
	}
	/* Records only grow: len below the record is refused, more is
	 * fine and gets the whole record (docs/abi.md, SysInfo). */
	if (len < size)
		return -CAMBIOS_EINVAL;
	return copy_out(host, buf, rec, size) ? (int64_t)size : -CAMBIOS_EINVAL;
}

/* AuditInfo (34): a ring nobody attached, fixed counts. */
static int64_t model_audit_info(pid_t host, uint64_t buf, uint64_t len)
{
	struct audit_info a = {
	    .produced = 42,
	    .dropped = 0,
	    .capacity = 4096,
	    .consumer_attached = 0,
	    .online_cpus = 1,
	};

	if (len < AUDIT_INFO_SIZE || buf == 0)
		return -CAMBIOS_EINVAL;
	return copy_out(host, buf, &a, sizeof(a)) ? 0 : -CAMBIOS_EINVAL;
}

/*
 * Read one byte of stdin: 1 with *c set, 0 when none is ready (only
 * without wait), -1 at the end of input (EOF, or Ctrl-] on a terminal).
 */
static int stdin_byte(uint8_t *c, bool wait)
{
	struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
	ssize_t n;

	if (stdin_ended)
		return -1;
	if (!wait && poll(&pfd, 1, 0) <= 0)
		return 0;
	do
		n = read(STDIN_FILENO, c, 1);
	while (n < 0 && errno == EINTR && !timed_out);
	if (n <= 0 || (stdin_is_tty && *c == KEY_QUIT)) {
		stdin_ended = true;
		return -1;
	}
	return 1;
}

/* ConsoleRead (24): at most one byte of stdin (syscalls.md 24). */
static int64_t model_console_read(pid_t host, uint64_t buf, uint64_t max,
				  uint64_t flags, enum stop *stop)
{
	uint8_t c;
	int r;

	if (flags & ~(uint64_t)CONSOLE_READ_WAIT)
		return -CAMBIOS_EINVAL;
	if (max == 0)
		return 0;
	if (max > MAX_COPY || !user_range(buf, max))
		return -CAMBIOS_EINVAL;
	r = stdin_byte(&c, flags & CONSOLE_READ_WAIT);
	if (r < 0) {
		*stop = INPUT_ENDED;
		return 0;
	}
	if (r == 0)
		return 0;
	return copy_out(host, buf, &c, 1) ? 1 : -CAMBIOS_EINVAL;
}

/*
 * Answer one syscall of p.  Sets *stop (and *code for Exit) when the
 * program must end.
 */
static int64_t model(struct proc *p, const struct user_regs_struct *r,
		     enum stop *stop, int64_t *code)
{
	static const uint8_t principal[32] = {0x86, 0x76, 0x3c, 0xb0};
	uint64_t a1 = r->rdi, a2 = r->rsi, a3 = r->rdx;
	pid_t host = p->host;
	char buf[256];

	switch (r->orig_rax) {
	case SYS_EXIT:
		*stop = EXITED;
		*code = (uint32_t)a1;
		return 0;
	case SYS_YIELD:
	case SYS_MODULE_READY:
		return 0;
	case SYS_GET_PID:
		return p->pid;
	case SYS_GET_TIME:
		return (int64_t)urun_ticks();
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
		return model_spawn(p, a1, a2);
	case SYS_WAIT_TASK:
		return model_wait(p->pid, a1);
	case SYS_TASK_PROCESS:
		return model_task_process(p->pid, a1);
	case SYS_SYSINFO:
		return model_sysinfo(host, a1, a2, a3);
	case SYS_AUDIT_INFO:
		return model_audit_info(host, a1, a2);
	case SYS_CONSOLE_READ:
		return model_console_read(host, a1, a2, a3, stop);
	case SYS_REGISTER_ENDPOINT:
		return ipc_register(p, a1);
	case SYS_WRITE:
		return ipc_write(p, a1, a2, a3);
	case SYS_READ:
		return ipc_read(p, a1, a2, a3);
	case SYS_RECV_MSG:
		return ipc_recv(p, a1, a2, a3, true);
	case SYS_TRY_RECV_MSG:
		return ipc_recv(p, a1, a2, a3, false);
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

/* Fill the process record of a program about to start. */
static void proc_init(struct proc *p, pid_t host, const char *path,
		      uint32_t pid, uint32_t parent)
{
	const char *name = base_name(path);
	size_t len = strlen(name);

	if (len > 4 && !strcmp(name + len - 4, ".elf"))
		len -= 4;
	if (len >= sizeof(p->name))
		len = sizeof(p->name) - 1;
	memset(p, 0, sizeof(*p));
	memcpy(p->name, name, len);
	p->host = host;
	p->pid = pid;
	p->parent = parent;
	p->started = urun_ticks();
	p->reply_ep = -1;
}

/*
 * Run one program to its end.  parent is the spawner's pid, 0 for the
 * program given.  Returns its exit code (>= 0), -1 after a fault or the
 * timeout, -2 if it could not be started.
 */
static int64_t run_program(const char *path, uint32_t pid, uint32_t parent)
{
	struct user_regs_struct r;
	int64_t result = 0, code = -1;
	enum stop stop = RUNNING;
	bool entry = true;
	struct proc *p;
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
	p = &live[nlive];
	proc_init(p, host, path, pid, parent);
	nlive++;
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
			result = model(p, &r, &stop, &code);
			if (stop != RUNNING)
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
	ipc_process_exit(p);
	nlive--;
	if (stop == INPUT_ENDED) {
		fprintf(stderr, "urun: %s pid %u end of input\n",
			base_name(path), pid);
		code = 0;
	} else if (stop == EXITED && parent == 0) {
		fprintf(stderr, "urun: %s pid %u exit %lld\n", base_name(path),
			pid, (long long)code);
	}
	return stop != RUNNING ? code : -1;
}

static void restore_tty(void)
{
	if (stdin_is_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
}

/*
 * A terminal on stdin delivers each key at once, unechoed, with ^C as a
 * byte (the program edits lines itself).  Output processing stays on,
 * so "\n" still starts a new line.
 */
static void raw_tty(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	t = saved_tty;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(ICRNL | INLCR | IGNCR | IXON);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) {
		stdin_is_tty = true;
		atexit(restore_tty);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: cambios-urun [-f] [-m modules-dir] "
			"[-p first-pid] [-t seconds] prog.elf\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	unsigned timeout = 60;
	bool serve_fs = false;
	char *dir = NULL;
	int64_t code;
	int c;

	while ((c = getopt(argc, argv, "fm:p:t:h")) != -1) {
		switch (c) {
		case 'f':
			serve_fs = true;
			break;
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
	ipc_model_init(serve_fs);
	raw_tty();
	/* No SA_RESTART: the alarm must cut a blocking read of stdin. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
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
