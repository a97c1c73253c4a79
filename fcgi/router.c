/*
 * router.c - method and path routing from a table.
 */
#include "config.h"

#include <string.h>

#include "common/hub_error.h"
#include "router.h"

/* Match path against pattern, capturing {name} segments into m. */
static int
router_path_matches(const char *pattern, const char *path, struct route_match *m)
{
	const char *p = pattern, *s = path, *pe, *se;
	size_t n;

	m->n_params = 0;
	while (*p != '\0' && *s != '\0') {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		pe = strchr(p, '/');
		if (pe == NULL)
			pe = p + strlen(p);
		se = strchr(s, '/');
		if (se == NULL)
			se = s + strlen(s);
		if (*p == '{') {
			n = (size_t)(se - s);
			if (n == 0 || n > ROUTER_MAX_PARAM_LEN || m->n_params >= ROUTER_MAX_PARAMS)
				return 0;
			memcpy(m->params[m->n_params], s, n);
			m->params[m->n_params][n] = '\0';
			m->n_params++;
		} else if ((size_t)(pe - p) != (size_t)(se - s) || memcmp(p, s, (size_t)(pe - p)) != 0) {
			return 0;
		}
		p = pe;
		s = se;
	}
	return *p == '\0' && *s == '\0';
}

int
router_match(const struct route *table, size_t n, const char *method,
    const char *path, struct route_match *m)
{
	struct route_match tmp;
	size_t i, alen;
	int path_known = 0;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < n; i++) {
		if (!router_path_matches(table[i].pattern, path, &tmp))
			continue;
		if (strcmp(table[i].method, method) == 0 ||
		    (strcmp(method, "HEAD") == 0 && strcmp(table[i].method, "GET") == 0)) {
			*m = tmp;
			m->route = &table[i];
			return HUB_OK;
		}
		alen = strlen(m->allow);
		if (strstr(m->allow, table[i].method) == NULL &&
		    alen + strlen(table[i].method) + 3 < sizeof(m->allow)) {
			if (alen > 0)
				strcat(m->allow, ", ");
			strcat(m->allow, table[i].method);
		}
		path_known = 1;
	}
	return path_known ? HUB_ERR_METHOD : HUB_ERR_NOT_FOUND;
}
