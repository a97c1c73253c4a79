/*
 * fake-gemini.c - a stand-in for the Gemini CLI (`gemini`, 0.61.0) in tests.
 *
 * Accepts the flags the hub uses (-m/--model, -o/--output-format
 * text|json|stream-json, -p/--prompt, also in --flag=value form), reads
 * stdin when it is not a terminal and, like the real CLI, uses
 * stdin + "\n\n" + the -p text (stdin alone when the -p text is empty).
 * Output has the real shapes: stream-json lines (init, the user message,
 * assistant deltas, result), the json document, or plain text. It writes
 * only "\n": under a cooked terminal the line discipline makes "\r\n", as
 * with the real CLI. Every run writes a transcript into
 * $GEMINI_CLI_HOME (or $HOME)/.gemini/tmp/x/chats/, and failed runs a
 * $TMPDIR/gemini-client-error-*.json report holding the prompt, as the
 * real CLI does.
 *
 * Behaviour is chosen by directives anywhere in the input text (the hub
 * gives the child a minimal environment, so the prompt is the channel);
 * tests/fakes/README.md lists them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

extern char **environ;

/*
 * In sanitizer builds: the fake exits from many places, like the CLI it
 * imitates, without freeing what it read; a leak report would turn every
 * run into exit 1. (The child gets no ASAN_OPTIONS: its environment is
 * built from scratch.) Unused in normal builds.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

enum out_format { OUT_TEXT, OUT_JSON, OUT_STREAM_JSON };

static enum out_format out_format = OUT_TEXT;
static const char *model = "gemini-2.5-pro";
static char session_id[] = "6f1c2b1e-0000-4000-8000-000000000000";

/* Seconds-precision ISO time like JSON.stringify(new Date()). */
static void
iso_now(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Emit one stream-json event (takes obj) as a line, like JSON.stringify + "\n". */
static void
emit(struct json_object *obj)
{
	const char *s = json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	write_all(1, s, strlen(s));
	write_all(1, "\n", 1);
	json_object_put(obj);
}

static struct json_object *
event(const char *type)
{
	struct json_object *o = json_object_new_object();
	char ts[96];

	iso_now(ts, sizeof(ts));
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	return o;
}

static struct json_object *
stats(long in, long out)
{
	struct json_object *s = json_object_new_object(), *models = json_object_new_object();

	json_object_object_add(s, "total_tokens", json_object_new_int64(in + out));
	json_object_object_add(s, "input_tokens", json_object_new_int64(in));
	json_object_object_add(s, "output_tokens", json_object_new_int64(out));
	json_object_object_add(s, "cached", json_object_new_int64(0));
	json_object_object_add(s, "input", json_object_new_int64(in));
	json_object_object_add(s, "duration_ms", json_object_new_int64(42));
	json_object_object_add(s, "tool_calls", json_object_new_int64(0));
	if (in + out > 0) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "total_tokens", json_object_new_int64(in + out));
		json_object_object_add(m, "input_tokens", json_object_new_int64(in));
		json_object_object_add(m, "output_tokens", json_object_new_int64(out));
		json_object_object_add(m, "cached", json_object_new_int64(0));
		json_object_object_add(m, "input", json_object_new_int64(in));
		json_object_object_add(models, model, m);
	}
	json_object_object_add(s, "models", models);
	return s;
}

static void
emit_init(void)
{
	struct json_object *o;

	if (out_format != OUT_STREAM_JSON)
		return;
	o = event("init");
	json_object_object_add(o, "session_id", json_object_new_string(session_id));
	json_object_object_add(o, "model", json_object_new_string(model));
	emit(o);
}

static void
emit_user(const char *input)
{
	struct json_object *o;

	if (out_format != OUT_STREAM_JSON)
		return;
	o = event("message");
	json_object_object_add(o, "role", json_object_new_string("user"));
	json_object_object_add(o, "content", json_object_new_string(input));
	emit(o);
}

