/*
 * fake-codex.c - a stand-in for the Codex CLI 0.169.0 in `codex exec --json`
 * mode, byte for byte in the lines it prints.
 *
 * Like the real CLI measured against tests/upstream/fake-codex.mjs it prints
 * one JSON event per line on stdout: thread.started, turn.started, one
 * item.completed per agent_message, turn.completed with usage; a failing
 * turn prints "error" events ("Reconnecting... n/5 (...)" while it retries)
 * and turn.failed, and exits 1. The prompt is stdin (the last argument must
 * be "-"); "resume ID" before it loads $CODEX_HOME/sessions/Y/M/D/
 * rollout-*-ID.jsonl as the earlier turns; -c model_instructions_file="P"
 * names the system prompt file. Behaviour is chosen by directives in the
 * prompt:
 *   [[fake:error=401|429|500]]  the real CLI's events for that upstream status
 *   [[fake:hang]]          print thread.started and turn.started, sleep forever
 *   [[fake:empty]]         turn.completed without any agent_message, exit 0
 *   [[fake:garbage]]       print non-JSON lines only, exit 0
 *   [[fake:tool]]          an item.completed of type command_execution first
 *   [[fake:messages=N]]    N agent_message items ("part 1", "part 2", ...)
 *   [[fake:slow=MS]]       pause MS ms before each item
 *   [[fake:refresh]]       rewrite $CODEX_HOME/auth.json as a token refresh
 *   [[fake:linger]]        after turn.completed ignore SIGTERM and sleep (slow to exit)
 *                          does (new tokens, refresh_token "rt-fake-refreshed")
 *   [[fake:echo]]          reply = "system:<instructions>" then
 *                          "<role>:<text>" per turn, joined by "|"
 *   [[fake:argv]]          reply = its argv after argv[0], joined by spaces
 *   [[fake:env]]           reply = the sorted names (never values) of its
 *                          environment
 * Without $CODEX_HOME/auth.json it fails as the real CLI does when the
 * backend refuses it (401 Unauthorized). Default reply: "Hello from fake
 * codex.". SIGTERM exits 143.
 */
#include "config.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

extern char **environ;

static char *
fake_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, len = 0, n;
	char *buf;

	if (f == NULL)
		return NULL;
	buf = malloc(cap);
	while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

/* Print one event line (compact JSON) and flush; takes obj. */
static void
fake_emit(struct json_object *obj)
{
	printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(obj);
}

static void
fake_event(const char *type)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	fake_emit(o);
}

static void
fake_error(const char *msg)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string("error"));
	json_object_object_add(o, "message", json_object_new_string(msg));
	fake_emit(o);
}

static void
fake_failed(const char *msg)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	fake_error(msg);
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "type", json_object_new_string("turn.failed"));
	json_object_object_add(o, "error", e);
	fake_emit(o);
}

static void
fake_item(int n, const char *type, const char *text)
{
	struct json_object *o = json_object_new_object(), *it = json_object_new_object();
	char id[32];

	snprintf(id, sizeof(id), "item_%d", n);
	json_object_object_add(it, "id", json_object_new_string(id));
	json_object_object_add(it, "type", json_object_new_string(type));
	if (strcmp(type, "command_execution") == 0) {
		json_object_object_add(it, "command", json_object_new_string("/bin/true"));
		json_object_object_add(it, "status", json_object_new_string("completed"));
	} else {
		json_object_object_add(it, "text", json_object_new_string(text));
	}
	json_object_object_add(o, "type", json_object_new_string("item.completed"));
	json_object_object_add(o, "item", it);
	fake_emit(o);
}

static void
fake_completed(void)
{
	printf("{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":11,\"cached_input_tokens\":0,"
	    "\"cache_write_input_tokens\":0,\"output_tokens\":7,\"reasoning_output_tokens\":0}}\n");
	fflush(stdout);
}

/* The value of directive [[fake:name=VALUE]] in s as a number, else dflt;
 * with has set to whether [[fake:name...]] appears at all. */
static long
fake_directive(const char *s, const char *name, long dflt, int *has)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "[[fake:%s", name);
	*has = (p = strstr(s, key)) != NULL;
	if (*has && p[strlen(key)] == '=')
		return strtol(p + strlen(key) + 1, NULL, 10);
	return dflt;
}

