/* The dummy model's offline mode (the batch counterpart of the server, for
 * offline-inference suites): prompts from a JSONL file in, one text file per
 * prompt (and a WAV when audio is asked for) plus outputs.jsonl out. */
#ifndef OMNILUA_DUMMY_OFFLINE_H
#define OMNILUA_DUMMY_OFFLINE_H
#include <stddef.h>

#include "dummy_routes.h"

/* Each input line: {"id"?, "prompt": "..."} or {"id"?, "messages": [...]},
 * optional "modalities" (["text","audio"]) and "max_tokens". Returns the
 * number of prompts done, or -1 with "FILE:LINE: why" in err. */
int dummy_offline_run(const dummy_config *cfg, const char *prompts_path, const char *out_dir,
                      char *err, size_t errlen);

#endif
