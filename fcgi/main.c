/*
 * main.c - the FastCGI responder: a supervisor, worker processes, threads.
 *
 * Started by spawn-fcgi with the listening socket on fd 0:
 *
 *   hub-fcgi [--workers N] [--threads N] [--stack-kb N]
 *   hub-fcgi --check-config      validate the configuration and exit
 *
 * The supervisor forks N worker processes and starts a new one whenever one
 * dies; each worker accepts requests on N threads. SIGTERM or SIGINT to the
 * supervisor stops the workers and exits. The chat pool, the quick pool and
 * the stream pool (long-lived GET /sse streams: many threads with small
 * stacks, --stack-kb) are three instances of this program on three sockets
 * (see lighttpd/). At start the open-files limit is raised to its hard
 * limit: a stream pool worker holds two descriptors per open stream.
 */
#include "config.h"

#include <errno.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/client_keys.h"
#include "common/hub_config.h"
#include "core/startup.h"
#include "common/hub_error.h"
#include "common/hub_log.h"
#include "endpoints.h"
#include "guard.h"
#include "http.h"
#include "providers/child.h"
#include "providers/jail.h"
#include "providers/registry.h"
#include "providers/workdir.h"
#include "router.h"
#include "session/ratelimit.h"
#include "session/redis.h"

#define MAIN_MAX_WORKERS 64
#define MAIN_MAX_THREADS 4096
/* Thread stack sizes --stack-kb accepts (0: the system default). */
#define MAIN_MIN_STACK_KB 64
#define MAIN_MAX_STACK_KB 65536

static const struct route main_routes[] = {
	{ "GET", "/health", ep_health },
	{ "GET", "/health/tokens", ep_health_tokens },
	{ "GET", "/v1/providers", ep_providers },
	{ "GET", "/v1/models", ep_models },
	{ "POST", "/v1/chat/completions", ep_chat_completions },
	{ "POST", "/v1/responses", ep_responses_create },
	{ "GET", "/v1/responses/{id}", ep_responses_get },
	{ "DELETE", "/v1/responses/{id}", ep_responses_delete },
	{ "POST", "/v1/messages", ep_messages_create },
	{ "POST", "/v1/messages/count_tokens", ep_messages_count_tokens },
	{ "GET", "/v1/sessions", ep_sessions_list },
	{ "GET", "/v1/sessions/{id}", ep_session_get },
	{ "DELETE", "/v1/sessions/{id}", ep_session_delete },
	{ "GET", "/v1/sessions/{id}/memory", ep_session_memory },
	{ "GET", "/metrics", ep_metrics },
	{ "POST", "/mcp", ep_mcp_post },
	{ "GET", "/mcp", ep_mcp_get },
	{ "DELETE", "/mcp", ep_mcp_delete },
	{ "GET", "/sse", ep_mcp_sse },
	{ "POST", "/messages", ep_mcp_messages },
};

static pthread_mutex_t main_accept_lock = PTHREAD_MUTEX_INITIALIZER;

/* The client keys (hashes only), loaded once before the workers fork. */
static struct client_keys main_keys;

/* Answer an error the web server produced itself (server.error-handler). */
static int
main_web_server_error(struct http_request *req)
{
	const char *rs = http_param(req, "REDIRECT_STATUS");
	int status;
	char msg[160];

	if (rs == NULL || (status = atoi(rs)) < 400 || status > 599)
		return 0;
	if (status == 413) {
		snprintf(msg, sizeof(msg), "request body larger than the limit of %ld bytes",
		    hub_cfg->max_body_bytes);
		http_send_error(req, HUB_ERR_TOO_LARGE, 413, msg, NULL, NULL);
	} else if (status == 404) {
		http_send_error(req, HUB_ERR_NOT_FOUND, 404, "no such endpoint", NULL, NULL);
	} else if (status < 500) {
		snprintf(msg, sizeof(msg), "the web server refused the request (HTTP %d)", status);
		http_send_error(req, HUB_ERR_INVALID, status, msg, NULL, NULL);
	} else {
		snprintf(msg, sizeof(msg), "the hub's responders are unavailable (HTTP %d)", status);
		http_send_error(req, HUB_ERR_SYSTEM, status, msg, NULL, NULL);
	}
	return 1;
}

/*
 * The client key of req: Authorization: Bearer <key>, else x-api-key: <key>
 * (as Anthropic's clients send it). 0 with token[0..len) pointing into the
 * header, or HUB_ERR_UNAUTHORIZED when neither holds one.
 */
