/*
 * session_id.h - session id syntax and generation.
 *
 * A session id is [A-Za-z0-9_-]{1,HUB_MAX_SESSION_ID_LEN}. It is checked
 * before it ever becomes part of a Redis key.
 */
#ifndef SESSION_ID_H
#define SESSION_ID_H

#include <stddef.h>

#include "common/hub_limits.h"

/* 1 when id has the session id syntax, else 0. NULL gives 0. */
int session_id_valid(const char *id);

/*
 * Write a new random id (128 bits from the kernel, base64url, 22
 * characters) into out, which holds at least 23 bytes.
 * 0 or HUB_ERR_SYSTEM.
 */
int session_id_generate(char *out, size_t outlen);

/*
 * A unique id of the same form without a system call each time: a random
 * start drawn once per thread, then counted up. For ids that must not
 * repeat but need not be unguessable (a request's id in the log); never for
 * a session or anything that grants access.
 */
int session_id_sequence(char *out, size_t outlen);

/* Fill buf with n random bytes from the kernel. 0 or HUB_ERR_SYSTEM. */
int session_random_bytes(void *buf, size_t n);

#endif
