/*
 * hub_text.c - UTF-8 and model-name checks.
 */
#include "config.h"

#include <string.h>

#include "hub_limits.h"
#include "hub_text.h"

int
hub_text_utf8_valid(const char *data, size_t len, size_t *bad_offset)
{
	const unsigned char *s = (const unsigned char *)data;
	size_t i = 0, need, k;
	unsigned long cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			need = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			need = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			need = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else {
			goto bad;   /* a continuation byte, C0/C1 (overlong) or F5..FF */
		}
		if (len - i <= need)
			goto bad;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += need + 1;
	}
	return 1;
bad:
	if (bad_offset != NULL)
		*bad_offset = i;
	return 0;
}

int
hub_text_model_name_valid(const char *name)
{
	size_t i, n;

	if (name == NULL || (n = strlen(name)) == 0 || n > HUB_MAX_MODEL_LEN)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			continue;
		if (i == 0 || (c != '-' && c != '_' && c != '.' && c != ':' && c != '@' &&
		    c != '[' && c != ']' && c != '/'))
			return 0;
		if (c == '.' && name[i - 1] == '.')
			return 0;
	}
	return 1;
}

int
hub_text_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
