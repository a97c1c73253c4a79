/*
 * cli_info.c - locate a provider CLI and cache its version.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "child.h"
#include "cli_info.h"
#include "common/hub_buf.h"
#include "common/hub_config.h"
#include "common/hub_error.h"
#include "workdir.h"

#define CLI_INFO_SLOTS 16

struct cli_info_cache {
	char path[1024];
	struct timespec mtime;
	char version[128];
};

static struct cli_info_cache cli_info_cache[CLI_INFO_SLOTS];
static pthread_mutex_t cli_info_lock = PTHREAD_MUTEX_INITIALIZER;

static int
cli_info_collect(void *arg, const char *data, size_t len)
{
	return hub_buf_append(arg, data, len) == HUB_OK ? 0 : -1;
}

/* Run "path --version" and keep the first non-empty line. */
static void
cli_info_run_version(const char *path, char *out, size_t outlen)
{
	char dir[1024], home[1100], tmp[1100], envpath[] = "PATH=/usr/local/bin:/usr/bin:/bin";
	char envhome[1200], envtmp[1200], envnoclr[] = "NO_COLOR=1";
	char *argv[] = { (char *)path, (char *)"--version", NULL };
	char *envp[6];
	struct child_spec spec;
	struct child_result res;
	struct hub_buf buf;
	const char *base = hub_cfg->run_dir;
	char *line, *nl;

	out[0] = '\0';
	if (workdir_create(base, "version-", dir, sizeof(dir)) != HUB_OK)
		return;
	snprintf(home, sizeof(home), "%s", dir);
	snprintf(tmp, sizeof(tmp), "%s", dir);
	snprintf(envhome, sizeof(envhome), "HOME=%s", home);
	snprintf(envtmp, sizeof(envtmp), "TMPDIR=%s", tmp);
	envp[0] = envpath;
	envp[1] = envhome;
	envp[2] = envtmp;
	envp[3] = envnoclr;
	envp[4] = NULL;
	hub_buf_init(&buf, 4096);
	memset(&spec, 0, sizeof(spec));
	spec.path = path;
	spec.argv = argv;
	spec.envp = envp;
	spec.cwd = dir;
	spec.jail_dir = dir;
	spec.timeout_ms = 20000;
	spec.kill_grace_ms = 500;
	spec.max_stdout_bytes = 4096;
	spec.watch_fd = -1;
	spec.on_stdout = cli_info_collect;
	spec.arg = &buf;
	if (child_run(&spec, &res) == HUB_OK && res.exited && res.exit_code == 0 && buf.data != NULL) {
		line = buf.data;
		while (*line == '\n' || *line == '\r' || *line == ' ')
			line++;
		if ((nl = strpbrk(line, "\r\n")) != NULL)
			*nl = '\0';
		snprintf(out, outlen, "%s", line);
	}
	child_result_free(&res);
	hub_buf_free(&buf);
	workdir_remove(dir);
}

int
cli_info_get(const struct provider *p, int with_version, struct cli_info *out)
{
	struct stat st;
	char *path;
	int i, slot = -1;

	memset(out, 0, sizeof(*out));
	if ((path = hub_config_find_executable(p->cli)) == NULL)
		return HUB_OK;
	out->found = 1;
	snprintf(out->path, sizeof(out->path), "%s", path);
	free(path);
	if (!with_version || stat(out->path, &st) != 0)
		return HUB_OK;
	pthread_mutex_lock(&cli_info_lock);
	for (i = 0; i < CLI_INFO_SLOTS; i++) {
		if (strcmp(cli_info_cache[i].path, out->path) == 0) {
			slot = i;
			break;
		}
		if (slot < 0 && cli_info_cache[i].path[0] == '\0')
			slot = i;
	}
	if (slot >= 0 && strcmp(cli_info_cache[slot].path, out->path) == 0 &&
	    cli_info_cache[slot].mtime.tv_sec == st.st_mtim.tv_sec &&
	    cli_info_cache[slot].mtime.tv_nsec == st.st_mtim.tv_nsec) {
		snprintf(out->version, sizeof(out->version), "%s", cli_info_cache[slot].version);
		pthread_mutex_unlock(&cli_info_lock);
		return HUB_OK;
	}
	pthread_mutex_unlock(&cli_info_lock);

	cli_info_run_version(out->path, out->version, sizeof(out->version));

	pthread_mutex_lock(&cli_info_lock);
	if (slot < 0)
		slot = 0;
	snprintf(cli_info_cache[slot].path, sizeof(cli_info_cache[slot].path), "%s", out->path);
	cli_info_cache[slot].mtime = st.st_mtim;
	snprintf(cli_info_cache[slot].version, sizeof(cli_info_cache[slot].version), "%s", out->version);
	pthread_mutex_unlock(&cli_info_lock);
	return HUB_OK;
}
