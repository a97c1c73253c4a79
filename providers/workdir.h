/*
 * workdir.h - private per-request directories for provider children.
 *
 * workdir_create() makes a fresh mode-0700 directory below base (created
 * if missing, mode 0700); workdir_remove() deletes a directory tree without
 * following symlinks. Both are safe to call from several threads.
 */
#ifndef WORKDIR_H
#define WORKDIR_H

#include <stddef.h>

/*
 * Create base/<prefix>XXXXXX. Writes the path to out (outlen bytes).
 * Returns 0, HUB_ERR_SYSTEM (errno kept) or HUB_ERR_TOO_LARGE (path too long).
 */
int workdir_create(const char *base, const char *prefix, char *out, size_t outlen);

/* Remove path and everything below it. 0 or HUB_ERR_SYSTEM. */
int workdir_remove(const char *path);

#endif
