/*
 * main.c - hub-mcp: the hub as an MCP server on stdio, for desktop clients
 * (Claude Desktop, Cursor) that start MCP servers as local programs.
 *
 *   hub-mcp               serve newline-delimited JSON-RPC on stdin/stdout
 *   hub-mcp --check-config
 *   hub-mcp --version
 *
 * Configured by the same environment variables (and HUB_CONFIG file) as the
 * hub; calls the session and provider code directly. stdout carries MCP
 * messages and nothing else, one compact JSON text per line; logs go to
 * stderr. The main thread reads stdin; each tools/call runs on its own
 * thread so that ping and notifications/cancelled are answered while a
 * provider works. On stdin EOF every call in flight is cancelled (its
 * provider child stopped) and the process exits.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alert.h"
#include "common/hub_config.h"
#include "core/startup.h"
#include "common/hub_error.h"
#include "common/hub_lines.h"
#include "common/hub_limits.h"
#include "common/hub_log.h"
#include "mcp.h"
#include "providers/jail.h"
#include "providers/registry.h"
#include "providers/workdir.h"
#include "session/redis.h"

/* Tool calls running at once; more run on the reader thread. */
#define MAIN_MAX_CALLS 16
#define MAIN_READ_CHUNK 65536

static pthread_mutex_t main_out_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t main_calls_lock = PTHREAD_MUTEX_INITIALIZER;
static int main_calls;
static volatile int main_out_broken;

/* The send hook: one message, one line, under the lock. */
static void
main_send(void *arg, const char *json, size_t len)
{
	(void)arg;
	pthread_mutex_lock(&main_out_lock);
	if (!main_out_broken) {
		if (fwrite(json, 1, len, stdout) != len || fputc('\n', stdout) == EOF ||
		    fflush(stdout) != 0)
			main_out_broken = 1;
	}
	pthread_mutex_unlock(&main_out_lock);
}

struct main_job {
	void (*job)(void *);
	void *arg;
};

static void *
main_job_thread(void *p)
{
	struct main_job j = *(struct main_job *)p;

	free(p);
	registry_refresh();
	j.job(j.arg);
	redis_disconnect();
	pthread_mutex_lock(&main_calls_lock);
	main_calls--;
	pthread_mutex_unlock(&main_calls_lock);
	return NULL;
}

/* The spawn hook: a detached thread per tools/call, up to MAIN_MAX_CALLS. */
static int
main_spawn(void *arg, void (*job)(void *), void *job_arg)
{
	pthread_attr_t attr;
	pthread_t tid;
	struct main_job *j;
	int rc;

	(void)arg;
	pthread_mutex_lock(&main_calls_lock);
	if (main_calls >= MAIN_MAX_CALLS) {
		pthread_mutex_unlock(&main_calls_lock);
		return -1;
	}
	main_calls++;
	pthread_mutex_unlock(&main_calls_lock);
	if ((j = malloc(sizeof(*j))) == NULL)
		goto fail;
	j->job = job;
	j->arg = job_arg;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, main_job_thread, j);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return 0;
	free(j);
fail:
	pthread_mutex_lock(&main_calls_lock);
	main_calls--;
	pthread_mutex_unlock(&main_calls_lock);
	return -1;
}

/* Hand one complete line (without its newline) to the dispatcher. */
static int
main_line(void *arg, const char *line, size_t len)
{
	struct mcp_server *s = arg;
	size_t i;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			break;
	if (i == len)
		return HUB_OK; /* blank lines carry nothing */
	registry_refresh();  /* providers edited in HUB_CONFIG apply without a restart */
	if (mcp_handle(s, line, len) != HUB_OK)
		mcp_send_error(s, MCP_INTERNAL_ERROR, "out of memory");
	return HUB_OK;
}

/* A line passed HUB_MAX_MCP_LINE_BYTES: answered at once with an error;
 * the rest of it is skipped up to its newline. */
static int
main_overlong(void *arg, const char *line, size_t len)
{
	char msg[160];

	(void)line;
	(void)len;
	snprintf(msg, sizeof(msg), "Parse error: message longer than the limit of %u bytes",
	    (unsigned)HUB_MAX_MCP_LINE_BYTES);
	mcp_send_error(arg, MCP_PARSE_ERROR, msg);
	hub_log(HUB_LOG_WARN, "mcp", "skipped an over-long line");
	return HUB_OK;
}

/*
 * Read newline-delimited messages until EOF. A line longer than
 * HUB_MAX_MCP_LINE_BYTES is skipped up to its newline and answered with an
 * error; the server goes on.
 */
static void
main_serve(struct mcp_server *s)
{
	static char chunk[MAIN_READ_CHUNK];
	struct hub_lines lines;
	ssize_t n;

	hub_lines_init(&lines, HUB_MAX_MCP_LINE_BYTES, main_line, main_overlong, s);
	for (;;) {
		n = read(STDIN_FILENO, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || main_out_broken)
			break;
		if (hub_lines_feed(&lines, chunk, (size_t)n) != HUB_OK)
			hub_log(HUB_LOG_WARN, "mcp", "out of memory: input lost");
	}
	/* a last line without its newline still counts */
	if (!main_out_broken)
		(void)hub_lines_finish(&lines);
	hub_lines_free(&lines);
}

int
main(int argc, char **argv)
{
	static struct hub_config cfg;
	struct mcp_server *s;
	struct mcp_hooks hooks;
	char err[512], why[512];
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("hub-mcp %s\n", HUB_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--check-config") != 0) {
			fprintf(stderr, "usage: hub-mcp [--check-config | --version]\n");
			return 2;
		}
	}
	if (startup_config_load(&cfg, err, sizeof(err)) != HUB_OK) {
		fprintf(stderr, "hub-mcp: configuration error: %s\n", err);
		return 1;
	}
	hub_cfg = &cfg;
	hub_log_set_level(cfg.log_level);
	if (argc > 1) {
		fprintf(stderr, "hub-mcp: configuration ok\n");
		hub_config_free(&cfg);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (cfg.run_dir_set && workdir_check_base(cfg.run_dir, why, sizeof(why)) != 0) {
		fprintf(stderr, "hub-mcp: HUB_RUN_DIR: %s\n", why);
		return 1;
	}
	if (jail_init(cfg.jail, cfg.run_dir) != HUB_OK) {
		fprintf(stderr, "hub-mcp: HUB_JAIL=%s: %s\n", cfg.jail, jail_status());
		return 1;
	}
	if (registry_init() != HUB_OK) {
		fprintf(stderr, "hub-mcp: cannot build the provider table\n");
		return 1;
	}
	memset(&hooks, 0, sizeof(hooks));
	hooks.send = main_send;
	hooks.spawn = main_spawn;
	if ((s = mcp_server_new("", &hooks)) == NULL) {
		fprintf(stderr, "hub-mcp: out of memory\n");
		return 1;
	}
	hub_log(HUB_LOG_INFO, "mcp", "serving MCP on stdio");
	main_serve(s);
	mcp_cancel_all(s);
	if (mcp_wait_idle(s, cfg.kill_grace_ms + 2000) != HUB_OK) {
		/* a call still runs: exit anyway; its child got the stop signal */
		hub_log(HUB_LOG_WARN, "mcp", "exiting with a tool call still stopping");
		fflush(stdout);
		_exit(0);
	}
	mcp_server_free(s);
	(void)alert_flush(2000);  /* deliver a queued token alert before leaving */
	redis_disconnect();
	registry_free();
	hub_config_free(&cfg);
	return 0;
}
