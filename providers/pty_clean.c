/*
 * pty_clean.c - strip terminal control from CLI output (see pty_clean.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/hub_buf.h"
#include "common/hub_error.h"
#include "pty_clean.h"

enum {
	PC_GROUND = 0,
	PC_ESC,          /* after ESC */
	PC_ESC_INTER,    /* ESC + intermediate bytes, waiting for the final */
	PC_CSI,          /* ESC [ parameters, waiting for the final */
	PC_STRING,       /* OSC / DCS / SOS / PM / APC payload */
	PC_STRING_ESC    /* ESC inside a string: ST if '\' follows */
};

#define PC_OUT_CHUNK 4096

/* Output staging, flushed into the hub_buf in blocks. */
struct pc_out {
	struct hub_buf *buf;
	char data[PC_OUT_CHUNK];
	size_t len;
	int err;
};

static const unsigned char replacement_char[3] = { 0xEF, 0xBF, 0xBD };

static void
out_flush(struct pc_out *o)
{
	int rc;

	if (o->len == 0 || o->err != 0)
		return;
	rc = hub_buf_append(o->buf, o->data, o->len);
	if (rc != 0)
		o->err = rc;
	o->len = 0;
}

static void
out_bytes(struct pc_out *o, const unsigned char *p, size_t n)
{
	if (o->len + n > sizeof(o->data))
		out_flush(o);
	memcpy(o->data + o->len, p, n);
	o->len += n;
}

static void
out_replacement(struct pc_out *o)
{
	out_bytes(o, replacement_char, sizeof(replacement_char));
}

/* Lowest and highest allowed second byte after lead byte b. */
static void
utf8_second_range(unsigned char b, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (b == 0xE0)
		*lo = 0xA0;
	else if (b == 0xED)
		*hi = 0x9F;
	else if (b == 0xF0)
		*lo = 0x90;
	else if (b == 0xF4)
		*hi = 0x8F;
}

/* A complete character in pc->utf8: emit it unless it is a C1 control. */
static void
utf8_emit(struct pty_clean *pc, struct pc_out *o)
{
	/* U+0080..U+009F are C2 80..C2 9F. */
	if (!(pc->utf8_len == 2 && pc->utf8[0] == 0xC2 && pc->utf8[1] < 0xA0))
		out_bytes(o, pc->utf8, pc->utf8_len);
	pc->utf8_len = 0;
	pc->utf8_need = 0;
}

/* C0 control byte b met inside an escape sequence. */
static void
escape_control(struct pty_clean *pc, struct pc_out *o, unsigned char b)
{
	if (b == 0x18 || b == 0x1A)      /* CAN, SUB: abort */
		pc->state = PC_GROUND;
	else if (b == 0x1B)
		pc->state = PC_ESC;
	else if (b == '\n' || b == '\t')
		out_bytes(o, &b, 1);
	/* every other control is dropped; the sequence goes on */
}

/* One byte in the ground state. */
static void
ground_byte(struct pty_clean *pc, struct pc_out *o, unsigned char b)
{
	unsigned char lo, hi;

	if (pc->utf8_need > 0) {
		if (pc->utf8_len == 1)
			utf8_second_range(pc->utf8[0], &lo, &hi);
		else {
			lo = 0x80;
			hi = 0xBF;
		}
		if (b >= lo && b <= hi) {
			pc->utf8[pc->utf8_len++] = b;
			if (pc->utf8_len == pc->utf8_need)
				utf8_emit(pc, o);
			return;
		}
		/* The character broke off: replace what we had, then look at b. */
		out_replacement(o);
		pc->utf8_len = 0;
		pc->utf8_need = 0;
	}
	if (b < 0x80) {
		if (b == 0x1B)
			pc->state = PC_ESC;
		else if (b == '\n' || b == '\t' || (b >= 0x20 && b < 0x7F))
			out_bytes(o, &b, 1);
		/* CR, BEL, DEL and the other C0 controls are dropped */
		return;
	}
	if (b >= 0xC2 && b <= 0xDF)
		pc->utf8_need = 2;
	else if (b >= 0xE0 && b <= 0xEF)
		pc->utf8_need = 3;
	else if (b >= 0xF0 && b <= 0xF4)
		pc->utf8_need = 4;
	else {
		out_replacement(o);
		return;
	}
	pc->utf8[0] = b;
	pc->utf8_len = 1;
}

