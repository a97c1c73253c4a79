/*
 * sha256.h - SHA-256 (FIPS 180-4), for hashing client keys.
 *
 * A small self-contained implementation so that the hub needs no crypto
 * library for the one digest it uses. Not for secrets at rest other than
 * high-entropy API keys (no salt, no stretching: the keys are random).
 */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN    64

struct sha256_ctx {
	uint32_t state[8];
	uint64_t total_bytes;
	unsigned char block[64];
	size_t block_len;
};

/* Start a digest. */
void sha256_init(struct sha256_ctx *c);

/* Add len bytes of data. */
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);

/* Finish: write the 32-byte digest to out. c must be re-initialised to reuse. */
void sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_DIGEST_LEN]);

/* The digest of data in one call. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_DIGEST_LEN]);

/* Lower-case hex of a digest into out (at least SHA256_HEX_LEN + 1 bytes). */
void sha256_hex(const unsigned char digest[SHA256_DIGEST_LEN], char *out);

/* 1 when a and b (n bytes each) are equal; the time taken does not depend
 * on where they differ. */
int sha256_equal_ct(const unsigned char *a, const unsigned char *b, size_t n);

#endif
