/*
 * generic.h - the generic CLI provider: any command-line model described
 * by a [provider NAME] section with type = cli (see provider_conf.h).
 *
 * One child per request through child_run(): argv from the section's
 * template (the model substituted for {model}; the prompt never in argv),
 * the conversation on stdin (plain text, or one claude stream-json user
 * line), stdout on a pipe or a PTY, read as plain text (cleaned by
 * pty_clean) or parsed as Claude or Gemini stream-json. The environment is
 * built from scratch: private HOME and TMPDIR, a fixed PATH, NO_COLOR, and
 * only the variables the section names in env. struct provider.data points
 * to the section's struct provider_conf.
 */
#ifndef GENERIC_H
#define GENERIC_H

#include "provider.h"

extern const struct provider_ops generic_provider_ops;

#endif
