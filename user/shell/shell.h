/*
 * user/shell/shell.h - what the shell's files share: buffered console
 * output and the command handlers (docs/shell.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* --- Console output (shell.c) -------------------------------------------- */

/**
 * Append len bytes to the output buffer; a full buffer (256 bytes, one
 * Print) is printed first.  Nothing reaches the console before
 * out_flush(), so an echo and its cursor moves go out together.
 */
void out_write(const void *buf, size_t len);
/** out_write() of a NUL-terminated string. */
void out_str(const char *s);
/** out_write() of one byte. */
void out_char(char c);
/** Print what out_write() buffered. */
void out_flush(void);

/* --- Commands ------------------------------------------------------------- */

/*
 * Each handler gets the text after the command word with leading blanks
 * removed ("" when there is none), prints its result with printf and
 * returns nothing: errors are printed too.
 */

/** `ps`: live processes (SysInfo SYSINFO_PROCS). */
void cmd_ps(const char *args);
/** `mem`: physical frames and kernel heap (SysInfo SYSINFO_MEM). */
void cmd_mem(const char *args);
/** `uptime`: GetTime as h:mm:ss.cc and ticks. */
void cmd_uptime(const char *args);
/** `store`: the object store (RAM, disk or offline) and block counters. */
void cmd_store(const char *args);
/** `audit`: the audit ring's counters (AuditInfo). */
void cmd_audit(const char *args);
/** `caps`: endpoints, capabilities, channels, messages (SYSINFO_IPC). */
void cmd_caps(const char *args);
/** `arcobj put|get|list|delete`: the object store through fs-service. */
void cmd_arcobj(const char *args);

/**
 * Register the shell's reply endpoint (18) for arcobj.  Returns 0 or the
 * RegisterEndpoint error; arcobj reports it when used.
 */
int arcobj_init(void);
/** arcobj_init()'s result: 0 when endpoint 18 is the shell's. */
int arcobj_endpoint_error(void);

/** True when args holds anything but blanks (a usage error for most). */
bool has_args(const char *args);
