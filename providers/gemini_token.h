/*
 * gemini_token.h - what can be said about the Gemini OAuth credentials file
 * (GEMINI_AUTH_PATH) without revealing it: for GET /health/tokens, and
 * what makes a copy of it worth writing back.
 */
#ifndef GEMINI_TOKEN_H
#define GEMINI_TOKEN_H

#include "common/hub_limits.h"
#include "providers/cred_file.h"

struct gemini_token_info {
	int present;            /* the file exists and is a readable regular file */
	int valid_json;         /* it is a JSON object */
	int has_access_token;   /* a non-empty "access_token" string */
	int has_refresh_token;  /* a non-empty "refresh_token" string */
	long long expiry_ms;    /* "expiry_date" (epoch ms); -1 when absent */
};

/*
 * Read auth_path and fill out. Never copies a token value anywhere.
 * Returns 0 when the file was examined (out says what was found, including
 * "not present"), HUB_ERR_INVALID when auth_path is NULL or empty,
 * HUB_ERR_TOO_LARGE when the file is larger than GEMINI_TOKEN_MAX_FILE_BYTES
 * (out->present set), HUB_ERR_NOMEM.
 */
int gemini_token_status(const char *auth_path, struct gemini_token_info *out);

/* The file as the run copies it in and writes it back (cred_file.h):
 * usable with both tokens, the expiry from "expiry_date"; a missing or
 * unreadable file is logged and the CLI reports the missing login. */
extern const struct cred_file_kind gemini_token_file_kind;


#endif