static struct hub_text {
	char *data;
	size_t len;
} json_reply;  /* collected for -o json */

static void
emit_delta(const char *text, size_t len)
{
	struct json_object *o;

	if (out_format == OUT_STREAM_JSON) {
		o = event("message");
		json_object_object_add(o, "role", json_object_new_string("assistant"));
		json_object_object_add(o, "content", json_object_new_string_len(text, (int)len));
		json_object_object_add(o, "delta", json_object_new_boolean(1));
		emit(o);
	} else if (out_format == OUT_JSON) {
		char *n = realloc(json_reply.data, json_reply.len + len + 1);
		if (n == NULL)
			exit(1);
		memcpy(n + json_reply.len, text, len);
		json_reply.data = n;
		json_reply.len += len;
		n[json_reply.len] = '\0';
	} else
		write_all(1, text, len);
}

static void
emit_success(long out_tokens)
{
	struct json_object *o;

	if (out_format == OUT_STREAM_JSON) {
		o = event("result");
		json_object_object_add(o, "status", json_object_new_string("success"));
		json_object_object_add(o, "stats", stats(11, out_tokens));
		emit(o);
	} else if (out_format == OUT_JSON) {
		o = json_object_new_object();
		json_object_object_add(o, "session_id", json_object_new_string(session_id));
		json_object_object_add(o, "response", json_object_new_string(json_reply.data ? json_reply.data : ""));
		json_object_object_add(o, "stats", stats(11, out_tokens));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		fflush(stdout);
		json_object_put(o);
	} else
		write_all(1, "\n", 1);
}

/* An API error as the real CLI reports it; exits with code. */
static void
fail_api(int code, const char *type, const char *message)
{
	struct json_object *o, *e;

	if (out_format == OUT_STREAM_JSON) {
		o = event("result");
		json_object_object_add(o, "status", json_object_new_string("error"));
		e = json_object_new_object();
		json_object_object_add(e, "type", json_object_new_string(type));
		json_object_object_add(e, "message", json_object_new_string(message));
		json_object_object_add(o, "error", e);
		json_object_object_add(o, "stats", stats(0, 0));
		emit(o);
	} else
		fprintf(stderr, "%s\n", message);
	exit(code);
}

/* Wall-clock milliseconds ([[fake:whoami]]). */
static long long
fake_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The directive's value after "[[fake:NAME=" (up to "]]"), or NULL. */
static char *
directive_value(const char *input, const char *name)
{
	char key[64];
	const char *p, *end;
	char *v;

	snprintf(key, sizeof(key), "[[fake:%s=", name);
	if ((p = strstr(input, key)) == NULL)
		return NULL;
	p += strlen(key);
	if ((end = strstr(p, "]]")) == NULL)
		return NULL;
	v = strndup(p, (size_t)(end - p));
	return v;
}

static int
has_directive(const char *input, const char *name)
{
	char key[64];

	snprintf(key, sizeof(key), "[[fake:%s]]", name);
	return strstr(input, key) != NULL;
}

static const char *
home_dir(void)
{
	const char *h = getenv("GEMINI_CLI_HOME");

	if (h == NULL || h[0] == '\0')
		h = getenv("HOME");
	return h;
}

/* mkdir -p for a short path. */
static void
mkdirs(const char *path)
{
	char buf[4096];
	char *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0700);
			*p = '/';
		}
	}
	mkdir(buf, 0700);
}

static void
write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0)
		return;
	write_all(fd, data, strlen(data));
	close(fd);
}

/* The transcript the real CLI keeps under .gemini/tmp/<project>/chats. */
static void
write_transcript(const char *input)
{
	const char *home = home_dir();
	char dir[4096], path[4200];
	struct json_object *o;

	if (home == NULL)
		return;
	snprintf(dir, sizeof(dir), "%s/.gemini/tmp/x/chats", home);
	mkdirs(dir);
	snprintf(path, sizeof(path), "%s/session-%ld-%d.jsonl", dir, (long)time(NULL), (int)getpid());
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("user"));
	json_object_object_add(o, "content", json_object_new_string(input));
	write_file(path, json_object_to_json_string(o), 0600);
	json_object_put(o);
}

