/*
 * slots.h - a host-wide cap on concurrent provider children, by lock files.
 *
 * A provider with a cap of N has N lock files under HUB_STATE_DIR/slots/
 * ("claude.0" ... "claude.N-1"). Taking a slot means holding an exclusive
 * flock(2) on one of them, without waiting; every worker process and thread
 * of the host competes for the same files. A process that dies releases
 * its slots with its descriptors, so a crash never leaks one.
 */
#ifndef SLOTS_H
#define SLOTS_H

/*
 * Take one of max slots called name (letters, digits, '_' and '-') in the
 * directory dir/slots (created 0700 when missing). max <= 0 means no cap:
 * *fd = -1 and 0. Returns 0 with *fd holding the slot (release with
 * slots_release()), HUB_ERR_RATE_LIMIT when all max slots are held,
 * HUB_ERR_INVALID for a bad name, HUB_ERR_SYSTEM when the files cannot be
 * opened (*fd = -1 whenever the result is not 0).
 */
int slots_take(const char *dir, const char *name, long max, int *fd);

/* Give a slot back and set *fd to -1. Accepts fd == NULL and *fd == -1. */
void slots_release(int *fd);

#endif
