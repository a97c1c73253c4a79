/*
 * workdir_spare.h - run directories made before the request that needs
 * one.
 *
 * Making a run's directory (workdir_create(), its realpath() and its
 * subdirectories) costs a few hundred microseconds on a journaling file
 * system, and removing it more; a cold run used to do both on the
 * client's path. This process keeps, for each (base, prefix) asked for, up
 * to WORKDIR_SPARES_PER_KEY empty directories made ahead by one background
 * thread, which makes the next one as soon as one is taken. Spares wait
 * in base/.spare/ and are renamed into base when taken (one rename()
 * instead of the making). A spare is
 * exactly what workdir_create() and the subdirectories would make for the
 * request (a fresh random name with this process as its owner, mode 0700,
 * nothing inside but the empty subdirectories): no request ever sees a
 * directory another one used. The same thread removes the directories
 * of finished runs handed to it (workdir_spare_discard()), so that their
 * removal is not on the client's path either. At exit() the thread stops
 * and the spares and the directories still waiting for removal are
 * removed; those of a killed process go with workdir_sweep() like any
 * other directory of a dead owner. Thread-safe.
 */
#ifndef WORKDIR_SPARE_H
#define WORKDIR_SPARE_H

#include <stddef.h>

/* Spare directories kept per (base, prefix). */
#define WORKDIR_SPARES_PER_KEY 2
/* Finished runs' directories waiting for the thread's removal; past this
 * many, workdir_spare_discard() refuses and the caller removes its own. */
#define WORKDIR_SPARE_DISCARDS_MAX 64

/*
 * A spare directory of base/prefix with the subdirectories subdirs (a
 * NULL-terminated list of single names, the same for every call with
 * this base and prefix), resolved with realpath(), into root (len bytes).
 * Returns 1 when one was taken, 0 when none was ready (root is ""; the
 * caller makes its own). Either way the next ones are made in the
 * background. The caller owns and removes what it took.
 */
int workdir_spare_take(const char *base, const char *prefix, const char *const *subdirs,
    char *root, size_t len);

/*
 * Hand root, the directory of a finished run (nothing runs in it any
 * more), to the background thread, which removes it (workdir_remove())
 * after the spares it owes. Returns 1 when it was taken (root is copied),
 * 0 when not (no thread, WORKDIR_SPARE_DISCARDS_MAX waiting, exiting, no
 * memory): the caller removes it itself.
 */
int workdir_spare_discard(const char *root);

#endif
