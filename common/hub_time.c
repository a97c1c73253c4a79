/*
 * hub_time.c - clocks and timestamps.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hub_time.h"

long long
hub_time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
hub_time_deadline_ts(long ms, struct timespec *out)
{
	clock_gettime(CLOCK_REALTIME, out);
	out->tv_sec += ms / 1000;
	out->tv_nsec += (ms % 1000) * 1000000L;
	if (out->tv_nsec >= 1000000000L) {
		out->tv_sec++;
		out->tv_nsec -= 1000000000L;
	}
}

long long
hub_time_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
hub_time_iso8601(long long wall_ms, char *out, size_t outlen)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(wall_ms % 1000));
	return out;
}

long long
hub_time_parse_iso8601(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, ms = 0, n = 0;
	time_t t;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return -1;
	if (s[n] == '.') {
		int digits = 0;
		n++;
		while (s[n] >= '0' && s[n] <= '9') {
			if (digits < 3)
				ms = ms * 10 + (s[n] - '0');
			digits++;
			n++;
		}
		while (digits > 0 && digits < 3) {
			ms *= 10;
			digits++;
		}
	}
	if (s[n] == 'Z')
		n++;
	if (s[n] != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	return (long long)t * 1000 + ms;
}
