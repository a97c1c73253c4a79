/*
 * memory.h - session memory export: the whole conversation as markdown or
 * JSON, with an LLM summary. Shared by GET /v1/sessions/{id}/memory and the
 * MCP export_session_memory tool.
 *
 * The summary comes from one call to the chosen provider. If that call
 * fails, the export still returns the whole transcript and says why the
 * summary is missing: it never fails because of the summary.
 */
#ifndef MEMORY_H
#define MEMORY_H

#include <stddef.h>

enum memory_format { MEMORY_MARKDOWN, MEMORY_JSON };

struct memory_options {
	int summarize;                 /* 1: ask the provider for a summary */
	const char *provider;          /* a provider's name; NULL: "claude" */
	enum memory_format format;
	int english;                   /* 1: English markdown headings */
	const char *owner;             /* the caller's key id ("" when auth is off) */
	int watch_fd;                  /* stop the summary call when it fires; -1 */
};

struct memory_export {
	char *body;                    /* malloc'd document */
	size_t len;
	const char *content_type;      /* static */
	char filename[200];            /* session_{id}_{timestamp}.md or .json */
	int summary_ok;                /* 1 when the summary came from the provider */
};

/*
 * Export session id. Returns 0 with out filled (free with
 * memory_export_free()), HUB_ERR_NOT_FOUND (the owner has no such
 * session; ids are scoped per owner), HUB_ERR_INVALID (bad id or provider), HUB_ERR_STORE,
 * HUB_ERR_NOMEM.
 */
int memory_export(const char *id, const struct memory_options *opt, struct memory_export *out);

/* Free what memory_export() allocated. Accepts NULL. */
void memory_export_free(struct memory_export *out);

#endif
