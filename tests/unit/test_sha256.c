/* test_sha256.c - SHA-256 against the FIPS 180-4 / NIST CAVP vectors. */
#include "config.h"

#include <stdlib.h>

#include "common/sha256.c"
#include "tap.h"

static const char *
hex_of(const void *data, size_t len)
{
	static char out[SHA256_HEX_LEN + 1];
	unsigned char d[SHA256_DIGEST_LEN];

	sha256(data, len, d);
	sha256_hex(d, out);
	return out;
}

int
main(void)
{
	struct sha256_ctx c;
	unsigned char d[SHA256_DIGEST_LEN], d2[SHA256_DIGEST_LEN];
	char out[SHA256_HEX_LEN + 1], *million;
	size_t i;

	is_str(hex_of("", 0),
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty string");
	is_str(hex_of("abc", 3),
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "abc");
	is_str(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "448-bit message (two blocks)");
	is_str(hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112),
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1", "896-bit message");
	is_str(hex_of("The quick brown fox jumps over the lazy dog", 43),
	    "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592", "quick brown fox");

	/* one million 'a', fed in one call and in odd-sized pieces */
	million = malloc(1000000);
	ok(million != NULL, "allocate");
	if (million == NULL)
		return tap_done();
	memset(million, 'a', 1000000);
	is_str(hex_of(million, 1000000),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "a million a, one call");
	sha256_init(&c);
	for (i = 0; i < 1000000; i += 7)
		sha256_update(&c, million + i, 1000000 - i < 7 ? 1000000 - i : 7);
	sha256_final(&c, d);
	sha256_hex(d, out);
	is_str(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "a million a, in pieces of 7");
	free(million);

	/* every length around the padding boundary agrees between one call and byte by byte */
	{
		unsigned char buf[130];
		int all_same = 1;
		size_t n;

		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)(i * 31 + 7);
		for (n = 0; n <= sizeof(buf); n++) {
			sha256(buf, n, d);
			sha256_init(&c);
			for (i = 0; i < n; i++)
				sha256_update(&c, buf + i, 1);
			sha256_final(&c, d2);
			if (memcmp(d, d2, sizeof(d)) != 0)
				all_same = 0;
		}
		ok(all_same, "lengths 0..130: one call equals byte-by-byte");
	}
	/* 55 and 56 bytes straddle the length field: known vectors */
	{
		char s[64];

		memset(s, 'a', sizeof(s));
		is_str(hex_of(s, 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318", "55 x a");
		is_str(hex_of(s, 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a", "56 x a");
		is_str(hex_of(s, 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb", "64 x a");
	}

	ok(sha256_equal_ct((const unsigned char *)"abcd", (const unsigned char *)"abcd", 4), "equal");
	ok(!sha256_equal_ct((const unsigned char *)"abcd", (const unsigned char *)"abce", 4), "last byte differs");
	ok(!sha256_equal_ct((const unsigned char *)"xbcd", (const unsigned char *)"abcd", 4), "first byte differs");
	return tap_done();
}
