/*
 * hub_log.c - JSON log lines on stderr.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hub_log.h"
#include "hub_time.h"

static enum hub_log_level hub_log_min = HUB_LOG_INFO;

static const char *const hub_log_names[] = { "debug", "info", "warn", "error" };

void
hub_log_set_level(const char *name)
{
	int i;

	for (i = 0; i < 4; i++)
		if (name != NULL && strcmp(name, hub_log_names[i]) == 0)
			hub_log_min = (enum hub_log_level)i;
}

void
hub_log_json_line(const char *json)
{
	size_t n = strlen(json);
	char line[8192];

	/* one write() per line so that lines from threads never interleave */
	if (n + 1 < sizeof(line)) {
		memcpy(line, json, n);
		line[n] = '\n';
		(void)!write(STDERR_FILENO, line, n + 1);
	} else {
		fprintf(stderr, "%s\n", json);
	}
}

void
hub_log(enum hub_log_level level, const char *component, const char *fmt, ...)
{
	char msg[1024], ts[32];
	struct json_object *o;
	va_list ap;

	if (level < hub_log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_object_new_object();
	if (o == NULL)
		return;
	json_object_object_add(o, "time", json_object_new_string(hub_time_iso8601(hub_time_wall_ms(), ts, sizeof(ts))));
	json_object_object_add(o, "level", json_object_new_string(hub_log_names[level]));
	json_object_object_add(o, "component", json_object_new_string(component));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	hub_log_json_line(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
