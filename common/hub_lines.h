/*
 * hub_lines.h - the one splitter of a byte stream into capped lines.
 *
 * Feed it bytes as they come; it calls on_line once per complete line
 * (without its '\n'; a '\r' before it is left to the caller) and keeps at
 * most max bytes of an unfinished line. A line longer than max is over-long:
 * on_overlong (may be NULL) is called once, as soon as the line passes the
 * cap, with its first max bytes; the rest of it, up to its newline, is
 * dropped and on_line is not called for it. hub_lines_finish() hands over a
 * last line that had no newline. Used by the CLI stream parsers, gemini's
 * stderr reader and the MCP stdio server.
 */
#ifndef HUB_LINES_H
#define HUB_LINES_H

#include <stddef.h>

#include "hub_buf.h"

/* A line callback: 0 goes on; a negative value stops the feed and is
 * returned by it. line is never NULL (an empty line is ""). */
typedef int (*hub_lines_fn)(void *arg, const char *line, size_t len);

struct hub_lines {
	struct hub_buf line;     /* the unfinished line */
	size_t max;              /* the cap of one line, in bytes */
	int skipping;            /* dropping the rest of an over-long line */
	size_t overlong;         /* over-long lines seen */
	hub_lines_fn on_line;
	hub_lines_fn on_overlong;
	void *arg;
};

/* Set up an empty splitter with lines of at most max bytes. */
void hub_lines_init(struct hub_lines *l, size_t max, hub_lines_fn on_line,
    hub_lines_fn on_overlong, void *arg);

/* Split len bytes. HUB_OK, HUB_ERR_NOMEM (the bytes after the failure are
 * lost), or a callback's negative value. */
int hub_lines_feed(struct hub_lines *l, const char *data, size_t len);

/* End of the stream: a last line without its newline (not over-long, not
 * empty) goes to on_line. Returns HUB_OK or on_line's value. The splitter
 * is empty afterwards and may be fed again. */
int hub_lines_finish(struct hub_lines *l);

/* Free the storage. Accepts NULL. */
void hub_lines_free(struct hub_lines *l);

#endif
