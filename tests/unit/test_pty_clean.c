/*
 * test_pty_clean.c - the PTY output cleaner: escapes, controls, UTF-8,
 * and the same result however the input is split into chunks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/hub_buf.h"
#include "providers/pty_clean.h"
#include "tests/unit/tap.h"

/* Clean in as one chunk; the caller frees the result. */
static char *
clean_whole(const char *in, size_t len)
{
	char *out = NULL;

	if (pty_clean_string(in, len, &out) != 0)
		return NULL;
	return out;
}

/* 1 when s[0..len) is valid UTF-8 without C0/C1 controls other than \n \t. */
static int
text_is_clean(const unsigned char *s, size_t len)
{
	size_t i = 0, n, k;
	unsigned int cp;

	while (i < len) {
		unsigned char b = s[i];
		if (b < 0x80) {
			if ((b < 0x20 && b != '\n' && b != '\t') || b == 0x7F)
				return 0;
			i++;
			continue;
		}
		if (b >= 0xC2 && b <= 0xDF) { n = 2; cp = b & 0x1F; }
		else if (b >= 0xE0 && b <= 0xEF) { n = 3; cp = b & 0x0F; }
		else if (b >= 0xF0 && b <= 0xF4) { n = 4; cp = b & 0x07; }
		else return 0;
		if (i + n > len)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp <= 0x9F))
			return 0;
		i += n;
	}
	return 1;
}

/* Clean in fed in pieces of `step` bytes; checks each partial output too. */
static char *
clean_steps(const char *in, size_t len, size_t step, int *partial_ok)
{
	struct pty_clean pc;
	struct hub_buf b;
	size_t i, n;

	hub_buf_init(&b, 0);
	pty_clean_init(&pc);
	*partial_ok = 1;
	for (i = 0; i < len; i += n) {
		n = len - i < step ? len - i : step;
		if (pty_clean_feed(&pc, in + i, n, &b) != 0)
			*partial_ok = 0;
		if (!text_is_clean((const unsigned char *)(b.data ? b.data : ""), b.len))
			*partial_ok = 0;
	}
	pty_clean_finish(&pc, &b);
	return hub_buf_steal(&b);
}

/* Clean split once at `cut`. */
static char *
clean_split(const char *in, size_t len, size_t cut)
{
	struct pty_clean pc;
	struct hub_buf b;

	hub_buf_init(&b, 0);
	pty_clean_init(&pc);
	pty_clean_feed(&pc, in, cut, &b);
	pty_clean_feed(&pc, in + cut, len - cut, &b);
	pty_clean_finish(&pc, &b);
	return hub_buf_steal(&b);
}

static void
check(const char *name, const char *in, size_t len, const char *want)
{
	char *got = clean_whole(in, len);
	int partial_ok, splits_ok = 1;
	size_t cut;
	char *bytewise;

	is_str(got, want, "%s: whole", name);
	bytewise = clean_steps(in, len, 1, &partial_ok);
	is_str(bytewise, want, "%s: byte by byte", name);
	ok(partial_ok, "%s: every partial output is clean UTF-8", name);
	for (cut = 0; cut <= len; cut++) {
		char *s = clean_split(in, len, cut);
		if (s == NULL || strcmp(s, want) != 0)
			splits_ok = 0;
		free(s);
	}
	ok(splits_ok, "%s: same result at every split point", name);
	free(got);
	free(bytewise);
}

#define CHECK(name, in, want) check(name, in, sizeof(in) - 1, want)

