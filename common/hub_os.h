/*
 * hub_os.h - the few operating-system facilities that differ between
 * Linux and other POSIX systems (macOS), behind one interface.
 *
 * configure finds out what the system has (HAVE_* in config.h;
 * `--disable-linux-extras` forces the Linux-only ones off, so that the
 * fallbacks are built and tested on Linux too). Each function here uses
 * the Linux call when it is there and a POSIX fallback otherwise.
 */
#ifndef HUB_OS_H
#define HUB_OS_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Add to .events where a peer's half-close must wake poll(). Without
 * POLLRDHUP it is 0: POLLIN wakes on the peer's FIN as well (read() then
 * gives 0), and POLLHUP is always reported. */
#if defined(HAVE_DECL_POLLRDHUP) && HAVE_DECL_POLLRDHUP
#define HUB_POLLRDHUP POLLRDHUP
#else
#define HUB_POLLRDHUP 0
#endif

/*
 * A wake-up descriptor pair: signal on write_fd, poll read_fd for POLLIN.
 * An eventfd (read_fd == write_fd) on Linux, a pipe elsewhere. Both ends
 * are close-on-exec and non-blocking.
 */
struct hub_os_wake {
	int read_fd;
	int write_fd;
};

/* Open w. 0, or -1 with errno (w's fds are then -1). */
int hub_os_wake_open(struct hub_os_wake *w);

/* Make w's read_fd readable (it stays so until drained). 0, or -1 with
 * errno; a full pipe counts as signalled (0). */
int hub_os_wake_signal(const struct hub_os_wake *w);

/* Consume every signal so far, so that read_fd is no longer readable. */
void hub_os_wake_drain(const struct hub_os_wake *w);

/* Close w's descriptors (-1 afterwards); accepts a closed or zeroed-out
 * w only after hub_os_wake_open() set it. */
void hub_os_wake_close(struct hub_os_wake *w);

/* A pipe whose two ends are close-on-exec (pipe2(O_CLOEXEC), or pipe()
 * then fcntl()). Without pipe2 a fork in another thread between the two
 * steps may inherit the ends: the hub's own children close every fd above
 * 2 before exec. 0, or -1 with errno. */
int hub_os_pipe_cloexec(int p[2]);

/* Fill buf with n bytes from the kernel's random source (getrandom(),
 * else getentropy(), else /dev/urandom). 0, or -1 with errno. */
int hub_os_random(void *buf, size_t n);

/* Zero n bytes at buf in a way the compiler keeps; config.h names it
 * explicit_bzero where the C library has none (macOS). */
void hub_os_explicit_bzero(void *buf, size_t n);

/* What tells one version of a file from another: its device, inode, size
 * and modification time; known is 0 when there is no such file. */
struct hub_os_file_sig {
	int known;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* The signature of the file at path now (all zero when stat() fails). */
void hub_os_file_sig(const char *path, struct hub_os_file_sig *sig);

/* 1 when a and b are the same version of a file (or both no file). */
int hub_os_file_sig_equal(const struct hub_os_file_sig *a, const struct hub_os_file_sig *b);

#endif
