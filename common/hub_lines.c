/*
 * hub_lines.c - the one splitter of a byte stream into capped lines (see
 * hub_lines.h).
 */
#include "config.h"

#include <string.h>

#include "hub_error.h"
#include "hub_lines.h"

void
hub_lines_init(struct hub_lines *l, size_t max, hub_lines_fn on_line,
    hub_lines_fn on_overlong, void *arg)
{
	memset(l, 0, sizeof(*l));
	hub_buf_init(&l->line, max);
	l->max = max;
	l->on_line = on_line;
	l->on_overlong = on_overlong;
	l->arg = arg;
}

/* The line being gathered passes the cap with the piece that starts at p:
 * count it, show its first max bytes, and drop the rest. */
static int
hub_lines_overlong(struct hub_lines *l, const char *p)
{
	int rc = HUB_OK;

	l->overlong++;
	l->skipping = 1;
	if (l->on_overlong != NULL) {
		if (l->line.len == 0)
			rc = l->on_overlong(l->arg, p, l->max);
		else if ((rc = hub_buf_append(&l->line, p, l->max - l->line.len)) == HUB_OK)
			rc = l->on_overlong(l->arg, l->line.data, l->line.len);
	}
	hub_buf_reset(&l->line);
	return rc;
}

int
hub_lines_feed(struct hub_lines *l, const char *data, size_t len)
{
	const char *nl;
	size_t n;
	int rc;

	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl != NULL ? (size_t)(nl - data) : len;
		if (l->skipping) {
			/* the rest of an over-long line is dropped */
		} else if (l->line.len + n > l->max) {
			if ((rc = hub_lines_overlong(l, data)) < 0)
				return rc;
		} else if (nl != NULL && l->line.len == 0) {
			/* a whole line inside this chunk: handed over in place */
			if ((rc = l->on_line(l->arg, n > 0 ? data : "", n)) < 0)
				return rc;
		} else if ((rc = hub_buf_append(&l->line, data, n)) < 0) {
			return rc;
		} else if (nl != NULL) {
			rc = l->on_line(l->arg, l->line.data != NULL ? l->line.data : "", l->line.len);
			hub_buf_reset(&l->line);
			if (rc < 0)
				return rc;
		}
		if (nl == NULL)
			break;
		l->skipping = 0;
		data = nl + 1;
		len -= n + 1;
	}
	return HUB_OK;
}

int
hub_lines_finish(struct hub_lines *l)
{
	int rc = HUB_OK;

	if (!l->skipping && l->line.len > 0)
		rc = l->on_line(l->arg, l->line.data, l->line.len);
	hub_buf_reset(&l->line);
	l->skipping = 0;
	return rc;
}

void
hub_lines_free(struct hub_lines *l)
{
	if (l != NULL)
		hub_buf_free(&l->line);
}
