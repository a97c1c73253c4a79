/*
 * fuzz_claude_stream.c - libFuzzer harness for the Claude Code stream-json
 * parser (stdout of the CLI child). The first byte chooses the chunk size,
 * so that lines and UTF-8 split across reads are exercised too.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "providers/claude_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t fuzz_text_bytes;   /* keeps the reads from being optimised out */

/* Count the text handed out, as the adapter would relay it. */
static int
fuzz_on_text(void *arg, const char *text, size_t len)
{
	size_t i;

	(void)arg;
	for (i = 0; i < len; i++)
		fuzz_text_bytes += (unsigned char)text[i];
	return 0;
}

/* Accept every retry announcement. */
static int
fuzz_on_retry(void *arg, int attempt, int error_status, long retry_delay_ms)
{
	(void)arg; (void)attempt; (void)error_status; (void)retry_delay_ms;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct claude_stream s;
	size_t chunk, off, n;

	if (size == 0)
		return 0;
	chunk = (size_t)(data[0] % 64) + 1;
	data++;
	size--;
	claude_stream_init(&s, 1 << 16);
	s.on_text = fuzz_on_text;
	s.on_retry = fuzz_on_retry;
	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (claude_stream_feed(&s, (const char *)data + off, n) < 0)
			break;
	}
	(void)claude_stream_finish(&s);
	if (s.result_text != NULL)
		(void)strlen(s.result_text);
	if (s.model != NULL)
		(void)strlen(s.model);
	claude_stream_free(&s);
	return 0;
}