/* The error report the real CLI leaves in $TMPDIR on API errors. */
static void
write_error_report(const char *input)
{
	const char *tmp = getenv("TMPDIR");
	char path[4200];
	struct json_object *o;

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	snprintf(path, sizeof(path), "%s/gemini-client-error-Turn.run-sendMessageStream-%ld-%d.json",
	    tmp, (long)time(NULL), (int)getpid());
	o = json_object_new_object();
	json_object_object_add(o, "error", json_object_new_string("fake API error"));
	json_object_object_add(o, "context", json_object_new_string(input));
	write_file(path, json_object_to_json_string(o), 0600);
	json_object_put(o);
}

/* Rewrite oauth_creds.json as a token refresh does: in place, mode 0600. */
static int
refresh_creds(void)
{
	const char *home = home_dir();
	char path[4200], token[64];
	struct json_object *o;
	struct timespec ts;
	int fd;

	if (home == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/.gemini/oauth_creds.json", home);
	if ((o = json_object_from_file(path)) == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(token, sizeof(token), "ya29.refreshed-%d-%ld", (int)getpid(), (long)ts.tv_nsec);
	json_object_object_add(o, "access_token", json_object_new_string(token));
	json_object_object_add(o, "expiry_date",
	    json_object_new_int64((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 3600 * 1000));
	/* like fs.writeFile(path, JSON.stringify(creds, null, 2), {mode: 0o600}) */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		json_object_put(o);
		return -1;
	}
	{
		const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
		size_t n = strlen(s), half = n / 2;
		/* two writes with a pause: a reader in between sees half a file */
		write_all(fd, s, half);
		usleep(20000);
		write_all(fd, s + half, n - half);
	}
	close(fd);
	chmod(path, 0600);
	json_object_put(o);
	return 0;
}

static char *
read_stdin(size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	ssize_t r;

	if (buf == NULL)
		exit(1);
	for (;;) {
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (nb == NULL)
				exit(1);
			buf = nb;
			cap *= 2;
		}
		r = read(0, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
sleep_forever(void)
{
	for (;;)
		pause();
}

/* The reply in a few deltas, with pause_ms between them. */
static void
reply_chunks(const char *text, size_t len, long pause_ms)
{
	size_t step = len / 4 + 1, i;

	for (i = 0; i < len; i += step) {
		if (i > 0 && pause_ms > 0)
			usleep((useconds_t)pause_ms * 1000);
		emit_delta(text + i, len - i < step ? len - i : step);
	}
}

int
main(int argc, char **argv)
{
	const char *prompt = NULL;
	char *stdin_data = NULL, *input, *v;
	size_t stdin_len = 0, input_len;
	int i, have_prompt = 0;
	long long started_ms = fake_wall_ms(), read_ms = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "-m") == 0 || strcmp(a, "--model") == 0) && i + 1 < argc)
			model = argv[++i];
		else if (strncmp(a, "--model=", 8) == 0)
			model = a + 8;
		else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output-format") == 0) && i + 1 < argc)
			a = argv[++i], out_format = strcmp(a, "stream-json") == 0 ? OUT_STREAM_JSON :
			    strcmp(a, "json") == 0 ? OUT_JSON : OUT_TEXT;
		else if (strncmp(a, "--output-format=", 16) == 0)
			out_format = strcmp(a + 16, "stream-json") == 0 ? OUT_STREAM_JSON :
			    strcmp(a + 16, "json") == 0 ? OUT_JSON : OUT_TEXT;
		else if ((strcmp(a, "-p") == 0 || strcmp(a, "--prompt") == 0) && i + 1 < argc)
			prompt = argv[++i], have_prompt = 1;
		else if (strncmp(a, "--prompt=", 9) == 0)
			prompt = a + 9, have_prompt = 1;
		else {
			fprintf(stderr, "Unknown argument: %s\n", a);
			return 1;
		}
	}
	(void)have_prompt;
	if (!isatty(0)) {
		stdin_data = read_stdin(&stdin_len);
		read_ms = fake_wall_ms();
	}
	if (stdin_data != NULL && stdin_len > 0 && prompt != NULL && prompt[0] != '\0') {
		input_len = stdin_len + 2 + strlen(prompt);
		input = malloc(input_len + 1);
		if (input == NULL)
			return 1;
		snprintf(input, input_len + 1, "%s\n\n%s", stdin_data, prompt);
	} else if (stdin_data != NULL && stdin_len > 0)
		input = stdin_data;
	else if (prompt != NULL && prompt[0] != '\0')
		input = strdup(prompt);
	else {
		fprintf(stderr, "No input provided via stdin. Input can be provided by piping data "
		    "into gemini or using the --prompt option.\n");
		return 42;
	}
	input_len = strlen(input);

	if (has_directive(input, "ignore-term"))
		signal(SIGTERM, SIG_IGN);
	write_transcript(input);
	emit_init();
	emit_user(input);

	if ((v = directive_value(input, "exit")) != NULL) {
		int code = atoi(v);
		write_error_report(input);
		switch (code) {
		case 41:
			fprintf(stderr, "Error authenticating: Failed to refresh the access token "
			    "(invalid_grant).\n");
			return 41;
		case 42:
			fprintf(stderr, "No input provided via stdin.\n");
			return 42;
		case 55:
			fprintf(stderr, "Gemini CLI is not running in a trusted directory. To proceed, "
			    "either use `--skip-trust`, set the `GEMINI_CLI_TRUST_WORKSPACE=true` environment "
			    "variable, or trust this directory in interactive mode.\n");
			return 55;
		case 130:
			return 130;
		case 144:
			fail_api(144, "Error", "[API Error: Request contains an invalid argument.]");
			break;
		case 145:
			fail_api(145, "Error", "[API Error: Request had invalid authentication credentials.]");
			break;
		case 147:
			fail_api(147, "Error", "[API Error: The caller does not have permission.]");
			break;
		default:
			fail_api(code, "Error", "[API Error: fake failure]");
		}
		return code;
	}
	if (has_directive(input, "hang") || has_directive(input, "ignore-term"))
		sleep_forever();
	if ((v = directive_value(input, "grandchild")) != NULL) {
		pid_t gc = fork();
		if (gc == 0) {
			/* keeps the terminal and pipes open, like a stray helper */
			sleep_forever();
		}
		if (gc > 0) {
			char pid[32];
			snprintf(pid, sizeof(pid), "%d\n", (int)gc);
			write_file(v, pid, 0600);
		}
		sleep_forever();
	}
	if (has_directive(input, "quota")) {
		fprintf(stderr, "Attempt 1 failed: You have exhausted your capacity on this model. "
		    "Your quota will reset after 13h21m5s.. Retrying after 48065123ms...\n");
		write_error_report(input);
		sleep_forever();
	}
	if (has_directive(input, "backoff")) {
		for (i = 1; i <= 10; i++) {
			fprintf(stderr, "Attempt %d failed with status 429. Retrying with backoff... "
			    "ApiError: {\"error\":{\"code\":429,\"message\":\"Resource has been exhausted "
			    "(e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\"}}\n", i);
			sleep(i < 5 ? 1 << i : 30);
		}
		write_error_report(input);
		fail_api(173, "Error", "[API Error: Resource has been exhausted (e.g. check quota).]");
	}
	if (has_directive(input, "empty")) {
		emit_success(0);
		return 0;
	}
	if (has_directive(input, "error-line")) {
		emit_delta("partial", 7);
		fprintf(stderr, "[ERROR] Invalid stream: The model returned an empty response or "
		    "malformed tool call.\n");
		emit_success(1);
		return 0;
	}
	if (has_directive(input, "refresh")) {
		if (refresh_creds() != 0) {
			fprintf(stderr, "Error authenticating: no credentials to refresh\n");
			return 41;
		}
		emit_delta("refreshed", 9);
		emit_success(1);
		return 0;
	}
	if ((v = directive_value(input, "huge")) != NULL) {
		long long left = atoll(v);
		char block[65536];
		memset(block, 'x', sizeof(block));
		while (left > 0) {
			size_t n = left < (long long)sizeof(block) ? (size_t)left : sizeof(block);
			emit_delta(block, n);
			left -= (long long)n;
		}
		emit_success(1000);
		return 0;
	}
	if (has_directive(input, "escapes")) {
		static const char esc[] = "A\033]0;title\aB\aC\r\nD\033[31mE\033[0m\033]8;;http://x/\033\\F";
		emit_delta(esc, 12);
		emit_delta(esc + 12, sizeof(esc) - 1 - 12);
		emit_success(5);
		return 0;
	}
	if (has_directive(input, "echo")) {
		const char *sys = getenv("GEMINI_SYSTEM_MD");
		emit_delta(input, input_len);
		if (sys != NULL && sys[0] != '\0') {
			FILE *f = fopen(sys, "r");
			char buf[4096];
			size_t n;
			emit_delta("\n[system]\n", 10);
			while (f != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0)
				emit_delta(buf, n);
			if (f != NULL)
				fclose(f);
		}
		emit_success(3);
		return 0;
	}
	if (has_directive(input, "whoami")) {
		char who[4096 + 128];

		snprintf(who, sizeof(who), "pid=%ld started_ms=%lld read_ms=%lld home=%s",
		    (long)getpid(), started_ms, read_ms, getenv("HOME") ? getenv("HOME") : "");
		emit_delta(who, strlen(who));
		emit_success(3);
		return 0;
	}
	if (has_directive(input, "argv")) {
		struct json_object *a = json_object_new_array();
		const char *s;
		for (i = 0; i < argc; i++)
			json_object_array_add(a, json_object_new_string(argv[i]));
		s = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
		emit_delta(s, strlen(s));
		json_object_put(a);
		emit_success(3);
		return 0;
	}
	if (has_directive(input, "env")) {
		const char *names[256];
		size_t n = 0, k;
		char name[256];
		for (k = 0; environ[k] != NULL && n < 256; k++)
			names[n++] = environ[k];
		qsort(names, n, sizeof(names[0]), cmp_str);
		for (k = 0; k < n; k++) {
			const char *eq = strchr(names[k], '=');
			size_t l = eq ? (size_t)(eq - names[k]) : strlen(names[k]);
			if (l >= sizeof(name))
				l = sizeof(name) - 1;
			memcpy(name, names[k], l);
			name[l] = '\n';
			emit_delta(name, l + 1);  /* names only, never values */
		}
		emit_success(3);
		return 0;
	}
	if (has_directive(input, "tty")) {
		char buf[64];
		snprintf(buf, sizeof(buf), "stdin=%d stdout=%d stderr=%d", isatty(0), isatty(1), isatty(2));
		emit_delta(buf, strlen(buf));
		emit_success(3);
		return 0;
	}
	if (has_directive(input, "garbage")) {
		printf("this is not json\n{\"type\":\n");
		fflush(stdout);
	}
	{
		long pause_ms = 0;
		static const char hello[] = "Hello from fake-gemini.";
		if ((v = directive_value(input, "slow")) != NULL)
			pause_ms = atol(v);
		reply_chunks(hello, sizeof(hello) - 1, pause_ms);
		emit_success(5);
	}
	if (has_directive(input, "linger")) {
		/* a CLI slow to exit after its result line, deaf to SIGTERM */
		signal(SIGTERM, SIG_IGN);
		sleep_forever();
	}
	return 0;
}