/* One byte in any state; some bytes end a sequence and are looked at again. */
static void
clean_byte(struct pty_clean *pc, struct pc_out *o, unsigned char b)
{
	switch (pc->state) {
	case PC_GROUND:
		ground_byte(pc, o, b);
		return;
	case PC_ESC:
		if (b == '[')
			pc->state = PC_CSI;
		else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_') {
			pc->state = PC_STRING;
			pc->string_len = 0;
		} else if (b >= 0x20 && b <= 0x2F)
			pc->state = PC_ESC_INTER;
		else if (b >= 0x30 && b <= 0x7E)
			pc->state = PC_GROUND;
		else if (b < 0x20)
			escape_control(pc, o, b);
		else if (b >= 0x80) {
			pc->state = PC_GROUND;
			ground_byte(pc, o, b);
		}
		return;
	case PC_ESC_INTER:
		if (b >= 0x30 && b <= 0x7E)
			pc->state = PC_GROUND;
		else if (b < 0x20)
			escape_control(pc, o, b);
		else if (b >= 0x80) {
			pc->state = PC_GROUND;
			ground_byte(pc, o, b);
		}
		return;
	case PC_CSI:
		if (b >= 0x40 && b <= 0x7E)
			pc->state = PC_GROUND;
		else if (b < 0x20)
			escape_control(pc, o, b);
		else if (b >= 0x80) {
			pc->state = PC_GROUND;
			ground_byte(pc, o, b);
		}
		return;
	case PC_STRING:
		if (b == 0x07 || b == 0x18 || b == 0x1A)
			pc->state = PC_GROUND;
		else if (b == 0x1B)
			pc->state = PC_STRING_ESC;
		else if (++pc->string_len > PTY_CLEAN_MAX_STRING_BYTES)
			pc->state = PC_GROUND;
		return;
	case PC_STRING_ESC:
		if (b == '\\')
			pc->state = PC_GROUND;
		else {
			pc->state = PC_ESC;
			clean_byte(pc, o, b);
		}
		return;
	default:
		pc->state = PC_GROUND;
		return;
	}
}

void
pty_clean_init(struct pty_clean *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->state = PC_GROUND;
}

int
pty_clean_feed(struct pty_clean *pc, const char *in, size_t len,
    struct hub_buf *out)
{
	struct pc_out o;
	size_t i;

	o.buf = out;
	o.len = 0;
	o.err = 0;
	for (i = 0; i < len && o.err == 0; i++)
		clean_byte(pc, &o, (unsigned char)in[i]);
	out_flush(&o);
	return o.err;
}

int
pty_clean_finish(struct pty_clean *pc, struct hub_buf *out)
{
	struct pc_out o;

	o.buf = out;
	o.len = 0;
	o.err = 0;
	if (pc->utf8_need > 0)
		out_replacement(&o);
	out_flush(&o);
	pty_clean_init(pc);
	return o.err;
}

int
pty_clean_string(const char *in, size_t len, char **out)
{
	struct pty_clean pc;
	struct hub_buf b;
	int rc;

	*out = NULL;
	hub_buf_init(&b, 0);
	pty_clean_init(&pc);
	rc = pty_clean_feed(&pc, in, len, &b);
	if (rc == 0)
		rc = pty_clean_finish(&pc, &b);
	if (rc == 0) {
		*out = hub_buf_steal(&b);
		if (*out == NULL)
			rc = HUB_ERR_NOMEM;
	}
	hub_buf_free(&b);
	return rc;
}