static int
main_client_token(struct http_request *req, const char **token, size_t *len)
{
	const char *k = http_param(req, "HTTP_X_API_KEY");
	size_t n;

	if (client_keys_bearer(http_param(req, "HTTP_AUTHORIZATION"), token, len) == HUB_OK)
		return HUB_OK;
	if (k == NULL)
		return HUB_ERR_UNAUTHORIZED;
	k += strspn(k, " \t");
	for (n = strlen(k); n > 0 && (k[n - 1] == ' ' || k[n - 1] == '\t'); n--)
		;
	if (n == 0)
		return HUB_ERR_UNAUTHORIZED;
	*token = k;
	*len = n;
	return HUB_OK;
}

/*
 * Client authentication (Authorization: Bearer <key>, or x-api-key) and the per-key rate
 * limit, for every path but an open /health. Answers 401 or 429 itself and
 * returns 0; returns 1 with req->key_id set (NULL when no keys are
 * configured) when the request may go on. An open /health still notes a
 * valid key (it then shows the CLIs' paths) but never refuses a bad one.
 */
static int
main_admit_or_reply(struct http_request *req)
{
	const struct client_key *key;
	const char *token;
	char extra[64];
	size_t len;
	long retry_s;
	int rc;

	if (strcmp(req->path, "/health") == 0 && strcmp(hub_cfg->auth_health, "open") == 0) {
		if (main_keys.n > 0 && main_client_token(req, &token, &len) == HUB_OK &&
		    (key = client_keys_match(&main_keys, token, len)) != NULL) {
			req->key_id = key->id;
			req->key_name = key->name;
		}
		return 1;
	}
	if (main_keys.n > 0) {
		if (main_client_token(req, &token, &len) != HUB_OK) {
			http_send_error(req, HUB_ERR_UNAUTHORIZED, 401,
			    "missing client key: send the header Authorization: Bearer <key> "
			    "(or x-api-key: <key>)", NULL,
			    "WWW-Authenticate: Bearer realm=\"llm-mcp-hub\"\r\n");
			return 0;
		}
		if ((key = client_keys_match(&main_keys, token, len)) == NULL) {
			http_send_error(req, HUB_ERR_UNAUTHORIZED, 401, "invalid client key", NULL,
			    "WWW-Authenticate: Bearer realm=\"llm-mcp-hub\", error=\"invalid_token\"\r\n");
			return 0;
		}
		req->key_id = key->id;
		req->key_name = key->name;
	}
	if (hub_cfg->rate_limit_per_minute > 0) {
		rc = ratelimit_hit(req->key_id, hub_cfg->rate_limit_per_minute, &retry_s);
		if (rc == HUB_ERR_RATE_LIMIT) {
			snprintf(extra, sizeof(extra), "Retry-After: %ld\r\n", retry_s);
			http_send_error(req, HUB_ERR_RATE_LIMIT, 429,
			    "too many requests for this client key (HUB_RATE_LIMIT_PER_MINUTE); retry later",
			    NULL, extra);
			req->log_error = "client_rate_limited";
			return 0;
		}
		/* Redis down: let the request through; it reports the store itself */
	}
	return 1;
}

/* Route one request and run its handler. */
static void
main_dispatch(struct http_request *req)
{
	struct route_match m;
	char allow[160], msg[1200];
	size_t i;
	int rc;

	/* Host and Origin first, for every path (docs/SECURITY.md) */
	if (!guard_request_or_reply(req))
		return;
	if (main_web_server_error(req))
		return;
	rc = router_match(main_routes, sizeof(main_routes) / sizeof(main_routes[0]),
	    req->method, req->path, &m);
	/* a CORS preflight carries no credentials: answered before auth */
	if (strcmp(req->method, "OPTIONS") == 0 && rc == HUB_ERR_METHOD) {
		http_drain_body(req);
		guard_options_reply(req, m.allow);
		return;
	}
	if (!main_admit_or_reply(req))
		return;
	if (rc == HUB_ERR_NOT_FOUND) {
		snprintf(msg, sizeof(msg), "no such endpoint: %.1000s", req->path);
		http_send_error(req, HUB_ERR_NOT_FOUND, 404, msg, NULL, NULL);
		return;
	}
	if (rc == HUB_ERR_METHOD) {
		snprintf(allow, sizeof(allow), "Allow: %s\r\n", m.allow);
		snprintf(msg, sizeof(msg), "method %.16s not allowed on %.1000s (allowed: %s)",
		    req->method, req->path, m.allow);
		http_send_error(req, HUB_ERR_METHOD, 405, msg, NULL, allow);
		return;
	}
	/* Handlers of bodyless methods may watch the connection at once; every
	 * route with a body takes JSON. */
	if (strcmp(req->method, "POST") != 0 && strcmp(req->method, "PUT") != 0 &&
	    strcmp(req->method, "PATCH") != 0)
		http_drain_body(req);
	else if (!guard_content_type_or_reply(req))
		return;
	for (i = 0; i < m.n_params && i < HTTP_MAX_PARAMS; i++) {
		memcpy(req->param_buf[i], m.params[i], sizeof(req->param_buf[i]));
		req->params[i] = req->param_buf[i];
	}
	m.route->handler(req);
}

