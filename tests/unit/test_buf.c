/* test_buf.c - the capped buffer. */
#include "config.h"

#include <stdlib.h>

#include "common/hub_buf.c"
#include "tap.h"

int
main(void)
{
	struct hub_buf b;
	char *s;
	int i;

	hub_buf_init(&b, 10);
	is_int(hub_buf_puts(&b, "hello"), HUB_OK, "append within the cap");
	is_int(hub_buf_puts(&b, "world"), HUB_OK, "append up to the cap exactly");
	is_int(hub_buf_puts(&b, "!"), HUB_ERR_TOO_LARGE, "one byte over the cap is refused");
	is_str(b.data, "helloworld", "a refused append leaves the data unchanged");
	hub_buf_consume(&b, 5);
	is_str(b.data, "world", "consume drops the front");
	is_int(b.len, 5, "consume keeps the length right");
	hub_buf_reset(&b);
	is_int(b.len, 0, "reset empties");
	is_int(hub_buf_printf(&b, "%d-%s", 42, "x"), HUB_OK, "printf appends");
	is_str(b.data, "42-x", "printf formats");
	is_int(hub_buf_printf(&b, "%s", "0123456789"), HUB_ERR_TOO_LARGE, "printf respects the cap");
	s = hub_buf_steal(&b);
	is_str(s, "42-x", "steal hands the data over");
	ok(b.data == NULL && b.len == 0, "steal leaves the buffer empty");
	free(s);
	s = hub_buf_steal(&b);
	is_str(s, "", "stealing an empty buffer gives an empty string");
	free(s);

	hub_buf_init(&b, 0);
	for (i = 0; i < 100000; i++)
		if (hub_buf_append(&b, "abc", 3) != HUB_OK)
			break;
	is_int(b.len, 300000, "an uncapped buffer grows");
	is_int(b.data[b.len], 0, "data stays NUL-terminated");
	is_int(hub_buf_append(&b, "x", (size_t)-1), HUB_ERR_TOO_LARGE, "a size that would overflow is refused");
	hub_buf_free(&b);
	hub_buf_free(NULL);
	ok(1, "free accepts NULL");
	return tap_done();
}
