/*
 * hub_text.h - checks on text from clients: UTF-8, model names, hex digits.
 *
 * Pure functions, no allocation. Every request body and every model name
 * passes through them before the hub uses it (docs/SECURITY.md, "Input
 * validation").
 */
#ifndef HUB_TEXT_H
#define HUB_TEXT_H

#include <stddef.h>

/*
 * 1 when data[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms,
 * no surrogates U+D800..U+DFFF, nothing above U+10FFFF, no truncated
 * sequence), else 0 with *bad_offset (may be NULL) set to the offset of
 * the first byte of the first bad sequence. NUL bytes are valid UTF-8.
 */
int hub_text_utf8_valid(const char *data, size_t len, size_t *bad_offset);

/*
 * 1 when name is a model name the hub passes to a CLI: 1 to
 * HUB_MAX_MODEL_LEN characters of A-Z a-z 0-9 and - _ . : @ [ ] /, the
 * first a letter or a digit (so it can never be read as an option), no
 * ".." (no path climbing where a CLI puts it into a URL), and so no space,
 * newline, NUL or shell character. Else 0. NULL gives 0. The one model
 * alphabet: requests, configuration and every adapter use it.
 */
int hub_text_model_name_valid(const char *name);

/* The value 0..15 of the hex digit c (0-9, a-f, A-F), else -1. The one hex
 * decoder: client key digests and URL escapes use it. */
int hub_text_hex_digit(char c);

#endif
