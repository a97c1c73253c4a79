/*
 * fuzz_pty_clean.c - libFuzzer harness for the PTY output cleaner. Checks
 * its promises as well as memory safety: the output is valid UTF-8 with no
 * ESC, CR or other C0 control except LF and TAB, whatever the chunking
 * (the first byte chooses the chunk size); the one-shot form agrees.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/hub_buf.h"
#include "providers/pty_clean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when s[0..n) is well-formed UTF-8 without the controls pty_clean drops. */
static int
fuzz_clean_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k, need;
	unsigned cp;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; }
		else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; }
		else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; }
		else return 0;
		if (i + need >= n)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
			return 0;
		i += need + 1;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pty_clean pc;
	struct hub_buf out;
	size_t chunk, off, n;
	char *whole = NULL;

	if (size == 0)
		return 0;
	chunk = (size_t)(data[0] % 32) + 1;
	data++;
	size--;
	pty_clean_init(&pc);
	hub_buf_init(&out, 1 << 20);
	for (off = 0; off < size; off += n) {
		n = size - off < chunk ? size - off : chunk;
		if (pty_clean_feed(&pc, (const char *)data + off, n, &out) < 0)
			goto out;
	}
	if (pty_clean_finish(&pc, &out) < 0)
		goto out;
	if (!fuzz_clean_ok((const unsigned char *)out.data, out.len))
		abort();
	if (pty_clean_string((const char *)data, size, &whole) == 0) {
		if (strlen(whole) != out.len ||
		    (out.len > 0 && memcmp(whole, out.data, out.len) != 0))
			abort();
	}
out:
	free(whole);
	hub_buf_free(&out);
	return 0;
}
