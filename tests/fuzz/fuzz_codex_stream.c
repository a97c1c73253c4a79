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
	size_t chunk, cap, off, n, sum = 0;

	if (size < 2)
		return 0;
	chunk = (size_t)(data[0] % 64) + 1;
	cap = data[1] < 128 ? (size_t)data[1] + 1 : 0;
	data += 2;
	size -= 2;
	codex_stream_init(&s, cap);
	s.on_text = fuzz_on_text;
	s.on_error = fuzz_on_error;
	s.arg = &sum;
	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (codex_stream_feed(&s, (const char *)data + off, n) < 0)
			break;
	}
	(void)codex_stream_finish(&s);
	if (s.failed_message != NULL)
		(void)strlen(s.failed_message);
	if (s.thread_id != NULL)
		(void)strlen(s.thread_id);
	codex_stream_free(&s);
	return 0;
}
