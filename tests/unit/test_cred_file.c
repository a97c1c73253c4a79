/* test_cred_file.c - a shared credentials file: copied into a run under
 * the lock, written back only when refreshed, usable and not overtaken by
 * a later token; concurrent write-backs leave one whole file, the one
 * that expires last; no token reaches the log. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/hub_error.h"
#include "common/hub_json.h"
#include "providers/cred_file.h"
#include "providers/workdir.h"
#include "tap.h"

#define N_WRITERS 8

/* The test kind: {"access_token":..,"refresh_token":..,"expiry":ms}. */
static int
test_usable(const struct hub_buf *b, long long *expiry_ms)
{
	struct json_object *obj = NULL, *v;
	const char *at, *rt;
	char jerr[64];
	int usable = 0;

	*expiry_ms = -1;
	if (b->len == 0 || hub_json_parse(b->data, b->len, &obj, jerr, sizeof(jerr)) != 0)
		return 0;
	if (json_object_is_type(obj, json_type_object)) {
		at = hub_json_get_string(obj, "access_token");
		rt = hub_json_get_string(obj, "refresh_token");
		usable = at != NULL && at[0] != '\0' && rt != NULL && rt[0] != '\0';
		if (json_object_object_get_ex(obj, "expiry", &v))
			*expiry_ms = (long long)json_object_get_int64(v);
	}
	json_object_put(obj);
	return usable;
}

static const struct cred_file_kind test_kind = {
	.log_tag = "test", .setting = "TEST_AUTH_PATH", .max_bytes = 4096,
	.missing_ok = 0, .usable = test_usable,
};
static const struct cred_file_kind test_kind_missing_ok = {
	.log_tag = "test", .setting = "TEST_AUTH_PATH", .max_bytes = 4096,
	.missing_ok = 1, .usable = test_usable,
};

/* Write text to path (replacing it). */
static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* The file's text into out ("" when unreadable). */
static const char *
get(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(out, 1, outlen - 1, f);
		fclose(f);
	}
	out[n] = '\0';
	return out;
}

/* A usable credentials text with the given access token and expiry. */
static const char *
creds(char *out, size_t outlen, const char *at, long long expiry)
{
	snprintf(out, outlen, "{\"access_token\":\"%s\",\"refresh_token\":\"secret-rt\","
	    "\"expiry\":%lld}", at, expiry);
	return out;
}

/* Entries of dir other than the ones named (a leftover temporary file). */
static int
strangers(const char *dir, const char *a, const char *b)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, a) != 0 && strcmp(de->d_name, b) != 0)
			n++;
	closedir(d);
	return n;
}

/* One run in a child process: copy in, tell ready, wait until go is
 * closed (every run has copied in), "refresh" with expiry, write back. */
static void
writer(const char *shared, const char *run_dir, int i, int ready, int go)
{
	struct hub_buf orig;
	char copy[PATH_MAX], text[256], at[32], c;

	hub_buf_init(&orig, 0);
	snprintf(copy, sizeof(copy), "%s/run-%d.json", run_dir, i);
	if (cred_file_copy_in(&test_kind, shared, copy, &orig) != 0 || write(ready, "x", 1) != 1)
		_exit(1);
	while (read(go, &c, 1) > 0)
		;
	usleep((useconds_t)(i % 3) * 1000);
	unlink(copy);
	snprintf(at, sizeof(at), "secret-at-%d", i);
	put(copy, creds(text, sizeof(text), at, 1000000 + i * 7 % N_WRITERS));
	cred_file_write_back(&test_kind, shared, copy, &orig);
	cred_file_secret_free(&orig);
	_exit(0);
}

