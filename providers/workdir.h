/*
 * workdir.h - private per-request directories for provider children, and
 * the files put into them.
 *
 * workdir_create() makes a fresh mode-0700 directory below base (created
 * if missing, mode 0700); workdir_remove() deletes a directory tree without
 * following symlinks; workdir_sweep() removes the directories whose owner
 * died. All are safe to call from several threads.
 *
 * A directory's name holds its owner, the process that made it:
 * base/<prefix><pid>.<start>.<boot>-XXXXXX, with the owner's start time
 * (clock ticks after boot, /proc/pid/stat) and the first 8 hex digits of
 * the boot id, so that a reused pid or a reboot is never taken for the
 * owner. Where there is no /proc (macOS) both are 0 and only the pid is
 * checked: a directory whose pid was reused stays until that process
 * ends. On Linux the CLI that runs in it dies with its owner
 * (PR_SET_PDEATHSIG).
 */
#ifndef WORKDIR_H
#define WORKDIR_H

#include <stddef.h>
#include <sys/types.h>

#include "common/hub_buf.h"

/*
 * Create base/<prefix><owner>-XXXXXX (see above). Writes the path to out (outlen bytes).
 * Returns 0, HUB_ERR_SYSTEM (errno kept) or HUB_ERR_TOO_LARGE (path too long).
 */
int workdir_create(const char *base, const char *prefix, char *out, size_t outlen);

/*
 * A run's directory: workdir_create(), resolved with realpath() into root
 * (len bytes), with the empty mode-0700 subdirectories subdirs (a
 * NULL-terminated list of single names). Returns 0, or an error of
 * workdir_create() or HUB_ERR_SYSTEM (errno kept) with nothing left
 * behind and root "".
 */
int workdir_create_run(const char *base, const char *prefix, const char *const *subdirs,
    char *root, size_t len);

/* Remove path and everything below it. 0 or HUB_ERR_SYSTEM. */
int workdir_remove(const char *path);

/*
 * Remove every work directory directly below base whose owner no longer
 * runs (and those named without an owner, by older versions, once a day
 * old). A live owner's directory is never touched. *removed (may be NULL)
 * gets the count. 0, or HUB_ERR_SYSTEM when base cannot be read or a
 * directory could not be removed.
 */
int workdir_sweep(const char *base, int *removed);

/*
 * Write len bytes of data to path as a new file of the given mode: never
 * an existing file, never through a symlink. 0 or HUB_ERR_SYSTEM (a
 * partial file may stay; it goes with the run's directory).
 */
int workdir_write_file(const char *path, const void *data, size_t len, mode_t mode);

/*
 * Read the whole regular file at path (not through a symlink) of at most
 * max bytes into b, reset first. The file may be a secret: the stack
 * buffer the bytes pass through is wiped (b is the caller's to wipe).
 * 0, HUB_ERR_NOT_FOUND, HUB_ERR_TOO_LARGE,
 * HUB_ERR_SYSTEM (also when path is not a regular file), HUB_ERR_NOMEM.
 */
int workdir_read_file(const char *path, size_t max, struct hub_buf *b);

/* Create the missing directories above the file path (mode 0700).
 * 0, HUB_ERR_TOO_LARGE or HUB_ERR_SYSTEM. */
int workdir_mkdir_parents(const char *path);

/*
 * Make sure dir can hold run directories: create it (mode 0700) when
 * missing, and refuse one that is not a directory of this user's that no
 * one else may enter (a symbolic link, another owner, any group or other
 * permission: on a shared tmpfs such as /dev/shm another user could read
 * or swap what the CLIs get). 0, or -1 with the reason in why.
 */
int workdir_check_base(const char *dir, char *why, size_t whylen);

#endif