/* Append the turns of the rollout for id (if any) to out as "role:text|". */
static void
fake_rollout_turns(const char *home, const char *id, struct json_object *turns)
{
	char dir[4096], path[8192], line_path[8192];
	DIR *d1, *d2, *d3, *d4;
	struct dirent *e1, *e2, *e3, *e4;
	char *data, *line, *save = NULL;

	snprintf(dir, sizeof(dir), "%s/sessions", home);
	line_path[0] = '\0';
	if ((d1 = opendir(dir)) == NULL)
		return;
	while (line_path[0] == '\0' && (e1 = readdir(d1)) != NULL) {
		if (e1->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e1->d_name);
		if ((d2 = opendir(path)) == NULL)
			continue;
		while (line_path[0] == '\0' && (e2 = readdir(d2)) != NULL) {
			char p2[8192];
			if (e2->d_name[0] == '.')
				continue;
			snprintf(p2, sizeof(p2), "%.4000s/%.200s", path, e2->d_name);
			if ((d3 = opendir(p2)) == NULL)
				continue;
			while (line_path[0] == '\0' && (e3 = readdir(d3)) != NULL) {
				char p3[8192];
				if (e3->d_name[0] == '.')
					continue;
				snprintf(p3, sizeof(p3), "%.4000s/%.200s", p2, e3->d_name);
				if ((d4 = opendir(p3)) == NULL)
					continue;
				while ((e4 = readdir(d4)) != NULL)
					if (strstr(e4->d_name, id) != NULL) {
						snprintf(line_path, sizeof(line_path), "%.4000s/%.200s", p3, e4->d_name);
						break;
					}
				closedir(d4);
			}
			closedir(d3);
		}
		closedir(d2);
	}
	closedir(d1);
	if (line_path[0] == '\0' || (data = fake_read_file(line_path)) == NULL)
		return;
	for (line = strtok_r(data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *pl, *c, *part, *t, *r;
		char buf[8192];
		if (o != NULL && json_object_object_get_ex(o, "payload", &pl) &&
		    json_object_object_get_ex(pl, "role", &r) &&
		    json_object_object_get_ex(pl, "content", &c) && json_object_is_type(c, json_type_array) &&
		    (part = json_object_array_get_idx(c, 0)) != NULL &&
		    json_object_object_get_ex(part, "text", &t)) {
			snprintf(buf, sizeof(buf), "%s:%s", json_object_get_string(r), json_object_get_string(t));
			json_object_array_add(turns, json_object_new_string(buf));
		}
		json_object_put(o);
	}
	free(data);
}

static int
fake_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
fake_refresh(const char *home)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/auth.json", home);
	if ((f = fopen(path, "w")) == NULL)
		return;
	/* {"exp": 4102444800} in the middle: 2100-01-01 */
	fprintf(f, "{\"OPENAI_API_KEY\":null,\"tokens\":{\"id_token\":\"eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.sig\","
	    "\"access_token\":\"eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.sig\",\"refresh_token\":\"rt-fake-refreshed\","
	    "\"account_id\":\"acct-fake-123\"},\"last_refresh\":\"2026-01-01T00:00:00Z\"}\n");
	fclose(f);
}