int
main(void)
{
	char big[PTY_CLEAN_MAX_STRING_BYTES + 64];
	unsigned char rnd[4096];
	char *out;
	size_t i;
	unsigned int seed = 12345;
	int all_clean = 1, all_stable = 1, round;

	CHECK("plain text", "hello, world\n", "hello, world\n");
	CHECK("tab kept", "a\tb", "a\tb");
	CHECK("CRLF to LF", "one\r\ntwo\r\n", "one\ntwo\n");
	CHECK("stray CR dropped", "50%\r100%\r", "50%100%");
	CHECK("BEL dropped", "ding\adong", "dingdong");
	CHECK("other C0 and DEL dropped", "a\001b\002c\177d\fe\vf\bg", "abcdefg");
	CHECK("SGR colour", "\033[31mred\033[0m plain", "red plain");
	CHECK("CSI with params and intermediates", "x\033[?25l\033[1;2 qy", "xy");
	CHECK("OSC title with BEL", "\033]0;title\ahello", "hello");
	CHECK("OSC 8 hyperlink with ST", "\033]8;;http://e.x/\033\\link\033]8;;\033\\!",
	    "link!");
	CHECK("DCS and APC strings", "a\033Pq#0;2\033\\b\033_app\033\\c", "abc");
	CHECK("charset and keypad escapes", "a\033(Bb\033=c\033>d", "abcd");
	CHECK("CAN aborts a CSI", "a\033[12\030b", "ab");
	CHECK("ESC inside a string restarts", "a\033]0;t\033[31mb", "ab");
	CHECK("newline inside a CSI is kept", "a\033[1\n2mb", "a\nb");
	CHECK("two-byte UTF-8", "caf\xc3\xa9", "caf\xc3\xa9");
	CHECK("three-byte UTF-8", "\xe2\x82\xac 5", "\xe2\x82\xac 5");
	CHECK("four-byte UTF-8", "\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!");
	CHECK("Korean", "\xec\x95\x88\xeb\x85\x95", "\xec\x95\x88\xeb\x85\x95");
	CHECK("C1 CSI as UTF-8 dropped", "a\xc2\x9b" "31mb", "a31mb");
	CHECK("lone continuation byte", "a\x80z", "a\xef\xbf\xbdz");
	CHECK("invalid lead byte", "a\xffz", "a\xef\xbf\xbdz");
	CHECK("broken two-byte char", "a\xc3z", "a\xef\xbf\xbdz");
	CHECK("truncated at the end", "a\xe2\x82", "a\xef\xbf\xbd");
	CHECK("overlong slash", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK("surrogate", "\xed\xa0\x80",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK("above U+10FFFF", "\xf4\x90\x80\x80",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK("8-bit byte ends a CSI", "a\033[3\xc3\xa9", "a\xc3\xa9");

	/* An unterminated OSC is abandoned after the limit. */
	memcpy(big, "\033]0;", 4);
	memset(big + 4, 'x', PTY_CLEAN_MAX_STRING_BYTES + 10);
	memcpy(big + 4 + PTY_CLEAN_MAX_STRING_BYTES + 10, "END", 3);
	out = clean_whole(big, 4 + PTY_CLEAN_MAX_STRING_BYTES + 13);
	ok(out != NULL && strlen(out) < 20 && strstr(out, "END") != NULL,
	    "an unterminated OSC cannot swallow the rest of the text");
	free(out);

	/* Random bytes: always clean output, and splitting never changes it. */
	for (round = 0; round < 200; round++) {
		int partial_ok;
		char *whole, *pieces;

		for (i = 0; i < sizeof(rnd); i++) {
			seed = seed * 1103515245u + 12345u;
			rnd[i] = (unsigned char)(seed >> 16);
			if (round % 2 == 0 && (seed >> 8) % 5 == 0)
				rnd[i] = (unsigned char)"\033[]\a\r\n;m\\"[(seed >> 3) % 9];
		}
		whole = clean_whole((const char *)rnd, sizeof(rnd));
		pieces = clean_steps((const char *)rnd, sizeof(rnd), 1 + round % 7,
		    &partial_ok);
		if (whole == NULL || !text_is_clean((unsigned char *)whole, strlen(whole)) ||
		    !partial_ok)
			all_clean = 0;
		if (whole == NULL || pieces == NULL || strcmp(whole, pieces) != 0)
			all_stable = 0;
		free(whole);
		free(pieces);
	}
	ok(all_clean, "random input always gives clean UTF-8 text");
	ok(all_stable, "random input gives the same text however it is split");

	return tap_done();
}