/* One accepting thread of a worker. */
static void *
main_thread(void *arg)
{
	FCGX_Request fcgx;
	struct http_request req;
	int rc;

	(void)arg;
	if (FCGX_InitRequest(&fcgx, 0, 0) != 0)
		return NULL;
	for (;;) {
		pthread_mutex_lock(&main_accept_lock);
		rc = FCGX_Accept_r(&fcgx);
		pthread_mutex_unlock(&main_accept_lock);
		if (rc < 0)
			break;
		http_request_init(&req, &fcgx);
		registry_refresh();  /* reload providers if HUB_CONFIG changed; pin this thread */
		main_dispatch(&req);
		http_request_end(&req);  /* the answer out first (if the handler did not) */
		http_request_finish(&req);
	}
	return NULL;
}

/* SIGTERM or SIGINT to a worker: the process groups of its CLI children
 * (running, warm, being reaped) go with it. */
static void
main_worker_on_signal(int sig)
{
	(void)sig;
	child_kill_all();
	_exit(0);
}

/* A worker process: threads accepting on fd 0 until killed. */
static void
main_worker(int threads, int stack_kb)
{
	pthread_attr_t attr;
	pthread_t *tids;
	sigset_t none;
	int i;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, main_worker_on_signal);
	signal(SIGINT, main_worker_on_signal);
	signal(SIGCHLD, SIG_DFL);
	if (registry_init() != HUB_OK) {
		hub_log(HUB_LOG_ERROR, "fcgi", "cannot build the provider table");
		_exit(1);
	}
	if ((tids = calloc((size_t)threads, sizeof(*tids))) == NULL)
		_exit(1);
	pthread_attr_init(&attr);
	if (stack_kb > 0 && pthread_attr_setstacksize(&attr, (size_t)stack_kb * 1024) != 0) {
		hub_log(HUB_LOG_ERROR, "fcgi", "cannot use a thread stack of %d KiB", stack_kb);
		_exit(1);
	}
	for (i = 1; i < threads; i++) {
		if (pthread_create(&tids[i], &attr, main_thread, NULL) != 0) {
			hub_log(HUB_LOG_ERROR, "fcgi", "cannot start thread %d", i);
			_exit(1);
		}
	}
	pthread_attr_destroy(&attr);
	main_thread(NULL);
	_exit(0);
}

static volatile sig_atomic_t main_stop;

static void
main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

/* SIGALRM: only interrupts the supervisor's wait, for the sweep. */
static void
main_on_alarm(int sig)
{
	(void)sig;
}

/* Remove the work directories of dead runs: in HUB_RUN_DIR, and in
 * HUB_STATE_DIR when that is another (runs made before it was set). */
static void
main_sweep_bases(int *removed)
{
	int n = 0;

	(void)workdir_sweep(hub_cfg->run_dir, removed);
	if (strcmp(hub_cfg->run_dir, hub_cfg->state_dir) != 0) {
		(void)workdir_sweep(hub_cfg->state_dir, &n);
		if (removed != NULL)
			*removed += n;
	}
}

/* Remove the work directories (transcripts) of CLIs whose responder died. */
static void
main_sweep_workdirs(void)
{
	int removed = 0;

	main_sweep_bases(&removed);
	if (removed > 0)
		hub_log(HUB_LOG_INFO, "fcgi", "removed %d work director%s left by dead responders",
		    removed, removed == 1 ? "y" : "ies");
	alarm((unsigned)hub_cfg->workdir_sweep_s);
}

/* Fork one worker; returns its pid or -1. A worker ends with its
 * supervisor: one that outlived it would hold the old socket and serve
 * nobody while a restarted pool takes over. */
static pid_t
main_spawn_worker(int threads, int stack_kb)
{
	pid_t parent = getpid(), pid = fork();

	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
			_exit(1);
		main_worker(threads, stack_kb);
	}
	return pid;
}

/* 1 when the listening address HUB_BIND is a loopback one. */
static int
main_bind_loopback(const char *bind)
{
	return strncmp(bind, "127.", 4) == 0 || strcmp(bind, "::1") == 0 ||
	    strcmp(bind, "[::1]") == 0 || strcmp(bind, "localhost") == 0;
}

