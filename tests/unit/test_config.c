/* test_config.c - configuration loading and validation. */
#include "config.h"

#include <stdlib.h>

#include "common/hub_config.c"
#include "core/startup.h"
#include "tap.h"

static int
load(struct hub_config *c, char *err)
{
	return startup_config_load(c, err, 512);
}

int
main(void)
{
	struct hub_config c;
	char *found;
	char err[512], path[] = "/tmp/hub-test-config-XXXXXX";
	FILE *f;
	int fd;

	unsetenv("HUB_CONFIG");
	is_int(load(&c, err), HUB_OK, "defaults load");
	is_int(c.session_ttl_s, 3600, "HUB_SESSION_TTL defaults to 3600");
	is_int(c.port, 8080, "HUB_PORT defaults to 8080");
	is_str(c.bind, "127.0.0.1", "HUB_BIND defaults to loopback");
	is_str(c.gemini_model, "gemini-2.5-pro", "GEMINI_MODEL default");
	is_str(c.claude_cli, "claude", "HUB_CLAUDE_CLI default");
	ok(c.claude_model == NULL, "CLAUDE_MODEL unset: the CLI's default");
	hub_config_free(&c);

	/* HUB_RUN_DIR: the state directory unless given; absolute only */
	setenv("HUB_STATE_DIR", "/var/lib/hub", 1);
	unsetenv("HUB_RUN_DIR");
	is_int(load(&c, err), HUB_OK, "HUB_RUN_DIR unset");
	is_str(c.run_dir, "/var/lib/hub", "the run directories go into HUB_STATE_DIR by default");
	is_int(c.run_dir_set, 0, "and are not checked as a base of their own");
	hub_config_free(&c);
	setenv("HUB_RUN_DIR", "/dev/shm/hub-runs", 1);
	is_int(load(&c, err), HUB_OK, "HUB_RUN_DIR set");
	is_str(c.run_dir, "/dev/shm/hub-runs", "HUB_RUN_DIR is taken");
	is_int(c.run_dir_set, 1, "and checked at start-up");
	hub_config_free(&c);
	setenv("HUB_RUN_DIR", "runs", 1);
	is_int(load(&c, err), HUB_ERR_CONFIG, "a relative HUB_RUN_DIR is refused");
	ok(strstr(err, "HUB_RUN_DIR") != NULL, "naming the variable");
	unsetenv("HUB_RUN_DIR");
	unsetenv("HUB_STATE_DIR");

	setenv("HUB_SESSION_TTL", "60", 1);
	is_int(load(&c, err), HUB_OK, "a valid number");
	is_int(c.session_ttl_s, 60, "taken from the environment");
	hub_config_free(&c);

	setenv("HUB_SESSION_TTL", "60s", 1);
	is_int(load(&c, err), HUB_ERR_CONFIG, "trailing garbage is refused");
	ok(strstr(err, "HUB_SESSION_TTL") != NULL, "the message names the variable");
	setenv("HUB_SESSION_TTL", "0", 1);
	is_int(load(&c, err), HUB_ERR_CONFIG, "below the minimum is refused");
	setenv("HUB_SESSION_TTL", "99999999999999999999", 1);
	is_int(load(&c, err), HUB_ERR_CONFIG, "overflow is refused");
	unsetenv("HUB_SESSION_TTL");

	setenv("REDIS_URL", "redis://:hunter2@h:99999", 1);
	is_int(load(&c, err), HUB_ERR_CONFIG, "a bad REDIS_URL is refused");
	ok(strstr(err, "REDIS_URL") != NULL, "named");
	ok(strstr(err, "hunter2") == NULL, "the password is not echoed");
	unsetenv("REDIS_URL");

	setenv("CLAUDE_CODE_OAUTH_TOKEN", "tok en", 1);
	is_int(load(&c, err), HUB_ERR_CONFIG, "a token with a space is refused");
	ok(strstr(err, "tok") == NULL, "the token is not echoed");
	setenv("CLAUDE_CODE_OAUTH_TOKEN", "", 1);
	is_int(load(&c, err), HUB_OK, "an empty token is the same as none");
	ok(c.claude_oauth_token == NULL, "no token");
	hub_config_free(&c);
	unsetenv("CLAUDE_CODE_OAUTH_TOKEN");

	setenv("HUB_DEFAULT_PROVIDER", "openai", 1);
	is_int(load(&c, err), HUB_ERR_CONFIG, "an unknown provider is refused");
	unsetenv("HUB_DEFAULT_PROVIDER");

	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fprintf(f, "# a comment\n\nHUB_SESSION_TTL = 120\nGEMINI_MODEL = \"gemini-2.5-flash\"\nOTHER_TOOL_SETTING = x\n");
	fclose(f);
	setenv("HUB_CONFIG", path, 1);
	is_int(load(&c, err), HUB_OK, "a config file loads");
	is_int(c.session_ttl_s, 120, "a number from the file");
	is_str(c.gemini_model, "gemini-2.5-flash", "a quoted string from the file");
	hub_config_free(&c);
	setenv("HUB_SESSION_TTL", "30", 1);
	is_int(load(&c, err), HUB_OK, "file and environment");
	is_int(c.session_ttl_s, 30, "the environment wins over the file");
	hub_config_free(&c);
	unsetenv("HUB_SESSION_TTL");

	f = fopen(path, "w");
	fprintf(f, "HUB_SESION_TTL = 5\n");
	fclose(f);
	is_int(load(&c, err), HUB_ERR_CONFIG, "a misspelt setting in the file is refused");
	ok(strstr(err, "HUB_SESION_TTL") != NULL && strstr(err, ":1") != NULL, "named with its line");
	f = fopen(path, "w");
	fprintf(f, "no equals sign\n");
	fclose(f);
	is_int(load(&c, err), HUB_ERR_CONFIG, "a malformed line is refused");
	unlink(path);
	is_int(load(&c, err), HUB_ERR_CONFIG, "a missing config file is refused");
	ok(strstr(err, "HUB_CONFIG") != NULL, "named");
	unsetenv("HUB_CONFIG");

	found = hub_config_find_executable("sh");
	ok(found != NULL, "sh is found on PATH");
	free(found);
	ok(hub_config_find_executable("surely-no-such-program-xyz") == NULL, "a missing program is not");
	found = hub_config_find_executable("/bin/sh");
	ok(found != NULL, "an absolute path");
	free(found);
	ok(hub_config_find_executable("") == NULL, "an empty name");
	return tap_done();
}
