/*
 * slots.c - concurrency slots as flock(2)ed files under the state directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hub_error.h"
#include "slots.h"

/* 1 when name may be part of a file name. */
static int
slots_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || *name == '\0' || strlen(name) > 64)
		return 0;
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* Open slot file i of name, creating the directory and file as needed. */
static int
slots_open(const char *dir, const char *name, long i)
{
	char path[PATH_MAX];
	int n, fd;

	(void)mkdir(dir, 0700); /* usually there already */
	n = snprintf(path, sizeof(path), "%s/slots", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	n = snprintf(path, sizeof(path), "%s/slots/%s.%ld", dir, name, i);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	do {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	} while (fd < 0 && errno == EINTR);
	return fd;
}

int
slots_take(const char *dir, const char *name, long max, int *fd)
{
	long i;
	int f, opened = 0;

	*fd = -1;
	if (max <= 0)
		return HUB_OK;
	if (!slots_name_ok(name) || dir == NULL)
		return HUB_ERR_INVALID;
	for (i = 0; i < max; i++) {
		if ((f = slots_open(dir, name, i)) < 0)
			continue;
		opened++;
		if (flock(f, LOCK_EX | LOCK_NB) == 0) {
			*fd = f;
			return HUB_OK;
		}
		close(f);
	}
	return opened > 0 ? HUB_ERR_RATE_LIMIT : HUB_ERR_SYSTEM;
}

void
slots_release(int *fd)
{
	if (fd == NULL || *fd < 0)
		return;
	(void)flock(*fd, LOCK_UN);
	close(*fd);
	*fd = -1;
}
