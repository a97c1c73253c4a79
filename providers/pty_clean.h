/*
 * pty_clean.h - turn bytes that a CLI wrote to a terminal into plain text.
 *
 * A pure, incremental cleaner: feed it chunks as they arrive; whatever is
 * split across chunks (an escape sequence, a multi-byte character) is held
 * in the state and finished by the next chunk. It removes
 *   - escape sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST),
 *     DCS/SOS/PM/APC strings (ESC P/X/^/_ ... ST), and two- or
 *     three-byte ESC sequences (ESC ( B, ESC =, ...). CAN and SUB abort a
 *     sequence. A string sequence longer than PTY_CLEAN_MAX_STRING_BYTES is
 *     abandoned and what follows is text again, so an unterminated OSC
 *     cannot swallow a whole reply;
 *   - every carriage return: "\r\n" becomes "\n" and a stray "\r" is dropped;
 *   - BEL, DEL and every other C0 control except "\n" and "\t";
 *   - C1 controls written as UTF-8 (U+0080..U+009F).
 * It keeps valid UTF-8 and never emits part of a character: a character
 * split across chunks is emitted whole once complete. Invalid bytes
 * (stray continuation bytes, overlong forms, surrogates, values above
 * U+10FFFF, a truncated character) become U+FFFD, one per maximal invalid
 * subpart, as the Unicode standard recommends.
 */
#ifndef PTY_CLEAN_H
#define PTY_CLEAN_H

#include <stddef.h>

struct hub_buf;

/* Longest OSC/DCS/APC payload skipped before the sequence is abandoned. */
#define PTY_CLEAN_MAX_STRING_BYTES 4096

struct pty_clean {
	int state;                 /* escape-parser state (private) */
	size_t string_len;         /* bytes of the current string sequence */
	unsigned char utf8[4];     /* a character being completed */
	size_t utf8_len;           /* bytes held in utf8 */
	size_t utf8_need;          /* bytes the character needs in all */
};

/* Start a clean state. Nothing to free. */
void pty_clean_init(struct pty_clean *pc);

/*
 * Clean len bytes of in and append the text to out. Returns 0, or
 * HUB_ERR_TOO_LARGE / HUB_ERR_NOMEM from hub_buf_append() (out may then
 * hold part of this chunk's text).
 */
int pty_clean_feed(struct pty_clean *pc, const char *in, size_t len,
    struct hub_buf *out);

/*
 * End of input: a truncated character becomes U+FFFD, an unfinished
 * escape sequence is dropped, and the state is reset. Same returns as
 * pty_clean_feed().
 */
int pty_clean_finish(struct pty_clean *pc, struct hub_buf *out);

/*
 * Clean a whole string in one go. Returns 0 with *out a malloc'd
 * NUL-terminated string the caller frees, or HUB_ERR_NOMEM.
 */
int pty_clean_string(const char *in, size_t len, char **out);

#endif
