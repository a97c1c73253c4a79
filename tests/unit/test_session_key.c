/* test_session_key.c - tenant-scoped Redis key names. */
#include "config.h"

#include "common/hub_config.h"
#include "session/session_key.c"
#include "tap.h"

int
main(void)
{
	static struct hub_config cfg;
	char key[64], small[16];

	cfg.key_prefix = "hub:";
	hub_cfg = &cfg;

	is_str(session_key_scope("alice"), "alice", "a key id is its own scope");
	is_str(session_key_scope(""), "~", "no key: the anonymous scope");
	is_str(session_key_scope(NULL), "~", "NULL: the anonymous scope");

	is_int(session_key_build(key, sizeof(key), "sess", "alice", "s1", NULL), HUB_OK, "build");
	is_str(key, "hub:sess:{alice}:s1", "owner and id are both in the key");
	session_key_build(key, sizeof(key), "sess", "bob", "s1", NULL);
	is_str(key, "hub:sess:{bob}:s1", "another owner, the same id: another key");
	session_key_build(key, sizeof(key), "sess", "alice", "s1", ":lock");
	is_str(key, "hub:sess:{alice}:s1:lock", "the lock key is scoped too");
	session_key_build(key, sizeof(key), "sess", "", "s1", ":m");
	is_str(key, "hub:sess:{~}:s1:m", "anonymous message list");
	session_key_build(key, sizeof(key), "idx", "alice", NULL, NULL);
	is_str(key, "hub:idx:{alice}", "an index has no id");
	is_int(session_key_build(small, sizeof(small), "sess", "alice", "s1", NULL), HUB_ERR_TOO_LARGE,
	    "a key that does not fit is refused");
	is_str(small, "", "and left empty, never cut");
	return tap_done();
}
