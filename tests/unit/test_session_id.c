/* test_session_id.c - session id syntax and generation. */
#include "config.h"

#include "session/session_id.c"
#include "tap.h"

int
main(void)
{
	char a[64], b[64], long_id[200];
	int i, all_valid = 1;

	ok(session_id_valid("abc"), "letters");
	ok(session_id_valid("A-b_9"), "letters, digits, - and _");
	ok(!session_id_valid(""), "empty");
	ok(!session_id_valid(NULL), "NULL");
	ok(!session_id_valid("a b"), "space");
	ok(!session_id_valid("a:b"), "colon (would change the Redis key)");
	ok(!session_id_valid("a/b"), "slash");
	ok(!session_id_valid("a*"), "glob character");
	ok(!session_id_valid("caf\xc3\xa9"), "non-ASCII");
	memset(long_id, 'x', 128);
	long_id[128] = '\0';
	ok(session_id_valid(long_id), "128 characters");
	long_id[128] = 'x';
	long_id[129] = '\0';
	ok(!session_id_valid(long_id), "129 characters");

	is_int(session_id_generate(a, sizeof(a)), HUB_OK, "generate");
	is_int(strlen(a), 22, "22 characters for 128 bits");
	ok(session_id_valid(a), "a generated id is valid");
	is_int(session_id_generate(b, sizeof(b)), HUB_OK, "generate again");
	ok(strcmp(a, b) != 0, "two ids differ");
	for (i = 0; i < 1000; i++) {
		session_id_generate(b, sizeof(b));
		if (!session_id_valid(b) || strlen(b) != 22)
			all_valid = 0;
	}
	ok(all_valid, "1000 generated ids are all valid");
	is_int(session_id_generate(a, 10), HUB_ERR_TOO_LARGE, "too small a buffer is refused");

	/* the sequence: same form, never the same id twice, a carry included */
	is_int(session_id_sequence(a, sizeof(a)), HUB_OK, "sequence");
	ok(session_id_valid(a) && strlen(a) == 22, "a sequence id has the form of a session id");
	all_valid = 1;
	for (i = 0; i < 70000; i++) {
		session_id_sequence(b, sizeof(b));
		if (!session_id_valid(b) || strlen(b) != 22 || strcmp(a, b) == 0)
			all_valid = 0;
	}
	ok(all_valid, "70000 more sequence ids (carries through two bytes): valid, none the first again");
	session_id_sequence(a, sizeof(a));
	ok(strcmp(a, b) != 0, "the next differs from the one before");
	is_int(session_id_sequence(a, 10), HUB_ERR_TOO_LARGE, "sequence: too small a buffer is refused");
	return tap_done();
}
