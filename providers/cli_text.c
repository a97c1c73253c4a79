/*
 * cli_text.c - session-file ids and lines, and CLI messages made safe
 * (see cli_text.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "common/hub_os.h"
#include "providers/cli_text.h"
#include "providers/provider.h"

/* Prompts are recognised in a message by their start, this long at most. */
#define CLI_TEXT_PROMPT_PREFIX  24
/* Shorter messages are not looked for (too likely by chance). */
#define CLI_TEXT_PROMPT_MIN     8

int
cli_text_uuid(char out[CLI_TEXT_UUID_SIZE])
{
	unsigned char b[16];

	if (hub_os_random(b, sizeof(b)) != 0)
		return HUB_ERR_SYSTEM;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, CLI_TEXT_UUID_SIZE,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
	    b[12], b[13], b[14], b[15]);
	return HUB_OK;
}

int
cli_text_put_line(struct hub_buf *b, struct json_object *obj)
{
	int rc;

	if (obj == NULL)
		return HUB_ERR_NOMEM;
	if ((rc = hub_buf_puts(b, hub_json_compact(obj))) == 0)
		rc = hub_buf_puts(b, "\n");
	json_object_put(obj);
	return rc;
}

void
cli_text_first_line(const char *s, char *out, size_t outlen)
{
	size_t i, j = 0;

	for (i = 0; s != NULL && s[i] != '\0' && s[i] != '\n' && j + 1 < outlen; i++)
		if ((unsigned char)s[i] >= 0x20 && s[i] != 0x7f)
			out[j++] = s[i];
	out[j] = '\0';
}

void
cli_text_redact(char *s, size_t size, const char *needle, size_t needle_len)
{
	static const char mark[] = "[redacted]";
	char *p;
	size_t tail;

	if (needle_len == 0)
		return;
	while ((p = memmem(s, strlen(s), needle, needle_len)) != NULL) {
		tail = strlen(p + needle_len);
		if ((size_t)(p - s) + sizeof(mark) - 1 + tail + 1 > size) {
			*p = '\0';
			return;
		}
		memmove(p + sizeof(mark) - 1, p + needle_len, tail + 1);
		memcpy(p, mark, sizeof(mark) - 1);
	}
}

void
cli_text_fail(struct provider_reply *reply, const struct provider_call *call, int err,
    const char *what, const char *cli_msg, const char *const *marks, const char *secret)
{
	char msg[HUB_MAX_ERROR_MESSAGE];
	size_t i, n;

	cli_text_first_line(cli_msg, msg, sizeof(msg));
	for (i = 0; marks != NULL && marks[i] != NULL; i++)
		if (strstr(msg, marks[i]) != NULL)
			msg[0] = '\0';
	if (secret != NULL)
		cli_text_redact(msg, sizeof(msg), secret, strlen(secret));
	for (i = 0; i < call->n_messages; i++) {
		n = strlen(call->messages[i].content);
		if (n >= CLI_TEXT_PROMPT_MIN)
			cli_text_redact(msg, sizeof(msg), call->messages[i].content,
			    n < CLI_TEXT_PROMPT_PREFIX ? n : CLI_TEXT_PROMPT_PREFIX);
	}
	if (msg[0] != '\0')
		provider_reply_error(reply, err, "%s: %s", what, msg);
	else
		provider_reply_error(reply, err, "%s", what);
}
