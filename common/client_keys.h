/*
 * client_keys.h - the keys the hub's own clients present, and the check.
 *
 * Keys come from HUB_API_KEYS (comma-separated entries, each "id:key" or a
 * bare "key") and from HUB_API_KEYS_FILE (lines "id [name...] sha256-hex":
 * the file holds only hashes). Only the SHA-256 of each key is kept in
 * memory; a presented key is hashed and compared with every stored hash in
 * constant time. Each key has an id (for logs and session ownership) and a
 * name (for people). A key itself is never logged or echoed.
 *
 * Syntax rules (see docs/SECURITY.md):
 *   - ids: [A-Za-z0-9_.-]{1,64}; unique across both sources;
 *   - keys: 16 to 512 printable ASCII characters without ',' or spaces; a
 *     bare key must not contain ':' (an entry with ':' is always id:key);
 *   - a bare key's id is "key-" and the first 12 hex digits of its SHA-256.
 */
#ifndef CLIENT_KEYS_H
#define CLIENT_KEYS_H

#include <stddef.h>

#include "common/hub_limits.h"
#include "common/sha256.h"

struct client_key {
	char id[HUB_MAX_CLIENT_KEY_ID_LEN + 1];
	char name[HUB_MAX_CLIENT_KEY_NAME_LEN + 1];
	unsigned char hash[SHA256_DIGEST_LEN];
};

struct client_keys {
	struct client_key *keys;     /* malloc'd array of n */
	size_t n;
};

/*
 * Parse a HUB_API_KEYS value and add its keys to ks. Returns 0,
 * HUB_ERR_CONFIG with a message in err naming HUB_API_KEYS and the entry's
 * position (never the key), or HUB_ERR_NOMEM.
 */
int client_keys_add_list(struct client_keys *ks, const char *list, char *err, size_t errlen);

/*
 * Parse the text of a keys file (origin names it in messages) and add its
 * keys. Same returns as client_keys_add_list().
 */
int client_keys_add_file_text(struct client_keys *ks, const char *text, const char *origin,
    char *err, size_t errlen);

/*
 * Load both sources (either may be NULL or ""). Returns 0 with ks filled
 * (ks->n may be 0: authentication off), HUB_ERR_CONFIG or HUB_ERR_NOMEM
 * with ks empty. Free with client_keys_free().
 */
int client_keys_load(struct client_keys *ks, const char *list, const char *file_path,
    char *err, size_t errlen);

/*
 * The key whose hash matches key (len bytes), or NULL. Every stored hash
 * is compared, in constant time each. The result points into ks.
 */
const struct client_key *client_keys_match(const struct client_keys *ks, const char *key, size_t len);

/*
 * Take the token out of an Authorization header value "Bearer <token>"
 * (scheme case-insensitive, surrounding blanks ignored). 0 with *token and
 * *len pointing into header, or HUB_ERR_UNAUTHORIZED.
 */
int client_keys_bearer(const char *header, const char **token, size_t *len);

/* Free ks's storage and empty it. Accepts NULL. */
void client_keys_free(struct client_keys *ks);

#endif
