/*
 * cli_text.h - text the adapters write for a CLI and take from it: the
 * ids and JSON lines of the session files they give a CLI to resume, and
 * the CLI's error messages made safe to show (one line, no control
 * characters, no token, no prompt).
 */
#ifndef CLI_TEXT_H
#define CLI_TEXT_H

#include <stddef.h>

#include "common/hub_buf.h"
#include "providers/provider.h"

struct json_object;

/* Bytes of a UUID's text with its NUL. */
#define CLI_TEXT_UUID_SIZE 37

/* A random RFC 4122 version 4 UUID, lower-case hex, into out.
 * 0 or HUB_ERR_SYSTEM (no random bytes). */
int cli_text_uuid(char out[CLI_TEXT_UUID_SIZE]);

/* Append obj as one compact JSON line to b; takes obj (NULL:
 * HUB_ERR_NOMEM). 0, HUB_ERR_NOMEM or HUB_ERR_TOO_LARGE (b's cap). */
int cli_text_put_line(struct hub_buf *b, struct json_object *obj);

/* The first line of s (NULL: none) without control characters into out,
 * cut to outlen - 1 bytes; outlen > 0. */
void cli_text_first_line(const char *s, char *out, size_t outlen);

/* Replace every occurrence of the needle_len bytes at needle in s (a
 * string in a buffer of size bytes) by "[redacted]" where that fits, else
 * cut s there. needle_len 0: nothing. */
void cli_text_redact(char *s, size_t size, const char *needle, size_t needle_len);

/*
 * Set the reply's error to "what: <msg>", or "what" when msg comes out
 * empty, where msg is the first line of cli_msg (NULL: none) without
 * control characters; emptied when it contains one of marks (NULL or
 * NULL-terminated: words that only a token or a credentials file holds);
 * then secret (NULL: none) and the start (up to 24 bytes) of every
 * message of call of 8 bytes or more redacted.
 */
void cli_text_fail(struct provider_reply *reply, const struct provider_call *call, int err,
    const char *what, const char *cli_msg, const char *const *marks, const char *secret);

#endif
