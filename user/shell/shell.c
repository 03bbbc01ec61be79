/*
 * user/shell/shell.c - the interactive shell on the serial console, the
 * last boot module of the chain (docs/shell.md).
 *
 * Start: register the reply endpoint 18 (arcobj), ModuleReady (ipc.md
 * §10: after registering endpoints), a banner, the prompt "cambios> ".
 * Then forever: read the console a byte at a time (ConsoleRead, blocking
 * with CONSOLE_READ_WAIT), feed the line editor (line.c), run each
 * finished line.  The shell never exits on its own; it returns 1 only
 * when the console cannot be read at all (a kernel without ConsoleRead).
 *
 * Output: the editor's echo goes through a 256-byte buffer printed once
 * per input byte; commands print with printf (one Print per line).
 */
#include "lib/libsys/libsys.h"

#include "user/shell/line.h"
#include "user/shell/shell.h"

#define SHELL_PROMPT "cambios> "

/* Print's limit: one buffer is one syscall. */
#define OUT_MAX 256

static char out_buf[OUT_MAX]; /* echo not yet printed */
static size_t out_len;	      /* bytes used in out_buf */

void out_flush(void)
{
	if (out_len)
		(void)sys_print(out_buf, out_len); /* nowhere to report it */
	out_len = 0;
}

void out_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		size_t n = OUT_MAX - out_len;

		if (n == 0) {
			out_flush();
			n = OUT_MAX;
		}
		if (n > len)
			n = len;
		memcpy(out_buf + out_len, p, n);
		out_len += n;
		p += n;
		len -= n;
	}
}

void out_str(const char *s)
{
	out_write(s, strlen(s));
}

void out_char(char c)
{
	out_write(&c, 1);
}

/*
 * Wait for one input byte (ConsoleRead with CONSOLE_READ_WAIT).  Returns
 * 0, or ConsoleRead's error.  A result of 0 bytes (a wake-up without
 * input) and -EINTR are retried after a Yield.
 */
static int read_byte(uint8_t *c)
{
	for (;;) {
		int64_t r = sys_console_read(c, 1, CONSOLE_READ_WAIT);

		if (r == 1)
			return 0;
		if (r < 0 && r != -EINTR && r != -EWOULDBLOCK)
			return (int)r;
		(void)sys_yield();
	}
}

bool has_args(const char *args)
{
	for (; *args; args++)
		if (*args != ' ')
			return true;
	return false;
}

static void cmd_help(const char *args);

/*
 * run <module>: start a boot module by name (Spawn) and wait for it; its
 * exit code is printed.  The program runs with the Principal the boot
 * configuration gave its module (docs/services.md).
 */
static void cmd_run(const char *args)
{
	const char *name = args;
	size_t n;
	int64_t task, code;

	while (*name == ' ')
		name++;
	for (n = 0; name[n] && name[n] != ' '; n++)
		;
	if (n == 0 || has_args(name + n)) {
		printf("usage: run <module>\n");
		return;
	}
	task = sys_spawn(name, n);
	if (task < 0) {
		printf("run: cannot start %.*s: %s\n", (int)n, name,
		       task == -EINVAL ? "no such boot module"
				       : strerror((int)task));
		return;
	}
	code = sys_wait_task((uint64_t)task);
	printf("run: %.*s exited with %ld\n", (int)n, name, (long)code);
}

/* One built-in command. */
struct command {
	const char *name;	       /* the word typed */
	void (*run)(const char *args); /* handler (shell.h) */
	const char *usage;	       /* left column of help */
	const char *what;	       /* right column of help */
};

static const struct command commands[] = {
    {"help", cmd_help, "help", "this list"},
    {"ps", cmd_ps, "ps",
     "processes: pid (slot.generation), parent, state, age, name"},
    {"mem", cmd_mem, "mem", "physical memory and kernel heap"},
    {"uptime", cmd_uptime, "uptime", "time since boot (100 Hz ticks)"},
    {"audit", cmd_audit, "audit", "audit ring: events produced, dropped"},
    {"caps", cmd_caps, "caps", "endpoints, capabilities, channels, messages"},
    {"store", cmd_store, "store", "object store: RAM, disk or offline; block I/O"},
    {"run", cmd_run, "run <module>", "start a boot module and wait for it"},
    {"arcobj", cmd_arcobj, "arcobj put <text>",
     "store text in the object store (fs-service)"},
};

#define COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(const char *args)
{
	if (has_args(args)) {
		printf("usage: help\n");
		return;
	}
	printf("commands:\n");
	for (size_t i = 0; i < COMMANDS; i++)
		printf("  %-22s %s\n", commands[i].usage, commands[i].what);
	printf("  %-22s %s\n", "arcobj get <hash>",
	       "print an object (hash: 64 hex digits)");
	printf("  %-22s %s\n", "arcobj list", "list objects (at most 7)");
	printf("  %-22s %s\n", "arcobj delete <hash>", "delete an object");
	printf("keys: Left/Right, Home/End (^A/^E), Backspace, Delete, "
	       "Up/Down history,\n"
	       "      ^U clear line, ^C drop line, ^L clear screen\n");
}

/* Run one finished line: a command word, blanks, arguments. */
static void run_line(const char *line)
{
	size_t n;

	while (*line == ' ')
		line++;
	for (n = 0; line[n] && line[n] != ' '; n++)
		;
	if (n == 0)
		return; /* empty line: nothing */
	for (size_t i = 0; i < COMMANDS; i++) {
		const char *args;

		if (strlen(commands[i].name) != n ||
		    memcmp(commands[i].name, line, n) != 0)
			continue;
		for (args = line + n; *args == ' '; args++)
			;
		commands[i].run(args);
		return;
	}
	printf("unknown command: %.*s (try help)\n", (int)n, line);
}

int main(void)
{
	static struct line_editor ed; /* 17 KiB: not on the stack */
	int err = arcobj_init();

	/* Endpoints first, then release the next module (ipc.md §10). */
	(void)sys_module_ready();
	printf("CambiOS-C shell (pid %ld). Type help for the commands.\n",
	       (long)sys_get_pid());
	if (err)
		printf("shell: reply endpoint %d unavailable (%s): arcobj "
		       "will not work\n",
		       IPC_EP_SHELL, strerror(err));
	line_init(&ed, SHELL_PROMPT);
	line_start(&ed);
	out_flush();
	for (;;) {
		uint8_t c;

		err = read_byte(&c);
		if (err) {
			out_flush();
			printf("\nshell: cannot read the console: %s (%s)\n",
			       strerror(err), errno_name(err));
			return 1;
		}
		switch (line_feed(&ed, c)) {
		case LINE_DONE:
			out_flush();
			line_history_add(&ed, line_text(&ed));
			run_line(line_text(&ed));
			line_start(&ed);
			break;
		case LINE_CANCEL:
			line_start(&ed);
			break;
		case LINE_MORE:
			break;
		}
		out_flush();
	}
}
