/*
 * hub_os.c - Linux calls with POSIX fallbacks (see hub_os.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(HAVE_SYS_EVENTFD_H) && defined(HAVE_EVENTFD)
#include <sys/eventfd.h>
#define HUB_OS_EVENTFD 1
#endif
#if defined(HAVE_SYS_RANDOM_H)
#include <sys/random.h>
#endif

#include "hub_os.h"

/* Bytes getentropy() returns at most in one call. */
#define HUB_OS_ENTROPY_CHUNK 256

#if !defined(HAVE_PIPE2) || !defined(HUB_OS_EVENTFD)
/* Set close-on-exec and, when nonblock, O_NONBLOCK on fd. 0 or -1. */
static int
hub_os_fd_flags(int fd, int nonblock)
{
	int fl;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -1;
	if (!nonblock)
		return 0;
	if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}
#endif

int
hub_os_pipe_cloexec(int p[2])
{
#ifdef HAVE_PIPE2
	return pipe2(p, O_CLOEXEC);
#else
	int e;

	if (pipe(p) < 0)
		return -1;
	if (hub_os_fd_flags(p[0], 0) == 0 && hub_os_fd_flags(p[1], 0) == 0)
		return 0;
	e = errno;
	(void)close(p[0]);
	(void)close(p[1]);
	p[0] = p[1] = -1;
	errno = e;
	return -1;
#endif
}

int
hub_os_wake_open(struct hub_os_wake *w)
{
	int p[2];

	w->read_fd = w->write_fd = -1;
#ifdef HUB_OS_EVENTFD
	if ((p[0] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return -1;
	w->read_fd = w->write_fd = p[0];
	return 0;
#else
	if (hub_os_pipe_cloexec(p) < 0)
		return -1;
	if (hub_os_fd_flags(p[0], 1) < 0 || hub_os_fd_flags(p[1], 1) < 0) {
		int e = errno;

		(void)close(p[0]);
		(void)close(p[1]);
		errno = e;
		return -1;
	}
	w->read_fd = p[0];
	w->write_fd = p[1];
	return 0;
#endif
}

int
hub_os_wake_signal(const struct hub_os_wake *w)
{
#ifdef HUB_OS_EVENTFD
	uint64_t one = 1;

	if (write(w->write_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -1;
#else
	char one = 1;

	if (write(w->write_fd, &one, 1) < 0 && errno != EAGAIN)
		return -1;
#endif
	return 0;
}

void
hub_os_wake_drain(const struct hub_os_wake *w)
{
#ifdef HUB_OS_EVENTFD
	uint64_t count;

	(void)read(w->read_fd, &count, sizeof(count));
#else
	char buf[64];

	while (read(w->read_fd, buf, sizeof(buf)) > 0)
		;
#endif
}

void
hub_os_wake_close(struct hub_os_wake *w)
{
	if (w->write_fd >= 0 && w->write_fd != w->read_fd)
		(void)close(w->write_fd);
	if (w->read_fd >= 0)
		(void)close(w->read_fd);
	w->read_fd = w->write_fd = -1;
}

int
hub_os_random(void *buf, size_t n)
{
	unsigned char *p = buf;
#if !defined(HAVE_GETRANDOM) && !defined(HAVE_GETENTROPY)
	int fd;
#endif
	ssize_t got;

#if defined(HAVE_GETRANDOM)
	while (n > 0) {
		if ((got = getrandom(p, n, 0)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
#elif defined(HAVE_GETENTROPY)
	while (n > 0) {
		got = n < HUB_OS_ENTROPY_CHUNK ? (ssize_t)n : HUB_OS_ENTROPY_CHUNK;
		if (getentropy(p, (size_t)got) < 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
#else
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (n > 0) {
		if ((got = read(fd, p, n)) <= 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (got == 0)
				errno = EIO;
			(void)close(fd);
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	(void)close(fd);
	return 0;
#endif
}

#ifndef HAVE_EXPLICIT_BZERO
/* Stores through a volatile pointer are not removed as dead stores. */
void
hub_os_explicit_bzero(void *buf, size_t n)
{
	volatile unsigned char *p = buf;

	while (n-- > 0)
		*p++ = 0;
}
#endif

void
hub_os_file_sig(const char *path, struct hub_os_file_sig *sig)
{
	struct stat st;

	memset(sig, 0, sizeof(*sig));
	if (path == NULL || stat(path, &st) != 0)
		return;
	sig->known = 1;
	sig->dev = st.st_dev;
	sig->ino = st.st_ino;
	sig->size = st.st_size;
	sig->mtime = st.st_mtim;
}

int
hub_os_file_sig_equal(const struct hub_os_file_sig *a, const struct hub_os_file_sig *b)
{
	return a->known == b->known && a->dev == b->dev && a->ino == b->ino &&
	    a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec;
}
