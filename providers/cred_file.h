/*
 * cred_file.h - a CLI's OAuth credentials file that every run shares
 * (GEMINI_AUTH_PATH, CODEX_AUTH_PATH): copied into the run's private home
 * and, when the CLI refreshed its tokens there, written back.
 *
 * The CLIs rewrite their credentials in place (truncate + write), so a
 * link to the shared file could be read half-written by a concurrent run.
 * Instead:
 *   - copy-in reads the shared file under a shared flock on
 *     "<auth_path>.lock" and writes the bytes to a new mode-0600 file in
 *     the run, keeping them (a secret) for the write-back;
 *   - write-back, after the run, does nothing when the run's copy is gone
 *     or unchanged, or when it is not usable (not a JSON object of the
 *     kind's shape with both an access and a refresh token); else, under
 *     the exclusive lock, it keeps the shared file when that changed
 *     meanwhile to a usable one whose access token expires no earlier
 *     (another run's refresh), and otherwise replaces it atomically
 *     (temporary file in the same directory, mode 0600, fsync, rename).
 * Without a lock file (its directory not writable) both go on unlocked.
 * Nothing here logs or returns a token.
 */
#ifndef CRED_FILE_H
#define CRED_FILE_H

#include <stddef.h>

#include "common/hub_buf.h"

/* What differs between the CLIs' files. */
struct cred_file_kind {
	const char *log_tag;     /* hub_log() tag: "gemini" */
	const char *setting;     /* the setting that names the file, in log lines */
	size_t max_bytes;        /* a larger file is not a credentials file */
	/* 1: at copy-in a missing or unreadable file is logged and skipped
	 * (0 returned, nothing copied: the CLI reports the missing login);
	 * 0: it is the copy-in's error */
	int missing_ok;
	/* 1 when b is a credentials file of this kind with both tokens;
	 * *expiry_ms the access token's expiry (Unix ms), -1 unknown */
	int (*usable)(const struct hub_buf *b, long long *expiry_ms);
};

/*
 * Read auth_path whole into out (reset first; a secret: free it with
 * cred_file_secret_free()) under the shared lock, so that a concurrent
 * write-back is never seen half-done. Returns 0, HUB_ERR_NOT_FOUND,
 * HUB_ERR_TOO_LARGE (over k->max_bytes), HUB_ERR_SYSTEM or HUB_ERR_NOMEM.
 */
int cred_file_read(const struct cred_file_kind *k, const char *auth_path, struct hub_buf *out);

/*
 * Copy auth_path into run_copy, a new mode-0600 file, under the shared
 * lock; the bytes stay in orig (reset first; a secret: free it with
 * cred_file_secret_free()) for cred_file_write_back(). Returns 0, the
 * read's error (HUB_ERR_NOT_FOUND, HUB_ERR_TOO_LARGE, HUB_ERR_SYSTEM,
 * HUB_ERR_NOMEM) unless k->missing_ok, or HUB_ERR_SYSTEM when run_copy
 * cannot be written.
 */
int cred_file_copy_in(const struct cred_file_kind *k, const char *auth_path,
    const char *run_copy, struct hub_buf *orig);

/*
 * After the run: bring a refresh the CLI wrote to run_copy back to
 * auth_path, by the rules above; orig is what cred_file_copy_in() copied.
 * Each outcome but "unchanged" is logged (never a token).
 */
void cred_file_write_back(const struct cred_file_kind *k, const char *auth_path,
    const char *run_copy, const struct hub_buf *orig);

/* Wipe and free a buffer that held credentials. Accepts a freed one. */
void cred_file_secret_free(struct hub_buf *b);

#endif
