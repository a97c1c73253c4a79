/*
 * hub_buf.h - a growable byte buffer with a hard size cap.
 *
 * The data is always NUL-terminated (the terminator is not counted in len),
 * so it can be used as a C string when it holds text. hub_buf_free() releases
 * the storage; a zeroed struct hub_buf is a valid empty buffer.
 */
#ifndef HUB_BUF_H
#define HUB_BUF_H

#include <stddef.h>

struct hub_buf {
	char *data;      /* owned; NULL while empty */
	size_t len;      /* bytes used, not counting the terminator */
	size_t cap;      /* bytes allocated */
	size_t max_len;  /* 0 = unlimited (only for trusted data) */
};

/* Set up an empty buffer that refuses to grow beyond max_len bytes. */
void hub_buf_init(struct hub_buf *b, size_t max_len);

/* Append n bytes. 0, HUB_ERR_TOO_LARGE (buffer unchanged), HUB_ERR_NOMEM. */
int hub_buf_append(struct hub_buf *b, const void *p, size_t n);

/* Append a C string. Same returns as hub_buf_append(). */
int hub_buf_puts(struct hub_buf *b, const char *s);

/* Append printf-style text. Same returns as hub_buf_append(). */
int hub_buf_printf(struct hub_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Drop the first n bytes (n <= len), keeping the rest. */
void hub_buf_consume(struct hub_buf *b, size_t n);

/* Empty the buffer, keeping its storage. */
void hub_buf_reset(struct hub_buf *b);

/* Take the data out: the caller frees it; the buffer is left empty.
 * Never NULL unless out of memory: an empty buffer gives "". */
char *hub_buf_steal(struct hub_buf *b);

/* Free the storage. Accepts NULL. */
void hub_buf_free(struct hub_buf *b);

#endif
