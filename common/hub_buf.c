/*
 * hub_buf.c - growable byte buffer with a cap.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub_buf.h"
#include "hub_error.h"

void
hub_buf_init(struct hub_buf *b, size_t max_len)
{
	memset(b, 0, sizeof(*b));
	b->max_len = max_len;
}

/* Make room for n more bytes plus the terminator. */
static int
hub_buf_reserve(struct hub_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > (size_t)-1 - b->len - 1)
		return HUB_ERR_TOO_LARGE;
	need = b->len + n + 1;
	if (b->max_len != 0 && b->len + n > b->max_len)
		return HUB_ERR_TOO_LARGE;
	if (need <= b->cap)
		return HUB_OK;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return HUB_ERR_NOMEM;
	b->data = p;
	b->cap = cap;
	return HUB_OK;
}

int
hub_buf_append(struct hub_buf *b, const void *p, size_t n)
{
	int rc;

	if ((rc = hub_buf_reserve(b, n)) != HUB_OK)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return HUB_OK;
}

int
hub_buf_puts(struct hub_buf *b, const char *s)
{
	return hub_buf_append(b, s, strlen(s));
}

int
hub_buf_printf(struct hub_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return HUB_ERR_SYSTEM;
	if ((rc = hub_buf_reserve(b, (size_t)n)) != HUB_OK)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return HUB_OK;
}

void
hub_buf_consume(struct hub_buf *b, size_t n)
{
	if (n >= b->len) {
		hub_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void
hub_buf_reset(struct hub_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

char *
hub_buf_steal(struct hub_buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = strdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
hub_buf_free(struct hub_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
