/*
 * fuzz_touch.h - read every string a surface's parser handed out in a
 * struct chat_params, message by message, so that the sanitizers see a
 * pointer into freed or foreign memory.
 */
#ifndef FUZZ_TOUCH_H
#define FUZZ_TOUCH_H

#include <string.h>

#include "fcgi/chat_params.h"

static size_t
fuzz_touch_params(const struct chat_params *p)
{
	const struct provider_msg *m;
	size_t i, j, sum = 0;

	for (i = 0; i < p->n_messages; i++) {
		m = &p->messages[i];
		sum += strlen(m->role) + strlen(m->content) + (m->tool_call_id ? strlen(m->tool_call_id) : 0);
		for (j = 0; j < m->n_tool_calls; j++)
			sum += strlen(m->tool_calls[j].id) + strlen(m->tool_calls[j].name) +
			    strlen(m->tool_calls[j].arguments);
		for (j = 0; j < m->n_images; j++)
			sum += strlen(m->images[j].base64) + strlen(m->images[j].media_type);
	}
	for (i = 0; i < p->n_tools; i++)
		sum += strlen(p->tools[i].name) + strlen(p->tools[i].parameters);
	return sum + (p->tool_choice_name ? strlen(p->tool_choice_name) : 0);
}

#endif
