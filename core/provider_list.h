/*
 * provider_list.h - the providers as JSON, for GET /v1/providers, the MCP
 * list_providers tool and the provider:// resources.
 */
#ifndef PROVIDER_LIST_H
#define PROVIDER_LIST_H

#include <json-c/json.h>

#include "providers/provider.h"

/*
 * One provider as a JSON object: name, status, enabled, cli, cli_path,
 * cli_version (when with_version), default_model, models,
 * credentials_present, timeout_s, and token status from the store when
 * reachable. The caller puts the object. NULL when out of memory.
 */
struct json_object *provider_list_one(const struct provider *p, int with_version);

/*
 * p's subscription plan state (session/plan_state.h) as a JSON object:
 * overage (deny|allow), level (ok|warning|overage|limit), status, window,
 * utilization, resets_at, overage_in_use, overage_status,
 * overage_resets_at, overage_disabled_reason, updated_at,
 * cooldown_until (ISO or null), refused; {"overage":...,"level":"unknown"}
 * without a record, and "error" when Redis does not answer. Never a
 * secret. The caller puts it; NULL when out of memory.
 */
struct json_object *provider_list_plan(const struct provider *p);

/* Every provider, as a JSON array. The caller puts it. */
struct json_object *provider_list_all(int with_version);

#endif
