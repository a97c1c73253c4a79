/*
 * session_id.c - session id syntax and random ids.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "common/hub_error.h"
#include "common/hub_os.h"
#include "session_id.h"

int
session_id_valid(const char *id)
{
	size_t n;

	if (id == NULL)
		return 0;
	for (n = 0; id[n] != '\0'; n++) {
		char c = id[n];

		if (n >= HUB_MAX_SESSION_ID_LEN)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return n > 0;
}

int
session_random_bytes(void *buf, size_t n)
{
	return hub_os_random(buf, n) == 0 ? HUB_OK : HUB_ERR_SYSTEM;
}

/* 16 bytes = 128 bits -> 22 base64url characters and a NUL. */
static void
session_id_encode(const unsigned char raw16[16], char out[23])
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[18];
	size_t i, o = 0;
	unsigned v;

	memcpy(raw, raw16, 16);
	raw[16] = raw[17] = 0;
	for (i = 0; i < 16; i += 3) {
		v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		if (o < 22)
			out[o++] = alphabet[(v >> 6) & 63];
		if (o < 22)
			out[o++] = alphabet[v & 63];
	}
	out[22] = '\0';
}

int
session_id_generate(char *out, size_t outlen)
{
	unsigned char raw[16];

	if (outlen < 23)
		return HUB_ERR_TOO_LARGE;
	if (session_random_bytes(raw, 16) != HUB_OK)
		return HUB_ERR_SYSTEM;
	session_id_encode(raw, out);
	return HUB_OK;
}

int
session_id_sequence(char *out, size_t outlen)
{
	static __thread unsigned char raw[16];
	static __thread int seeded;
	int i;

	if (outlen < 23)
		return HUB_ERR_TOO_LARGE;
	if (!seeded) {
		if (session_random_bytes(raw, sizeof(raw)) != HUB_OK)
			return HUB_ERR_SYSTEM;
		seeded = 1;
	}
	for (i = 15; i >= 8 && ++raw[i] == 0; i--)
		;
	session_id_encode(raw, out);
	return HUB_OK;
}
