/*
 * hub_log.h - one JSON line per event on stderr.
 *
 * Messages must never contain secrets or prompt text; callers pass
 * identifiers and error kinds, not request bodies.
 */
#ifndef HUB_LOG_H
#define HUB_LOG_H

enum hub_log_level { HUB_LOG_DEBUG, HUB_LOG_INFO, HUB_LOG_WARN, HUB_LOG_ERROR };

/* Set the lowest level written, from "debug", "info", "warn" or "error". */
void hub_log_set_level(const char *name);

/* Write {"time":...,"level":...,"component":...,"msg":...} to stderr. */
void hub_log(enum hub_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write a prepared JSON object (one line, no newline) to the log. */
void hub_log_json_line(const char *json);

#endif
