/*
 * cred_file.c - a CLI's shared credentials file, copied in and written
 * back (see cred_file.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_log.h"
#include "providers/cred_file.h"
#include "providers/workdir.h"

void
cred_file_secret_free(struct hub_buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap);
	hub_buf_free(b);
}

/* Open and flock the lock file next to auth_path; -1 when impossible. */
static int
cred_file_lock(const char *auth_path, int how)
{
	char lock_path[PATH_MAX];
	int fd;

	if (snprintf(lock_path, sizeof(lock_path), "%s.lock", auth_path) >= (int)sizeof(lock_path))
		return -1;
	fd = open(lock_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, how) != 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Release and close a lock of cred_file_lock(); -1 is none. */
static void
cred_file_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

/* Replace auth_path with data atomically (temp file + fsync + rename). */
static int
cred_file_replace(const char *auth_path, const struct hub_buf *data)
{
	char tmp[PATH_MAX];
	const char *p = data->data;
	size_t left = data->len;
	ssize_t n;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", auth_path) >= (int)sizeof(tmp))
		return HUB_ERR_TOO_LARGE;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		return HUB_ERR_SYSTEM;
	if (fchmod(fd, 0600) != 0)
		rc = HUB_ERR_SYSTEM;
	while (rc == 0 && left > 0) {
		n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = HUB_ERR_SYSTEM;
		else {
			p += n;
			left -= (size_t)n;
		}
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = HUB_ERR_SYSTEM;
	if (close(fd) != 0 && rc == 0)
		rc = HUB_ERR_SYSTEM;
	if (rc == 0 && rename(tmp, auth_path) != 0)
		rc = HUB_ERR_SYSTEM;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/* 1 when a and b hold the same bytes. */
static int
cred_file_same(const struct hub_buf *a, const struct hub_buf *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int
cred_file_read(const struct cred_file_kind *k, const char *auth_path, struct hub_buf *out)
{
	int lock, rc;

	lock = cred_file_lock(auth_path, LOCK_SH);
	rc = workdir_read_file(auth_path, k->max_bytes, out);
	cred_file_unlock(lock);
	return rc;
}

int
cred_file_copy_in(const struct cred_file_kind *k, const char *auth_path, const char *run_copy,
    struct hub_buf *orig)
{
	int rc;

	rc = cred_file_read(k, auth_path, orig);
	if (rc != 0 && !k->missing_ok)
		return rc;
	if (rc == HUB_ERR_NOT_FOUND) {
		hub_log(HUB_LOG_WARN, k->log_tag, "%s does not exist", k->setting);
		return 0;
	}
	if (rc != 0) {
		hub_log(HUB_LOG_WARN, k->log_tag, "%s could not be read: %s", k->setting,
		    hub_strerror(rc));
		return 0;
	}
	return workdir_write_file(run_copy, orig->data ? orig->data : "", orig->len, 0600);
}

void
cred_file_write_back(const struct cred_file_kind *k, const char *auth_path, const char *run_copy,
    const struct hub_buf *orig)
{
	struct hub_buf now, cur;
	long long new_expiry, cur_expiry;
	int lock = -1, rc;

	hub_buf_init(&now, 0);
	hub_buf_init(&cur, 0);
	if (workdir_read_file(run_copy, k->max_bytes, &now) != 0 || cred_file_same(&now, orig))
		goto out;  /* gone or unchanged */
	if (!k->usable(&now, &new_expiry)) {
		hub_log(HUB_LOG_WARN, k->log_tag,
		    "the CLI rewrote its credentials without both tokens; not written back");
		goto out;
	}
	if ((lock = cred_file_lock(auth_path, LOCK_EX)) < 0)
		hub_log(HUB_LOG_WARN, k->log_tag, "no lock beside %s; writing back unlocked", k->setting);
	rc = workdir_read_file(auth_path, k->max_bytes, &cur);
	if (rc == 0 && !cred_file_same(&cur, orig) && k->usable(&cur, &cur_expiry) &&
	    cur_expiry >= new_expiry) {
		hub_log(HUB_LOG_INFO, k->log_tag, "%s was refreshed by another run meanwhile; kept",
		    k->setting);
		goto out;
	}
	if ((rc = cred_file_replace(auth_path, &now)) != 0)
		hub_log(HUB_LOG_ERROR, k->log_tag,
		    "could not write the refreshed credentials back to %s: %s", k->setting,
		    hub_strerror(rc));
	else
		hub_log(HUB_LOG_INFO, k->log_tag, "refreshed credentials written back to %s", k->setting);
out:
	cred_file_unlock(lock);
	cred_file_secret_free(&now);
	cred_file_secret_free(&cur);
}
