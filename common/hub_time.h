/*
 * hub_time.h - clocks and timestamps.
 */
#ifndef HUB_TIME_H
#define HUB_TIME_H

#include <stddef.h>
#include <time.h>

/* Milliseconds on the monotonic clock (for deadlines and durations). */
long long hub_time_mono_ms(void);

/* The wall-clock moment ms milliseconds from now, for
 * pthread_cond_timedwait() (which waits on CLOCK_REALTIME). */
void hub_time_deadline_ts(long ms, struct timespec *out);

/* Milliseconds since the epoch on the wall clock. */
long long hub_time_wall_ms(void);

/* Format epoch milliseconds as ISO 8601 UTC "2026-11-23T21:40:54.123Z"
 * into out (at least 32 bytes). Returns out. */
char *hub_time_iso8601(long long wall_ms, char *out, size_t outlen);

/* Parse an ISO 8601 UTC timestamp as written by hub_time_iso8601() (the
 * fraction and the 'Z' are optional). Returns epoch ms, or -1. */
long long hub_time_parse_iso8601(const char *s);

#endif