/* Raise the soft open-files limit to the hard one (streams need many). */
static void
main_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The number after flag, from 1 to max; exits 2 with a message otherwise. */
static int
main_parse_count(const char *flag, const char *value, int max)
{
	char *end;
	long n;

	n = value ? strtol(value, &end, 10) : 0;
	if (value == NULL || *end != '\0' || n < 1 || n > max) {
		fprintf(stderr, "hub-fcgi: %s expects a number from 1 to %d\n", flag, max);
		exit(2);
	}
	return (int)n;
}

/* The command line. */
struct main_options {
	int workers, threads, stack_kb;
	int check_only, count_keys;
};

/*
 * Read the command line into *opt. Returns -1 when the program goes on,
 * else the status to exit with (0 after --version, 2 after a usage error,
 * which it has printed).
 */
static int
main_parse_args(int argc, char **argv, struct main_options *opt)
{
	int i;

	memset(opt, 0, sizeof(*opt));
	opt->workers = 1;
	opt->threads = 8;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc)
			opt->workers = main_parse_count("--workers", argv[++i], MAIN_MAX_WORKERS);
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			opt->threads = main_parse_count("--threads", argv[++i], MAIN_MAX_THREADS);
		else if (strcmp(argv[i], "--stack-kb") == 0 && i + 1 < argc) {
			opt->stack_kb = main_parse_count("--stack-kb", argv[++i], MAIN_MAX_STACK_KB);
			if (opt->stack_kb < MAIN_MIN_STACK_KB) {
				fprintf(stderr, "hub-fcgi: --stack-kb expects at least %d\n", MAIN_MIN_STACK_KB);
				return 2;
			}
		} else if (strcmp(argv[i], "--check-config") == 0)
			opt->check_only = 1;
		else if (strcmp(argv[i], "--count-client-keys") == 0)
			opt->count_keys = 1;
		else if (strcmp(argv[i], "--version") == 0) {
			printf("hub-fcgi %s\n", HUB_VERSION);
			return 0;
		} else {
			fprintf(stderr, "usage: hub-fcgi [--workers N] [--threads N] [--stack-kb N] [--check-config] [--count-client-keys]\n");
			return 2;
		}
	}
	return -1;
}

/*
 * Load the configuration into *cfg, make it hub_cfg, and load the client
 * keys into main_keys. 0, or -1 after printing the error (cfg then holds
 * nothing to free).
 */
static int
main_config_load(struct hub_config *cfg)
{
	char err[512];

	if (startup_config_load(cfg, err, sizeof(err)) != HUB_OK) {
		fprintf(stderr, "hub-fcgi: configuration error: %s\n", err);
		return -1;
	}
	hub_cfg = cfg;
	hub_log_set_level(cfg->log_level);
	if (client_keys_load(&main_keys, cfg->api_keys, cfg->api_keys_file, err, sizeof(err)) != HUB_OK) {
		fprintf(stderr, "hub-fcgi: configuration error: %s\n", err);
		hub_config_free(cfg);
		return -1;
	}
	return 0;
}

/* --count-client-keys: the number of keys on stdout; --check-config: the
 * verdict on stderr, with a warning for a public bind without HUB_ALLOWED_HOSTS. */
static void
main_config_report(const struct hub_config *cfg, int count_keys)
{
	if (count_keys) {
		printf("%zu\n", main_keys.n);
		return;
	}
	fprintf(stderr, "hub-fcgi: configuration ok (%zu client key(s)%s)\n", main_keys.n,
	    main_keys.n == 0 ? ": client authentication is off" : "");
	if (!main_bind_loopback(cfg->bind) && cfg->allowed_hosts == NULL)
		fprintf(stderr, "hub-fcgi: warning: HUB_BIND=%s is not a loopback address but "
		    "HUB_ALLOWED_HOSTS is unset: requests whose Host is not localhost, 127.0.0.1 "
		    "or [::1] get 403; set HUB_ALLOWED_HOSTS to the names clients use "
		    "(docs/CONFIGURATION.md)\n", cfg->bind);
}

/*
 * What the serving supervisor sets up once, before the workers fork from
 * it: SIGPIPE ignored, the open-files limit, FastCGI on fd 0, the jail.
 * 0, or the status to exit with after printing why.
 */
