/*
 * fuzz_codex_stream.c - libFuzzer harness for the `codex exec --json`
 * event parser (what the Codex CLI child writes to stdout). The first byte
 * chooses the chunk size, the second the text cap.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "providers/codex_stream.h"
#include "fuzz_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop the stream at an error whose message holds "STOP", go on otherwise. */
static int
fuzz_on_error(void *arg, const char *message)
{
	(void)arg;
	return strstr(message, "STOP") != NULL ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct codex_stream s;
	struct fuzz_chunks c;
	const char *chunk;
	size_t cap, len, sum = 0;

	if (fuzz_chunks_init(&c, data, size, 2) < 0)
		return 0;
	cap = data[1] < 128 ? (size_t)data[1] + 1 : 0;
	codex_stream_init(&s, cap);
	s.on_text = fuzz_on_text;
	s.on_error = fuzz_on_error;
	s.arg = &sum;
	while (fuzz_chunks_next(&c, &chunk, &len))
		if (codex_stream_feed(&s, chunk, len) < 0)
			break;
	(void)codex_stream_finish(&s);
	fuzz_touch_string(s.failed_message);
	fuzz_touch_string(s.thread_id);
	codex_stream_free(&s);
	return 0;
}
