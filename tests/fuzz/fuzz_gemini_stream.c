/*
 * fuzz_gemini_stream.c - libFuzzer harness for the Gemini CLI stream-json
 * parser (what the CLI child writes to its terminal, after cleaning). The
 * first byte chooses the chunk size.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "providers/gemini_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read every byte of the text handed out. */
static int
fuzz_on_text(void *arg, const char *text, size_t len)
{
	size_t *sum = arg, i;

	for (i = 0; i < len; i++)
		*sum += (unsigned char)text[i];
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gemini_stream gs;
	size_t chunk, off, n, sum = 0;

	if (size == 0)
		return 0;
	chunk = (size_t)(data[0] % 64) + 1;
	data++;
	size--;
	gemini_stream_init(&gs, fuzz_on_text, &sum);
	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (gemini_stream_feed(&gs, (const char *)data + off, n) < 0)
			break;
	}
	(void)gemini_stream_finish(&gs);
	if (gs.error_message != NULL)
		(void)strlen(gs.error_message);
	if (gs.model != NULL)
		(void)strlen(gs.model);
	gemini_stream_free(&gs);
	return 0;
}