int
main(int argc, char **argv)
{
	const char *home = getenv("CODEX_HOME"), *resume = NULL, *instr = NULL;
	char prompt[1 << 16], auth[4096], reply[1 << 16];
	size_t plen = 0, n;
	long slow_ms, msgs;
	int i, has, code;
	struct timespec ts;

	signal(SIGTERM, SIG_DFL);
	if (argc < 2 || strcmp(argv[1], "exec") != 0 || strcmp(argv[argc - 1], "-") != 0) {
		fprintf(stderr, "fake-codex: expected `codex exec ... -`\n");
		return 2;
	}
	for (i = 2; i < argc - 1; i++) {
		if (strcmp(argv[i], "resume") == 0 && i + 1 < argc - 1)
			resume = argv[i + 1];
		if (strncmp(argv[i], "model_instructions_file=\"", 25) == 0)
			instr = argv[i] + 25;
	}
	while (plen + 1 < sizeof(prompt) && (n = fread(prompt + plen, 1, sizeof(prompt) - plen - 1, stdin)) > 0)
		plen += n;
	prompt[plen] = '\0';

	printf("{\"type\":\"thread.started\",\"thread_id\":\"%s\"}\n",
	    resume != NULL ? resume : "01a234b4-5a4d-7ec0-a3f6-152abce5f31e");
	fake_event("turn.started");
	snprintf(auth, sizeof(auth), "%s/auth.json", home != NULL ? home : ".");
	code = (int)fake_directive(prompt, "error", 0, &has);
	if (access(auth, R_OK) != 0)
		code = 401;
	if (code == 401 || code == 500) {
		const char *why = code == 401 ?
		    "unexpected status 401 Unauthorized: {\"detail\":\"Unauthorized\"}, url: https://chatgpt.com/backend-api/codex/responses" :
		    "We\xe2\x80\x99re currently experiencing high demand, which may cause temporary errors.";
		char line[1024];
		for (i = 1; i <= 5; i++) {
			snprintf(line, sizeof(line), "Reconnecting... %d/5 (%s)", i, why);
			fake_error(line);
		}
		fake_failed(why);
		return 1;
	}
	if (code == 429) {
		time_t at = time(NULL) + 120;
		struct tm tm;
		char line[512];
		gmtime_r(&at, &tm);
		snprintf(line, sizeof(line), "You\xe2\x80\x99ve hit your usage limit. Upgrade to Pro "
		    "(https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase "
		    "more credits or try again at %d:%02d %s.", tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12,
		    tm.tm_min, tm.tm_hour < 12 ? "AM" : "PM");
		fake_failed(line);
		return 1;
	}
	if (code != 0) {
		fake_failed("unexpected status");
		return 1;
	}
	if (strstr(prompt, "[[fake:hang]]") != NULL)
		for (;;)
			pause();
	if (strstr(prompt, "[[fake:garbage]]") != NULL) {
		printf("this is not JSON\n<html>oops</html>\n");
		return 0;
	}
	if (strstr(prompt, "[[fake:refresh]]") != NULL && home != NULL)
		fake_refresh(home);
	if (strstr(prompt, "[[fake:empty]]") != NULL) {
		fake_completed();
		return 0;
	}
	slow_ms = fake_directive(prompt, "slow", 0, &has);
	msgs = fake_directive(prompt, "messages", 1, &has);
	if (strstr(prompt, "[[fake:tool]]") != NULL)
		fake_item(0, "command_execution", NULL);
	snprintf(reply, sizeof(reply), "Hello from fake codex.");
	if (strstr(prompt, "[[fake:echo]]") != NULL) {
		struct json_object *turns = json_object_new_array();
		char *sys = NULL, path[4096];
		size_t k, used = 0;
		if (instr != NULL) {
			snprintf(path, sizeof(path), "%s", instr);
			if (strchr(path, '"') != NULL)
				*strchr(path, '"') = '\0';
			sys = fake_read_file(path);
		}
		used += (size_t)snprintf(reply + used, sizeof(reply) - used, "system:%s", sys ? sys : "");
		free(sys);
		if (resume != NULL && home != NULL)
			fake_rollout_turns(home, resume, turns);
		for (k = 0; k < json_object_array_length(turns) && used < sizeof(reply); k++)
			used += (size_t)snprintf(reply + used, sizeof(reply) - used, "|%s",
			    json_object_get_string(json_object_array_get_idx(turns, k)));
		if (used + 6 + plen < sizeof(reply)) {
			memcpy(reply + used, "|user:", 6);
			memcpy(reply + used + 6, prompt, plen + 1);
		}
		json_object_put(turns);
	} else if (strstr(prompt, "[[fake:argv]]") != NULL) {
		size_t used = 0;
		reply[0] = '\0';
		for (i = 1; i < argc && used < sizeof(reply); i++)
			used += (size_t)snprintf(reply + used, sizeof(reply) - used, "%s%s", i > 1 ? " " : "", argv[i]);
	} else if (strstr(prompt, "[[fake:env]]") != NULL) {
		const char *names[256];
		size_t k, m = 0, used = 0;
		char name[128];
		for (k = 0; environ[k] != NULL && m < 256; k++)
			names[m++] = environ[k];
		qsort(names, m, sizeof(names[0]), fake_cmp);
		reply[0] = '\0';
		for (k = 0; k < m && used < sizeof(reply); k++) {
			size_t nl = strcspn(names[k], "=");
			snprintf(name, sizeof(name), "%.*s", (int)(nl < 127 ? nl : 127), names[k]);
			used += (size_t)snprintf(reply + used, sizeof(reply) - used, "%s%s", k ? " " : "", name);
		}
	}
	for (i = 0; i < msgs; i++) {
		char part[64];
		if (slow_ms > 0) {
			ts.tv_sec = slow_ms / 1000;
			ts.tv_nsec = (slow_ms % 1000) * 1000000L;
			nanosleep(&ts, NULL);
		}
		if (msgs > 1) {
			snprintf(part, sizeof(part), "part %d", i + 1);
			fake_item(i + 1, "agent_message", part);
		} else {
			fake_item(i, "agent_message", reply);
		}
	}
	fake_completed();
	if (strstr(prompt, "[[fake:linger]]") != NULL) {
		/* a CLI slow to exit after turn.completed, deaf to SIGTERM */
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	return 0;
}
