/*
 * tools/sign/keyfile.h - key files, hex and whole-file I/O for the host
 * signing tools (cambios-keygen, cambios-sign).
 *
 * Key file formats: exactly 32 raw bytes, or 64 hex digits optionally
 * followed by whitespace (a trailing newline).  The same formats hold for a
 * seed (secret) and a public key.  Every function prints its own error to
 * stderr, prefixed with keyfile_prog, and returns -1; 0 on success.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define KEYFILE_KEY_LEN 32 /**< seed and public key length */

/** Program name for error messages; set by main(). */
extern const char *keyfile_prog;

/** Print an error line "<prog>: <message>" to stderr. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Decode exactly 2 * n hex digits (either case) from s[0, slen) into out.
 * Returns 0, or -1 (silently) for any other length or a non-hex character.
 */
int hex_decode(const char *s, size_t slen, uint8_t *out, size_t n);

/** Write n bytes as lowercase hex (no newline) to f. */
void hex_write(FILE *f, const uint8_t *b, size_t n);

/**
 * Parse key material: 32 raw bytes, or 64 hex digits plus optional trailing
 * whitespace.  Returns 0, or -1 (silently) when it is neither.
 */
int key_parse(const uint8_t *data, size_t len, uint8_t out[KEYFILE_KEY_LEN]);

/**
 * Read a whole file ("-" is stdin) of at most max bytes into a malloc'd
 * buffer the caller frees.  Fails on I/O errors, directories and files
 * larger than max, with a message naming path.
 */
int file_read(const char *path, size_t max, uint8_t **data, size_t *len);

/**
 * Read a 32-byte Ed25519 seed from path.  Warns (does not fail) when the
 * file is readable by group or others.  The caller wipes seed after use.
 */
int keyfile_read_seed(const char *path, uint8_t seed[KEYFILE_KEY_LEN]);

/**
 * Read a public key: arg is a key file, or 64 hex digits given inline
 * (used only when no file of that name exists).
 */
int keyfile_read_pub(const char *arg, uint8_t pk[KEYFILE_KEY_LEN]);

/**
 * Create path with mode and write data to it; with exclusive, fail if it
 * exists.  Otherwise path is replaced atomically (temporary file in the
 * same directory, fsync, rename), so readers never see half a file.
 */
int file_write(const char *path, const void *data, size_t len, mode_t mode,
	       bool exclusive);
