/*
 * client_keys.c - parse client keys, keep their hashes, match a presented key.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client_keys.h"
#include "common/hub_error.h"
#include "common/hub_text.h"

/* 1 when s[0..n) is a valid key id. */
static int
client_keys_id_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > HUB_MAX_CLIENT_KEY_ID_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

/* NULL when s[0..n) is an acceptable key, else the reason. */
static const char *
client_keys_key_problem(const char *s, size_t n)
{
	size_t i;

	if (n < HUB_MIN_CLIENT_KEY_BYTES)
		return "the key is shorter than 16 characters";
	if (n > HUB_MAX_CLIENT_KEY_BYTES)
		return "the key is longer than 512 characters";
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == ',')
			return "the key contains a space, a comma or a non-ASCII character";
	return NULL;
}

/* Parse 64 hex digits into a digest. 0 or -1. */
static int
client_keys_parse_hash(const char *s, size_t n, unsigned char out[SHA256_DIGEST_LEN])
{
	int hi, lo;
	size_t i;

	if (n != SHA256_HEX_LEN)
		return -1;
	for (i = 0; i < SHA256_DIGEST_LEN; i++) {
		if ((hi = hub_text_hex_digit(s[2 * i])) < 0 ||
		    (lo = hub_text_hex_digit(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Append one key; rejects duplicate ids and hashes. where names it. */
static int
client_keys_push(struct client_keys *ks, const char *id, size_t id_len, const char *name,
    size_t name_len, const unsigned char hash[SHA256_DIGEST_LEN], const char *where,
    char *err, size_t errlen)
{
	struct client_key *grown, *k;
	size_t i;

	if (ks->n >= HUB_MAX_CLIENT_KEYS) {
		snprintf(err, errlen, "%s: more than %d client keys", where, HUB_MAX_CLIENT_KEYS);
		return HUB_ERR_CONFIG;
	}
	for (i = 0; i < ks->n; i++) {
		if (strlen(ks->keys[i].id) == id_len && memcmp(ks->keys[i].id, id, id_len) == 0) {
			snprintf(err, errlen, "%s: the key id \"%.*s\" is used twice", where, (int)id_len, id);
			return HUB_ERR_CONFIG;
		}
		if (memcmp(ks->keys[i].hash, hash, SHA256_DIGEST_LEN) == 0) {
			snprintf(err, errlen, "%s: the same key is configured twice (ids \"%s\" and \"%.*s\")",
			    where, ks->keys[i].id, (int)id_len, id);
			return HUB_ERR_CONFIG;
		}
	}
	if ((grown = realloc(ks->keys, (ks->n + 1) * sizeof(*grown))) == NULL)
		return HUB_ERR_NOMEM;
	ks->keys = grown;
	k = &ks->keys[ks->n++];
	memset(k, 0, sizeof(*k));
	memcpy(k->id, id, id_len);
	if (name_len > HUB_MAX_CLIENT_KEY_NAME_LEN)
		name_len = HUB_MAX_CLIENT_KEY_NAME_LEN;
	memcpy(k->name, name, name_len);
	memcpy(k->hash, hash, SHA256_DIGEST_LEN);
	return HUB_OK;
}

/* Trim blanks around s[0..*n), advancing s. */
static const char *
client_keys_trim(const char *s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)*s)) {
		s++;
		(*n)--;
	}
	while (*n > 0 && isspace((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

int
client_keys_add_list(struct client_keys *ks, const char *list, char *err, size_t errlen)
{
	unsigned char hash[SHA256_DIGEST_LEN];
	char where[64], hex[SHA256_HEX_LEN + 1], bare_id[24];
	const char *p = list, *e, *colon, *key, *id, *why;
	size_t n, key_len, id_len;
	int pos = 0, rc;

	while (p != NULL && *p != '\0') {
		e = strchr(p, ',');
		n = e ? (size_t)(e - p) : strlen(p);
		pos++;
		snprintf(where, sizeof(where), "HUB_API_KEYS entry %d", pos);
		key = client_keys_trim(p, &n);
		p = e ? e + 1 : NULL;
		if (n == 0)
			continue;
		colon = memchr(key, ':', n);
		if (colon != NULL) {
			id = key;
			id_len = (size_t)(colon - key);
			key = colon + 1;
			key_len = n - id_len - 1;
			if (!client_keys_id_ok(id, id_len)) {
				snprintf(err, errlen, "%s: invalid key id: expected 1 to 64 of A-Z a-z 0-9 _ . -", where);
				return HUB_ERR_CONFIG;
			}
		} else {
			id = NULL;
			id_len = 0;
			key_len = n;
		}
		if ((why = client_keys_key_problem(key, key_len)) != NULL) {
			snprintf(err, errlen, "%s: %s", where, why);
			return HUB_ERR_CONFIG;
		}
		sha256(key, key_len, hash);
		if (id == NULL) {
			sha256_hex(hash, hex);
			snprintf(bare_id, sizeof(bare_id), "key-%.12s", hex);
			id = bare_id;
			id_len = strlen(bare_id);
		}
		if ((rc = client_keys_push(ks, id, id_len, id, id_len, hash, where, err, errlen)) != HUB_OK)
			return rc;
	}
	return HUB_OK;
}

int
client_keys_add_file_text(struct client_keys *ks, const char *text, const char *origin,
    char *err, size_t errlen)
{
	unsigned char hash[SHA256_DIGEST_LEN];
	const char *p = text, *e, *line, *id_end, *hash_start, *name;
	char where[300];
	size_t n, name_len;
	int lineno = 0, rc;

	while (p != NULL && *p != '\0') {
		e = strchr(p, '\n');
		n = e ? (size_t)(e - p) : strlen(p);
		lineno++;
		line = client_keys_trim(p, &n);
		p = e ? e + 1 : NULL;
		if (n == 0 || line[0] == '#')
			continue;
		snprintf(where, sizeof(where), "HUB_API_KEYS_FILE %.200s:%d", origin, lineno);
		for (id_end = line; id_end < line + n && !isspace((unsigned char)*id_end); id_end++)
			;
		hash_start = line + n;
		while (hash_start > id_end && !isspace((unsigned char)hash_start[-1]))
			hash_start--;
		if (id_end == line + n) {
			snprintf(err, errlen, "%s: expected \"id [name] sha256-hex\"", where);
			return HUB_ERR_CONFIG;
		}
		if (!client_keys_id_ok(line, (size_t)(id_end - line))) {
			snprintf(err, errlen, "%s: invalid key id: expected 1 to 64 of A-Z a-z 0-9 _ . -", where);
			return HUB_ERR_CONFIG;
		}
		if (client_keys_parse_hash(hash_start, (size_t)(line + n - hash_start), hash) != 0) {
			snprintf(err, errlen, "%s: the last field must be the key's SHA-256 as 64 hex digits "
			    "(e.g. printf %%s \"$KEY\" | sha256sum)", where);
			return HUB_ERR_CONFIG;
		}
		name_len = (size_t)(hash_start - id_end);
		name = client_keys_trim(id_end, &name_len);
		if (name_len == 0) {
			name = line;
			name_len = (size_t)(id_end - line);
		}
		rc = client_keys_push(ks, line, (size_t)(id_end - line), name, name_len, hash, where,
		    err, errlen);
		if (rc != HUB_OK)
			return rc;
	}
	return HUB_OK;
}

/* Read a whole keys file (bounded). 0 with *text malloc'd, or HUB_ERR_CONFIG. */
static int
client_keys_read_file(const char *path, char **text, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t got;
	int rc = HUB_ERR_CONFIG;

	*text = NULL;
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "HUB_API_KEYS_FILE: cannot open \"%.200s\": %s", path, strerror(errno));
		return HUB_ERR_CONFIG;
	}
	if ((buf = malloc(HUB_MAX_KEYS_FILE_BYTES + 1)) == NULL) {
		rc = HUB_ERR_NOMEM;
		goto out;
	}
	got = fread(buf, 1, HUB_MAX_KEYS_FILE_BYTES + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "HUB_API_KEYS_FILE: cannot read \"%.200s\"", path);
		goto out;
	}
	if (got > HUB_MAX_KEYS_FILE_BYTES) {
		snprintf(err, errlen, "HUB_API_KEYS_FILE: \"%.200s\" is larger than 1 MiB", path);
		goto out;
	}
	if (memchr(buf, '\0', got) != NULL) {
		snprintf(err, errlen, "HUB_API_KEYS_FILE: \"%.200s\" is not a text file", path);
		goto out;
	}
	buf[got] = '\0';
	*text = buf;
	buf = NULL; /* owned by the caller now */
	rc = HUB_OK;
out:
	free(buf);
	fclose(f);
	return rc;
}

int
client_keys_load(struct client_keys *ks, const char *list, const char *file_path,
    char *err, size_t errlen)
{
	char *text = NULL;
	int rc = HUB_OK;

	memset(ks, 0, sizeof(*ks));
	if (list != NULL && *list != '\0' &&
	    (rc = client_keys_add_list(ks, list, err, errlen)) != HUB_OK)
		goto out;
	if (file_path != NULL && *file_path != '\0') {
		if ((rc = client_keys_read_file(file_path, &text, err, errlen)) != HUB_OK)
			goto out;
		rc = client_keys_add_file_text(ks, text, file_path, err, errlen);
	}
out:
	free(text);
	if (rc != HUB_OK)
		client_keys_free(ks);
	return rc;
}

const struct client_key *
client_keys_match(const struct client_keys *ks, const char *key, size_t len)
{
	unsigned char hash[SHA256_DIGEST_LEN];
	const struct client_key *found = NULL;
	size_t i;

	if (ks == NULL || ks->n == 0 || len == 0 || len > HUB_MAX_CLIENT_KEY_BYTES)
		return NULL;
	sha256(key, len, hash);
	for (i = 0; i < ks->n; i++)
		if (sha256_equal_ct(ks->keys[i].hash, hash, SHA256_DIGEST_LEN))
			found = &ks->keys[i];
	return found;
}

int
client_keys_bearer(const char *header, const char **token, size_t *len)
{
	const char *p = header;
	size_t n;

	*token = NULL;
	*len = 0;
	if (p == NULL)
		return HUB_ERR_UNAUTHORIZED;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "Bearer", 6) != 0 || (p[6] != ' ' && p[6] != '\t'))
		return HUB_ERR_UNAUTHORIZED;
	p += 6;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return HUB_ERR_UNAUTHORIZED;
	*token = p;
	*len = n;
	return HUB_OK;
}

void
client_keys_free(struct client_keys *ks)
{
	if (ks == NULL)
		return;
	free(ks->keys);
	ks->keys = NULL;
	ks->n = 0;
}
