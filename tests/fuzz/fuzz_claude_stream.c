/*
 * fuzz_claude_stream.c - libFuzzer harness for the Claude Code stream-json
 * parser (stdout of the CLI child), fed in chunks (fuzz_stream.h).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "fuzz_stream.h"
#include "providers/claude_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	struct fuzz_chunks c;
	const char *chunk;
	size_t len, sum = 0;

	if (fuzz_chunks_init(&c, data, size, 1) < 0)
		return 0;
	claude_stream_init(&s, 1 << 16);
	s.on_text = fuzz_on_text;
	s.arg = &sum;
	s.on_retry = fuzz_on_retry;
	while (fuzz_chunks_next(&c, &chunk, &len))
		if (claude_stream_feed(&s, chunk, len) < 0)
			break;
	(void)claude_stream_finish(&s);
	fuzz_touch_string(s.result_text);
	fuzz_touch_string(s.model);
	claude_stream_free(&s);
	return 0;
}