static int
main_serve_init(const struct hub_config *cfg)
{
	char why[512];

	signal(SIGPIPE, SIG_IGN);
	main_raise_fd_limit();
	if (FCGX_Init() != 0) {
		fprintf(stderr, "hub-fcgi: FCGX_Init failed\n");
		return 1;
	}
	if (FCGX_IsCGI()) {
		fprintf(stderr, "hub-fcgi: fd 0 is not a FastCGI socket; start me with spawn-fcgi\n");
		return 2;
	}
	if (cfg->run_dir_set && workdir_check_base(cfg->run_dir, why, sizeof(why)) != 0) {
		fprintf(stderr, "hub-fcgi: HUB_RUN_DIR: %s\n", why);
		return 1;
	}
	if (jail_init(cfg->jail, cfg->run_dir) != HUB_OK) {
		fprintf(stderr, "hub-fcgi: HUB_JAIL=%s: %s\n", cfg->jail, jail_status());
		return 1;
	}
	return 0;
}

/* The supervisor's worker processes and how to start one. */
struct main_pool {
	pid_t pids[MAIN_MAX_WORKERS];
	int workers, threads, stack_kb;
	sigset_t block;  /* SIGTERM, SIGINT and SIGCHLD: blocked around each fork */
};

/* The supervisor's handlers: SIGTERM and SIGINT stop it, SIGALRM (no
 * SA_RESTART: the wait returns EINTR) wakes it for the sweep. */
static void
main_signals_install(struct main_pool *pool)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&pool->block);
	sigaddset(&pool->block, SIGTERM);
	sigaddset(&pool->block, SIGINT);
	sigaddset(&pool->block, SIGCHLD);
	sa.sa_handler = main_on_alarm;
	sigaction(SIGALRM, &sa, NULL);
}

/* Start the worker in slot i, with pool->block blocked across the fork. */
static void
main_pool_spawn(struct main_pool *pool, int i)
{
	sigset_t old;

	sigprocmask(SIG_BLOCK, &pool->block, &old);
	pool->pids[i] = main_spawn_worker(pool->threads, pool->stack_kb);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Start every worker. */
static void
main_pool_start(struct main_pool *pool)
{
	sigset_t old;
	int i;

	sigprocmask(SIG_BLOCK, &pool->block, &old);
	for (i = 0; i < pool->workers; i++)
		pool->pids[i] = main_spawn_worker(pool->threads, pool->stack_kb);
	hub_log(HUB_LOG_INFO, "fcgi", "started %d worker(s) with %d thread(s) each%s", pool->workers,
	    pool->threads, pool->stack_kb > 0 ? " (small stacks)" : "");
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Until SIGTERM or SIGINT: start a new worker for each that ends, and
 * sweep the work directories at each SIGALRM. */
static void
main_pool_supervise(struct main_pool *pool)
{
	pid_t pid;
	int i, status;

	while (!main_stop) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR) {
				if (!main_stop)
					main_sweep_workdirs();
				continue;
			}
			break;
		}
		for (i = 0; i < pool->workers; i++) {
			if (pool->pids[i] != pid || main_stop)
				continue;
			hub_log(HUB_LOG_WARN, "fcgi", "worker %d ended (status %d); starting a new one",
			    (int)pid, status);
			usleep(100000);
			main_pool_spawn(pool, i);
		}
	}
}

/* SIGTERM to every worker, then reap them all. */
static void
main_pool_stop(struct main_pool *pool)
{
	int i, status;

	for (i = 0; i < pool->workers; i++)
		if (pool->pids[i] > 0)
			kill(pool->pids[i], SIGTERM);
	for (i = 0; i < pool->workers; i++)
		if (pool->pids[i] > 0)
			waitpid(pool->pids[i], &status, 0);
}

int
main(int argc, char **argv)
{
	static struct hub_config cfg;
	static struct main_pool pool;
	struct main_options opt;
	int rc;

	if ((rc = main_parse_args(argc, argv, &opt)) >= 0)
		return rc;
	if (main_config_load(&cfg) != 0)
		return 1;
	if (opt.check_only || opt.count_keys) {
		main_config_report(&cfg, opt.count_keys);
		client_keys_free(&main_keys);
		hub_config_free(&cfg);
		return 0;
	}
	if ((rc = main_serve_init(&cfg)) != 0)
		return rc;
	pool.workers = opt.workers;
	pool.threads = opt.threads;
	pool.stack_kb = opt.stack_kb;
	main_signals_install(&pool);
	main_sweep_workdirs();
	main_pool_start(&pool);
	main_pool_supervise(&pool);
	main_pool_stop(&pool);
	alarm(0);
	/* what the workers left (their spare run directories: a worker ends
	 * with _exit() at SIGTERM) */
	main_sweep_bases(NULL);
	redis_disconnect();
	client_keys_free(&main_keys);
	hub_config_free(&cfg);
	return 0;
}
