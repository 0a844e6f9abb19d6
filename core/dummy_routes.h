/* The dummy server's routes: turns one parsed HTTP request into what to send
 * (a response now, a response after a delay, a stream, or a fault: stall or
 * drop). Knows nothing about sockets; dummy_server.c does the I/O. */
#ifndef OMNILUA_DUMMY_ROUTES_H
#define OMNILUA_DUMMY_ROUTES_H
#include <stdint.h>

#include "dummy_buf.h"
#include "dummy_chat.h"
#include "dummy_http.h"
#include "dummy_profile.h"

typedef struct dummy_config {
  const char *host; /* default 127.0.0.1 */
  int port;         /* 0: any free port */
  const char *model;
  const char *api_key; /* NULL: no auth */
  dummy_profile prof;
  int default_audio; /* chat answers carry audio unless "modalities" says otherwise */
  int max_conns;
  size_t max_body;   /* bytes; a bigger request body gets 413 (default 8 MiB) */
  int max_model_len; /* prompt tokens; more get 400 as vLLM's context check (default 32768) */
  /* JSON served on GET /debug/stage_config: the stage config the server was
   * started with (path and stages, made by the CLI), NULL: none. */
  const char *stage_config_json;
} dummy_config;

void dummy_config_defaults(dummy_config *c);

typedef enum { DACT_RESPOND, DACT_DELAY, DACT_STREAM, DACT_STALL, DACT_DROP } dummy_action;

typedef struct dummy_outcome {
  dummy_action action;
  int64_t delay_ns;   /* DACT_DELAY: send `resp` this long after the request */
  dummy_reply *reply; /* DACT_STREAM: the plan (owned by the caller afterwards) */
  int keep_alive;
  int status;
} dummy_outcome;

typedef struct dummy_ctx {
  const dummy_config *cfg;
  uint64_t requests; /* numbers the requests: seeds, ids */
  long long started; /* wall-clock seconds, for "created" */
} dummy_ctx;

/* Fills resp (head and body, or just the head for a stream) and oc. */
void dummy_route(dummy_ctx *ctx, const dummy_request *rq, dbuf *resp, dummy_outcome *oc);
/* A complete JSON error response. */
void dummy_error_response(dbuf *out, int status, const char *msg, int keep_alive);

#endif
