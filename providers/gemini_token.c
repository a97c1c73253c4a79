/*
 * gemini_token.c - inspect the Gemini credentials file (see gemini_token.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "common/hub_json.h"
#include "common/hub_limits.h"
#include "gemini_token.h"

/* 1 when obj[key] is a non-empty string. */
static int
has_nonempty_string(struct json_object *obj, const char *key)
{
	const char *s = hub_json_get_string(obj, key);

	return s != NULL && s[0] != '\0';
}

/* Examine the bytes of a credentials file into out (valid_json and the
 * tokens; present is the caller's). */
static void
gemini_token_parse(const char *data, size_t len, struct gemini_token_info *out)
{
	struct json_object *obj = NULL, *v;
	char jerr[64];

	if (len == 0 || hub_json_parse(data, len, &obj, jerr, sizeof(jerr)) != 0)
		return;
	if (json_object_is_type(obj, json_type_object)) {
		out->valid_json = 1;
		out->has_access_token = has_nonempty_string(obj, "access_token");
		out->has_refresh_token = has_nonempty_string(obj, "refresh_token");
		if (json_object_object_get_ex(obj, "expiry_date", &v) &&
		    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
			out->expiry_ms = (long long)json_object_get_int64(v);
	}
	json_object_put(obj);
}

/* The cred_file.h usable hook: both tokens; expiry_date. */
static int
gemini_token_usable(const struct hub_buf *b, long long *expiry_ms)
{
	struct gemini_token_info info;

	memset(&info, 0, sizeof(info));
	info.expiry_ms = -1;
	gemini_token_parse(b->data, b->len, &info);
	*expiry_ms = info.expiry_ms;
	return info.has_access_token && info.has_refresh_token;
}

const struct cred_file_kind gemini_token_file_kind = {
	.log_tag = "gemini",
	.setting = "GEMINI_AUTH_PATH",
	.max_bytes = GEMINI_TOKEN_MAX_FILE_BYTES,
	.missing_ok = 1,
	.usable = gemini_token_usable,
};

int
gemini_token_status(const char *auth_path, struct gemini_token_info *out)
{
	struct stat st;
	char *data = NULL;
	size_t used = 0;
	ssize_t n;
	int fd = -1, rc = 0;

	memset(out, 0, sizeof(*out));
	out->expiry_ms = -1;
	if (auth_path == NULL || auth_path[0] == '\0')
		return HUB_ERR_INVALID;
	if ((fd = open(auth_path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0 ||
	    fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;  /* not present */
	out->present = 1;
	if (st.st_size > GEMINI_TOKEN_MAX_FILE_BYTES) {
		rc = HUB_ERR_TOO_LARGE;
		goto out;
	}
	if ((data = malloc(GEMINI_TOKEN_MAX_FILE_BYTES + 1)) == NULL) {
		rc = HUB_ERR_NOMEM;
		goto out;
	}
	while (used <= GEMINI_TOKEN_MAX_FILE_BYTES) {
		n = read(fd, data + used, GEMINI_TOKEN_MAX_FILE_BYTES + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	if (used > GEMINI_TOKEN_MAX_FILE_BYTES) {
		rc = HUB_ERR_TOO_LARGE;
		goto out;
	}
	gemini_token_parse(data, used, out);
out:
	if (data != NULL) {
		explicit_bzero(data, GEMINI_TOKEN_MAX_FILE_BYTES + 1);
		free(data);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}
