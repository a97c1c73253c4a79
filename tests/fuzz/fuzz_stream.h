/*
 * fuzz_stream.h - what the harnesses of the CLI stream parsers share
 * (fuzz_claude_stream.c, fuzz_gemini_stream.c, fuzz_codex_stream.c): the
 * input is cut into chunks of 1 to 64 bytes, the size chosen by its first
 * byte, so that lines and UTF-8 split across reads are exercised; a text
 * callback reads every byte the parser hands out.
 */
#ifndef FUZZ_STREAM_H
#define FUZZ_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The input after its leading option bytes, and where feeding it has got to. */
struct fuzz_chunks {
	const char *data;
	size_t size, off, chunk;
};

/*
 * Start cutting data (size bytes) into chunks: data[0] chooses the chunk
 * size; the first option_bytes bytes (at least 1, data[0] among them) are
 * the harness's options and are not fed. Returns 0, or -1 when the input
 * is shorter than option_bytes (nothing to run).
 */
static int
fuzz_chunks_init(struct fuzz_chunks *c, const uint8_t *data, size_t size, size_t option_bytes)
{
	if (size < option_bytes || option_bytes == 0)
		return -1;
	c->chunk = (size_t)(data[0] % 64) + 1;
	c->data = (const char *)data + option_bytes;
	c->size = size - option_bytes;
	c->off = 0;
	return 0;
}

/* The next chunk in *chunk and *len: 1, or 0 once all is fed. */
static int
fuzz_chunks_next(struct fuzz_chunks *c, const char **chunk, size_t *len)
{
	if (c->off >= c->size)
		return 0;
	*chunk = c->data + c->off;
	*len = c->size - c->off < c->chunk ? c->size - c->off : c->chunk;
	c->off += *len;
	return 1;
}

/* Read every byte of the text handed out, adding it to the size_t at arg. */
static int
fuzz_on_text(void *arg, const char *text, size_t len)
{
	size_t *sum = arg, i;

	for (i = 0; i < len; i++)
		*sum += (unsigned char)text[i];
	return 0;
}

/* Read a string the parser left, if any, to the end. */
static void
fuzz_touch_string(const char *s)
{
	if (s != NULL)
		(void)strlen(s);
}

#endif
