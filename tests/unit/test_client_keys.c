/* test_client_keys.c - HUB_API_KEYS / keys file syntax, matching, Bearer parsing. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/client_keys.c"
#include "tap.h"

#define KEY_A "sk-hub-aaaaaaaaaaaaaaaaaaaa"
#define KEY_B "sk-hub-bbbbbbbbbbbbbbbbbbbb"

int
main(void)
{
	struct client_keys ks;
	const struct client_key *k;
	unsigned char h[SHA256_DIGEST_LEN];
	char err[512], hex[SHA256_HEX_LEN + 1], file[1024], path[] = "/tmp/test_client_keys.XXXXXX";
	const char *tok;
	size_t len;
	FILE *f;
	int fd;

	/* the list form */
	memset(&ks, 0, sizeof(ks));
	is_int(client_keys_add_list(&ks, "alice:" KEY_A ", " KEY_B " ,", err, sizeof(err)), HUB_OK, "id:key and a bare key");
	is_int(ks.n, 2, "two keys");
	is_str(ks.keys[0].id, "alice", "explicit id");
	sha256(KEY_B, strlen(KEY_B), h);
	sha256_hex(h, hex);
	ok(strncmp(ks.keys[1].id, "key-", 4) == 0 && strncmp(ks.keys[1].id + 4, hex, 12) == 0 &&
	    strlen(ks.keys[1].id) == 16, "bare key id is key- and 12 hex digits of its hash (%s)", ks.keys[1].id);
	k = client_keys_match(&ks, KEY_A, strlen(KEY_A));
	ok(k != NULL && strcmp(k->id, "alice") == 0, "key A matches alice");
	k = client_keys_match(&ks, KEY_B, strlen(KEY_B));
	ok(k == &ks.keys[1], "key B matches the bare entry");
	ok(client_keys_match(&ks, KEY_A "x", strlen(KEY_A) + 1) == NULL, "longer key does not match");
	ok(client_keys_match(&ks, KEY_A, strlen(KEY_A) - 1) == NULL, "prefix does not match");
	ok(client_keys_match(&ks, "", 0) == NULL, "empty does not match");
	ok(strstr((const char *)ks.keys, KEY_A) == NULL, "the key itself is not kept");
	client_keys_free(&ks);
	is_int(ks.n, 0, "freed");
	client_keys_free(NULL);

	/* errors name the entry, never the key */
	memset(&ks, 0, sizeof(ks));
	is_int(client_keys_add_list(&ks, "shortkey", err, sizeof(err)), HUB_ERR_CONFIG, "too short");
	ok(strstr(err, "HUB_API_KEYS entry 1") != NULL && strstr(err, "shortkey") == NULL, "message: %s", err);
	client_keys_free(&ks);
	is_int(client_keys_add_list(&ks, KEY_A ",bad id:" KEY_B, err, sizeof(err)), HUB_ERR_CONFIG, "id with a space");
	ok(strstr(err, "entry 2") != NULL && strstr(err, KEY_B) == NULL, "message: %s", err);
	client_keys_free(&ks);
	is_int(client_keys_add_list(&ks, "a:" KEY_A ",a:" KEY_B, err, sizeof(err)), HUB_ERR_CONFIG, "duplicate id");
	ok(strstr(err, "used twice") != NULL, "message: %s", err);
	client_keys_free(&ks);
	is_int(client_keys_add_list(&ks, "a:" KEY_A ",b:" KEY_A, err, sizeof(err)), HUB_ERR_CONFIG, "same key twice");
	ok(strstr(err, KEY_A) == NULL, "message does not show the key");
	client_keys_free(&ks);
	is_int(client_keys_add_list(&ks, "a:sk-hub-\x01xxxxxxxxxxxxxxxx", err, sizeof(err)), HUB_ERR_CONFIG, "control character");
	client_keys_free(&ks);
	is_int(client_keys_add_list(&ks, ":" KEY_A, err, sizeof(err)), HUB_ERR_CONFIG, "empty id");
	client_keys_free(&ks);
	is_int(client_keys_add_list(&ks, " , ,", err, sizeof(err)), HUB_OK, "only separators");
	is_int(ks.n, 0, "no keys");
	client_keys_free(&ks);

	/* the file form: id [name...] hash */
	sha256(KEY_A, strlen(KEY_A), h);
	sha256_hex(h, hex);
	snprintf(file, sizeof(file), "# keys\n\n  ci   CI pipeline (n8n)   %s  \nbob %s\n", hex, hex);
	is_int(client_keys_add_file_text(&ks, file, "keys.txt", err, sizeof(err)), HUB_ERR_CONFIG, "same hash twice in a file");
	ok(strstr(err, "keys.txt:4") != NULL, "message names file and line: %s", err);
	client_keys_free(&ks);
	sha256(KEY_B, strlen(KEY_B), h);
	snprintf(file, sizeof(file), "# keys\n\n  ci   CI pipeline (n8n)   %s  \n", hex);
	sha256_hex(h, hex);
	for (len = 0; len < SHA256_HEX_LEN; len++)
		hex[len] = (char)toupper((unsigned char)hex[len]);
	snprintf(file + strlen(file), sizeof(file) - strlen(file), "bob %s", hex);
	is_int(client_keys_add_file_text(&ks, file, "keys.txt", err, sizeof(err)), HUB_OK, "file with name, comment, upper-case hex");
	is_int(ks.n, 2, "two keys from the file");
	is_str(ks.keys[0].id, "ci", "id");
	is_str(ks.keys[0].name, "CI pipeline (n8n)", "name with spaces");
	is_str(ks.keys[1].name, "bob", "name defaults to the id");
	k = client_keys_match(&ks, KEY_B, strlen(KEY_B));
	ok(k != NULL && strcmp(k->id, "bob") == 0, "key B matches bob");
	client_keys_free(&ks);
	is_int(client_keys_add_file_text(&ks, "ci deadbeef\n", "k", err, sizeof(err)), HUB_ERR_CONFIG, "short hash");
	client_keys_free(&ks);
	is_int(client_keys_add_file_text(&ks, "onlyonefield\n", "k", err, sizeof(err)), HUB_ERR_CONFIG, "one field");
	client_keys_free(&ks);

	/* load: both sources together, ids unique across them */
	fd = mkstemp(path);
	ok(fd >= 0, "temp file");
	f = fdopen(fd, "w");
	fputs(file, f);
	fclose(f);
	is_int(client_keys_load(&ks, "alice:" KEY_A "2", path, err, sizeof(err)), HUB_OK, "list and file");
	is_int(ks.n, 3, "three keys");
	client_keys_free(&ks);
	is_int(client_keys_load(&ks, "ci:" KEY_A "2", path, err, sizeof(err)), HUB_ERR_CONFIG, "id in both sources");
	is_int(ks.n, 0, "empty after a failure");
	unlink(path);
	is_int(client_keys_load(&ks, NULL, path, err, sizeof(err)), HUB_ERR_CONFIG, "missing file");
	ok(strstr(err, "HUB_API_KEYS_FILE") != NULL, "message names the variable: %s", err);
	is_int(client_keys_load(&ks, NULL, NULL, err, sizeof(err)), HUB_OK, "nothing configured");
	is_int(ks.n, 0, "no keys: authentication off");
	client_keys_free(&ks);

	/* Authorization header */
	is_int(client_keys_bearer("Bearer abc", &tok, &len), HUB_OK, "Bearer");
	ok(len == 3 && strncmp(tok, "abc", 3) == 0, "token");
	is_int(client_keys_bearer("  bearer \tabc  ", &tok, &len), HUB_OK, "case and blanks");
	ok(len == 3 && strncmp(tok, "abc", 3) == 0, "trimmed token");
	is_int(client_keys_bearer("Basic abc", &tok, &len), HUB_ERR_UNAUTHORIZED, "Basic");
	is_int(client_keys_bearer("Bearer", &tok, &len), HUB_ERR_UNAUTHORIZED, "no token");
	is_int(client_keys_bearer("Bearer   ", &tok, &len), HUB_ERR_UNAUTHORIZED, "blank token");
	is_int(client_keys_bearer("Bearerabc", &tok, &len), HUB_ERR_UNAUTHORIZED, "no separator");
	is_int(client_keys_bearer(NULL, &tok, &len), HUB_ERR_UNAUTHORIZED, "no header");
	return tap_done();
}