int
main(void)
{
	char dir[] = "test_cred_file.XXXXXX", shared[PATH_MAX], lock[PATH_MAX], copy[PATH_MAX],
	    logf[PATH_MAX], text[8192], want[512], got[8192], at[32];
	static char log_text[65536];
	struct hub_buf orig;
	struct stat st;
	pid_t pids[N_WRITERS], reader;
	ino_t ino;
	int ready[2], go[2];
	int i, status, all_whole = 1, saved_err, log_fd;
	long long best = -1;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(shared, sizeof(shared), "%s/auth.json", dir);
	snprintf(lock, sizeof(lock), "%s/auth.json.lock", dir);
	snprintf(copy, sizeof(copy), "%s/copy.json", dir);
	snprintf(logf, sizeof(logf), "%s.log", dir);
	/* the log goes to a file, to show that it never holds a token */
	fflush(stderr);
	saved_err = dup(2);
	log_fd = open(logf, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(log_fd, 2);
	close(log_fd);
	hub_buf_init(&orig, 0);

	/* copy-in: the same bytes, a new 0600 file, the bytes kept; the lock file made */
	put(shared, creds(text, sizeof(text), "secret-at-0", 1000));
	is_int(cred_file_copy_in(&test_kind, shared, copy, &orig), HUB_OK, "copy-in");
	is_str(get(copy, got, sizeof(got)), text, "the run's copy holds the file's bytes");
	ok(stat(copy, &st) == 0 && (st.st_mode & 0777) == 0600, "the run's copy is mode 0600");
	ok(orig.len == strlen(text) && memcmp(orig.data, text, orig.len) == 0, "the bytes are kept");
	ok(stat(lock, &st) == 0, "the lock file sits beside the file");
	ok(cred_file_copy_in(&test_kind, shared, copy, &orig) == HUB_ERR_SYSTEM,
	    "copy-in never writes over an existing file");

	/* write-back of an unchanged copy leaves the file alone */
	stat(shared, &st);
	ino = st.st_ino;
	unlink(copy);
	put(copy, text);
	cred_file_write_back(&test_kind, shared, copy, &orig);
	ok(stat(shared, &st) == 0 && st.st_ino == ino, "an unchanged copy is not written back");

	/* a non-JSON copy, a copy without a refresh token: not written back */
	put(copy, "not json secret-at-x");
	cred_file_write_back(&test_kind, shared, copy, &orig);
	is_str(get(shared, got, sizeof(got)), text, "a non-JSON copy is not written back");
	put(copy, "{\"access_token\":\"secret-at-1\",\"expiry\":5000}");
	cred_file_write_back(&test_kind, shared, copy, &orig);
	is_str(get(shared, got, sizeof(got)), text, "a copy without a refresh token is not written back");
	unlink(copy);
	cred_file_write_back(&test_kind, shared, copy, &orig);
	is_str(get(shared, got, sizeof(got)), text, "a gone copy changes nothing");

	/* a refreshed copy replaces the file atomically: new inode, 0600, no temporary left */
	put(copy, creds(want, sizeof(want), "secret-at-2", 2000));
	cred_file_write_back(&test_kind, shared, copy, &orig);
	is_str(get(shared, got, sizeof(got)), want, "a refreshed copy is written back");
	ok(stat(shared, &st) == 0 && st.st_ino != ino && (st.st_mode & 0777) == 0600,
	    "by rename, mode 0600");
	is_int(strangers(dir, "auth.json", "auth.json.lock") - 1, 0, "no temporary file is left");

	/* the file changed meanwhile (another run's refresh): a later or equal
	 * expiry is kept, an earlier one replaced, an unusable one replaced */
	put(copy, creds(text, sizeof(text), "secret-at-3", 2000));
	cred_file_write_back(&test_kind, shared, copy, &orig);
	is_str(get(shared, got, sizeof(got)), want, "a meanwhile refresh expiring as late is kept");
	put(copy, creds(text, sizeof(text), "secret-at-4", 1500));
	cred_file_write_back(&test_kind, shared, copy, &orig);
	is_str(get(shared, got, sizeof(got)), want, "a meanwhile refresh expiring later is kept");
	put(copy, creds(text, sizeof(text), "secret-at-5", 2500));
	cred_file_write_back(&test_kind, shared, copy, &orig);
	is_str(get(shared, got, sizeof(got)), text, "one expiring earlier is replaced");
	put(shared, "{\"access_token\":\"secret-at-6\",\"expiry\":9000}");
	put(copy, creds(text, sizeof(text), "secret-at-7", 3000));
	cred_file_write_back(&test_kind, shared, copy, &orig);
	is_str(get(shared, got, sizeof(got)), text, "a meanwhile file without both tokens is replaced");
	cred_file_secret_free(&orig);

	/* a missing file: the copy-in's error, or (missing_ok) nothing copied */
	unlink(copy);
	snprintf(text, sizeof(text), "%s/none.json", dir);
	is_int(cred_file_copy_in(&test_kind, text, copy, &orig), HUB_ERR_NOT_FOUND,
	    "a missing file is the copy-in's error");
	is_int(cred_file_copy_in(&test_kind_missing_ok, text, copy, &orig), HUB_OK,
	    "with missing_ok it is not");
	ok(access(copy, F_OK) != 0, "and nothing is copied");
	memset(text, 'x', 5000);
	text[5000] = '\0';
	put(shared, text);
	is_int(cred_file_copy_in(&test_kind, shared, copy, &orig), HUB_ERR_TOO_LARGE,
	    "a file over max_bytes is refused");
	ok(access(copy, F_OK) != 0, "and not copied");
	cred_file_secret_free(&orig);

	/* concurrent runs that all copied in the same file: a reader sees
	 * whole JSON throughout; the last expiry wins whatever the order */
	put(shared, creds(text, sizeof(text), "secret-at-init", 1000));
	if ((reader = fork()) == 0) {
		struct hub_buf b;
		long long e;
		int k, whole = 1;

		hub_buf_init(&b, 0);
		for (k = 0; k < 2000; k++)
			if (workdir_read_file(shared, 4096, &b) != 0 || !test_usable(&b, &e))
				whole = 0;
		cred_file_secret_free(&b);
		_exit(whole ? 0 : 1);
	}
	if (pipe(ready) != 0 || pipe(go) != 0)
		return 1;
	for (i = 0; i < N_WRITERS; i++)
		if ((pids[i] = fork()) == 0) {
			close(go[1]);
			writer(shared, dir, i, ready[1], go[0]);
		}
	for (i = 0; i < N_WRITERS && read(ready[0], at, 1) == 1; i++)
		;
	close(go[1]);  /* all have copied in: write back, all at once */
	close(go[0]);
	close(ready[0]);
	close(ready[1]);
	for (i = 0; i < N_WRITERS; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			all_whole = 0;
		if (1000000 + i * 7 % N_WRITERS > best) {
			best = 1000000 + i * 7 % N_WRITERS;
			snprintf(at, sizeof(at), "secret-at-%d", i);
		}
	}
	ok(all_whole, "every concurrent run copied in and wrote back");
	waitpid(reader, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a reader always saw whole, usable JSON");
	is_str(get(shared, got, sizeof(got)), creds(want, sizeof(want), at, best),
	    "the refresh that expires last is the one kept");
	for (i = 0; i < N_WRITERS; i++) {
		snprintf(copy, sizeof(copy), "%s/run-%d.json", dir, i);
		unlink(copy);
	}
	snprintf(copy, sizeof(copy), "%s/none.json.lock", dir);  /* the missing file's lock */
	unlink(copy);
	is_int(strangers(dir, "auth.json", "auth.json.lock"), 0, "no temporary file is left");

	/* the log said what happened, never a token */
	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	get(logf, log_text, sizeof(log_text));
	ok(strstr(log_text, "TEST_AUTH_PATH") != NULL, "the log names the setting");
	ok(strstr(log_text, "secret-") == NULL, "the log holds no token");

	unlink(shared);
	unlink(lock);
	unlink(logf);
	rmdir(dir);
	return tap_done();
}
