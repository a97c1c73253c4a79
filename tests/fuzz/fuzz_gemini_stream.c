/*
 * fuzz_gemini_stream.c - libFuzzer harness for the Gemini CLI stream-json
 * parser (what the CLI child writes to its terminal, after cleaning). The
 * first byte chooses the chunk size.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "providers/gemini_stream.h"
#include "fuzz_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gemini_stream gs;
	struct fuzz_chunks c;
	const char *chunk;
	size_t len, sum = 0;

	if (fuzz_chunks_init(&c, data, size, 1) < 0)
		return 0;
	gemini_stream_init(&gs, fuzz_on_text, &sum);
	while (fuzz_chunks_next(&c, &chunk, &len))
		if (gemini_stream_feed(&gs, chunk, len) < 0)
			break;
	(void)gemini_stream_finish(&gs);
	fuzz_touch_string(gs.error_message);
	fuzz_touch_string(gs.model);
	gemini_stream_free(&gs);
	return 0;
}
