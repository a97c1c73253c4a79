/*
 * endpoints.h - the HTTP endpoint handlers; one file per resource.
 *
 * Each handler answers the request completely (success or error envelope).
 */
#ifndef ENDPOINTS_H
#define ENDPOINTS_H

struct http_request;

/* ep_health.c */
void ep_health(struct http_request *req);

/* ep_tokens.c */
void ep_health_tokens(struct http_request *req);

/* ep_providers.c */
void ep_providers(struct http_request *req);

/* ep_chat.c */
void ep_chat_completions(struct http_request *req);

/* ep_responses.c: OpenAI Responses */
void ep_responses_create(struct http_request *req);
void ep_responses_get(struct http_request *req);
void ep_responses_delete(struct http_request *req);

/* ep_messages.c: Anthropic Messages */
void ep_messages_create(struct http_request *req);
void ep_messages_count_tokens(struct http_request *req);

/* ep_metrics.c: GET /metrics, Prometheus text format */
void ep_metrics(struct http_request *req);

/* ep_models.c */
void ep_models(struct http_request *req);

/* ep_sessions.c */
void ep_sessions_list(struct http_request *req);
void ep_session_get(struct http_request *req);
void ep_session_delete(struct http_request *req);
void ep_session_memory(struct http_request *req);

/* ep_mcp.c: MCP Streamable HTTP (/mcp) and legacy HTTP+SSE (/sse, /messages) */
void ep_mcp_post(struct http_request *req);
void ep_mcp_get(struct http_request *req);
void ep_mcp_delete(struct http_request *req);
void ep_mcp_sse(struct http_request *req);
void ep_mcp_messages(struct http_request *req);

#endif
