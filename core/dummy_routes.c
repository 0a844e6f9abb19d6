#include "dummy_routes.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dummy_json.h"
#include "dummy_media.h"

void dummy_config_defaults(dummy_config *c) {
  memset(c, 0, sizeof *c);
  c->host = "127.0.0.1";
  c->model = "omni-dummy";
  c->default_audio = 1;
  c->max_conns = 8192;
  c->max_body = DUMMY_DEFAULT_MAX_BODY;
  c->max_model_len = 32768;
  dummy_profile_defaults(&c->prof);
}

static const char *error_type(int status) {
  switch (status) {
  case 401:
    return "AuthenticationError";
  case 404:
    return "NotFoundError";
  case 405:
    return "MethodNotAllowedError";
  case 413:
    return "PayloadTooLargeError";
  case 415:
    return "UnsupportedMediaTypeError";
  default:
    return status >= 500 ? "InternalServerError" : "BadRequestError";
  }
}

static void respond(dbuf *out, int status, const char *ctype, const char *body, size_t n,
                    int keep_alive) {
  dummy_http_head(out, status, ctype, keep_alive);
  dbuf_printf(out, "Content-Length: %zu\r\n\r\n", n);
  dbuf_add(out, body, n);
}

void dummy_error_response(dbuf *out, int status, const char *msg, int keep_alive) {
  dbuf body = {0};
  dbuf_str(&body, "{\"error\":{\"message\":");
  dbuf_json_str(&body, msg, strlen(msg));
  dbuf_printf(&body, ",\"type\":\"%s\",\"param\":null,\"code\":%d}}", error_type(status), status);
  respond(out, status, "application/json", body.p, body.len, keep_alive);
  dbuf_free(&body);
}

static int64_t ms_to_ns(double ms) { return ms > 0 ? (int64_t)(ms * 1e6) : 0; }

/* Per-request faults decided before any work: a status, a stall, a drop. */
static int early_fault(dummy_ctx *ctx, const dummy_profile *p, dbuf *resp, dummy_outcome *oc) {
  uint64_t rng = p->seed * 0x9E3779B97F4A7C15ull ^ (ctx->requests + 7);
  int hit = p->error_rate > 0 && dummy_rand_unit(&rng) < p->error_rate;
  if ((p->status > 0 && (p->error_rate == 0 || hit)) || hit) {
    int st = p->status > 0 ? p->status : 500;
    char msg[96];
    snprintf(msg, sizeof msg, "dummy fault: injected HTTP %d", st);
    dummy_error_response(resp, st, msg, oc->keep_alive);
    oc->status = st;
    return 1;
  }
  if (p->stall_after == 0 || p->drop_after == 0) {
    oc->action = p->stall_after == 0 ? DACT_STALL : DACT_DROP;
    return 1;
  }
  return 0;
}

static dj_doc *json_body(const dummy_request *rq, dbuf *resp, dummy_outcome *oc) {
  if (!rq->content_type || strncasecmp(rq->content_type, "application/json", 16) != 0) {
    char msg[200];
    snprintf(msg, sizeof msg, "Content-Type must be application/json, got '%.100s'",
             rq->content_type ? rq->content_type : "(none)");
    dummy_error_response(resp, 415, msg, oc->keep_alive);
    oc->status = 415;
    return NULL;
  }
  char err[160];
  dj_doc *d = dj_parse(rq->body, rq->body_len, err, sizeof err);
  if (!d) {
    dummy_error_response(resp, 400, err, oc->keep_alive);
    oc->status = 400;
  }
  return d;
}

static void chat(dummy_ctx *ctx, const dummy_request *rq, dbuf *resp, dummy_outcome *oc) {
  dj_doc *d = json_body(rq, resp, oc);
  if (!d)
    return;
  dummy_reply *r = calloc(1, sizeof *r);
  char err[256];
  int st = r ? dummy_chat_plan(dj_root(d), ctx->cfg->model, &ctx->cfg->prof, rq->fault,
                               ctx->cfg->default_audio, ctx->cfg->max_model_len, ctx->requests, r,
                               err, sizeof err)
             : 500;
  dj_free(d);
  if (st != 0) {
    dummy_error_response(resp, st, r ? err : "out of memory", oc->keep_alive);
    oc->status = st;
    if (r)
      dummy_reply_free(r);
    free(r);
    return;
  }
  r->created = ctx->started;
  if (early_fault(ctx, &r->prof, resp, oc)) {
    dummy_reply_free(r);
    free(r);
    return;
  }
  if (r->stream) {
    dummy_http_head(resp, 200, "text/event-stream", oc->keep_alive);
    dbuf_str(resp, "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n");
    oc->action = DACT_STREAM;
    oc->reply = r;
    oc->status = 200;
    return;
  }
  if (r->prof.stall_after >= 0 || r->prof.drop_after >= 0) {
    oc->action = r->prof.stall_after >= 0 ? DACT_STALL : DACT_DROP;
  } else {
    dbuf body = {0};
    dummy_reply_body(r, &body);
    respond(resp, 200, "application/json", body.p, body.len, oc->keep_alive);
    dbuf_free(&body);
    oc->action = DACT_DELAY;
    oc->delay_ns = ms_to_ns(r->prof.ttft_ms + (r->ntok - 1) * r->prof.itl_ms);
    oc->status = 200;
  }
  dummy_reply_free(r);
  free(r);
}

static int check_model(const dummy_ctx *ctx, const dj_value *root, dbuf *resp, dummy_outcome *oc) {
  const dj_value *m = dj_get(root, "model");
  if (!m || m->type == DJ_NULL)
    return 0;
  char msg[200];
  if (m->type != DJ_STRING)
    snprintf(msg, sizeof msg, "'model' must be a string, got %s", dj_type_name(m->type));
  else if (strcmp(m->str, ctx->cfg->model) != 0)
    snprintf(msg, sizeof msg, "The model `%.100s` does not exist.", m->str);
  else
    return 0;
  oc->status = m->type != DJ_STRING ? 400 : 404;
  dummy_error_response(resp, oc->status, msg, oc->keep_alive);
  return -1;
}

static int prepare_media(dummy_ctx *ctx, const dummy_request *rq, dbuf *resp, dummy_outcome *oc,
                         dj_doc **doc, dummy_profile *p, const char *required) {
  *doc = json_body(rq, resp, oc);
  if (!*doc)
    return -1;
  const dj_value *root = dj_root(*doc);
  char msg[200];
  if (root->type != DJ_OBJECT) {
    snprintf(msg, sizeof msg, "the request body must be a JSON object, got %s",
             dj_type_name(root->type));
    goto bad;
  }
  if (check_model(ctx, root, resp, oc) != 0)
    return -1;
  const dj_value *v = dj_get(root, required);
  if (!v || v->type != DJ_STRING) {
    snprintf(msg, sizeof msg, "%s field '%s'", v ? "wrong type (string expected) for" : "missing",
             required);
    goto bad;
  }
  *p = ctx->cfg->prof;
  if (rq->fault && dummy_profile_apply(p, rq->fault, strlen(rq->fault), msg, sizeof msg) != 0)
    goto bad;
  if (early_fault(ctx, p, resp, oc))
    return -1;
  if (p->stall_after >= 0 || p->drop_after >= 0) {
    oc->action = p->stall_after >= 0 ? DACT_STALL : DACT_DROP;
    return -1;
  }
  return 0;
bad:
  oc->status = 400;
  dummy_error_response(resp, 400, msg, oc->keep_alive);
  return -1;
}

static void images(dummy_ctx *ctx, const dummy_request *rq, dbuf *resp, dummy_outcome *oc) {
  dj_doc *d;
  dummy_profile p;
  if (prepare_media(ctx, rq, resp, oc, &d, &p, "prompt") != 0) {
    dj_free(d);
    return;
  }
  const dj_value *root = dj_root(d);
  int w = 512, h = 512, n = 1, jpeg = 0;
  const dj_value *size = dj_get(root, "size");
  const dj_value *nv = dj_get(root, "n");
  const dj_value *fmt = dj_get(root, "output_format");
  const dj_value *rf = dj_get(root, "response_format");
  const char *why = NULL;
  if (size && (size->type != DJ_STRING || sscanf(size->str, "%dx%d", &w, &h) != 2 || w < 1 ||
               h < 1 || w > 4096 || h > 4096))
    why = "'size' must be \"WIDTHxHEIGHT\" with sides in 1..4096";
  else if (nv && (nv->type != DJ_NUMBER || nv->number != floor(nv->number) || nv->number < 1 ||
                  nv->number > 4))
    why = "'n' must be an integer in 1..4";
  else if (rf && (rf->type != DJ_STRING || strcmp(rf->str, "b64_json") != 0))
    why = "'response_format' must be \"b64_json\" (the dummy serves no URLs)";
  else if (fmt && (fmt->type != DJ_STRING ||
                   (strcmp(fmt->str, "png") != 0 && strcmp(fmt->str, "jpeg") != 0)))
    why = "'output_format' must be \"png\" or \"jpeg\"";
  if (why) {
    oc->status = 400;
    dummy_error_response(resp, 400, why, oc->keep_alive);
    dj_free(d);
    return;
  }
  if (nv)
    n = (int)nv->number;
  jpeg = fmt && strcmp(fmt->str, "jpeg") == 0;
  dj_free(d);
  dbuf body = {0};
  dbuf_printf(&body, "{\"created\":%lld,\"data\":[", ctx->started);
  for (int i = 0; i < n; i++) {
    dbuf img = {0};
    if (dummy_image(&img, w, h, jpeg, p.seed + ctx->requests * 16 + (uint64_t)i) != 0) {
      dbuf_free(&img);
      dbuf_free(&body);
      oc->status = 500;
      dummy_error_response(resp, 500, "image encoding failed", oc->keep_alive);
      return;
    }
    dbuf_str(&body, i ? ",{\"b64_json\":\"" : "{\"b64_json\":\"");
    dbuf_base64(&body, img.p, img.len);
    dbuf_str(&body, "\"}");
    dbuf_free(&img);
  }
  dbuf_str(&body, "]}");
  respond(resp, 200, "application/json", body.p, body.len, oc->keep_alive);
  dbuf_free(&body);
  oc->status = 200;
  oc->action = DACT_DELAY;
  oc->delay_ns = ms_to_ns(p.ttft_ms);
}

static void speech(dummy_ctx *ctx, const dummy_request *rq, dbuf *resp, dummy_outcome *oc) {
  dj_doc *d;
  dummy_profile p;
  if (prepare_media(ctx, rq, resp, oc, &d, &p, "input") != 0) {
    dj_free(d);
    return;
  }
  const dj_value *root = dj_root(d);
  const dj_value *rf = dj_get(root, "response_format");
  if (rf && (rf->type != DJ_STRING || strcmp(rf->str, "wav") != 0)) {
    oc->status = 400;
    dummy_error_response(resp, 400, "'response_format' must be \"wav\"", oc->keep_alive);
    dj_free(d);
    return;
  }
  const dj_value *in = dj_get(root, "input");
  int words = dummy_count_words(in->str, in->len);
  dj_free(d);
  if (words > ctx->cfg->max_model_len) { /* 0.3 s of audio a word: bound the answer too */
    char msg[200];
    snprintf(msg, sizeof msg,
             "This model's maximum context length is %d tokens. However, your request has %d "
             "input tokens. Please reduce the length of the input.",
             ctx->cfg->max_model_len, words);
    oc->status = 400;
    dummy_error_response(resp, 400, msg, oc->keep_alive);
    return;
  }
  dbuf wav = {0};
  dummy_wav(&wav, 0, (words > 0 ? words : 1) * DUMMY_SECONDS_PER_WORD);
  respond(resp, 200, "audio/wav", wav.p, wav.len, oc->keep_alive);
  dbuf_free(&wav);
  oc->status = 200;
  oc->action = DACT_DELAY;
  oc->delay_ns = ms_to_ns(p.ttft_ms);
}

static void models(dummy_ctx *ctx, dbuf *resp, dummy_outcome *oc) {
  dbuf body = {0};
  dbuf_str(&body, "{\"object\":\"list\",\"data\":[{\"id\":");
  dbuf_json_str(&body, ctx->cfg->model, strlen(ctx->cfg->model));
  dbuf_printf(&body, ",\"object\":\"model\",\"created\":%lld,\"owned_by\":\"omnilua\",\"root\":",
              ctx->started);
  dbuf_json_str(&body, ctx->cfg->model, strlen(ctx->cfg->model));
  dbuf_printf(&body, ",\"max_model_len\":%d}]}", ctx->cfg->max_model_len);
  respond(resp, 200, "application/json", body.p, body.len, oc->keep_alive);
  dbuf_free(&body);
  oc->status = 200;
}

/* What --stage-config gave (the CLI's JSON summary), for tests and humans. */
static void stage_config(dummy_ctx *ctx, dbuf *resp, dummy_outcome *oc) {
  const char *j = ctx->cfg->stage_config_json;
  if (!j)
    j = "{\"stage_config\":null,\"stages\":[]}";
  respond(resp, 200, "application/json", j, strlen(j), oc->keep_alive);
  oc->status = 200;
}

void dummy_route(dummy_ctx *ctx, const dummy_request *rq, dbuf *resp, dummy_outcome *oc) {
  memset(oc, 0, sizeof *oc);
  oc->action = DACT_RESPOND;
  oc->keep_alive = rq->keep_alive;
  ctx->requests++;
  static const struct {
    const char *path, *method;
  } routes[] = {{"/health", "GET"},
                {"/v1/models", "GET"},
                {"/v1/chat/completions", "POST"},
                {"/v1/images/generations", "POST"},
                {"/v1/audio/speech", "POST"},
                {"/debug/stage_config", "GET"}};
  size_t i = 0, n = sizeof routes / sizeof *routes;
  for (; i < n; i++)
    if (strcmp(rq->path, routes[i].path) == 0)
      break;
  char msg[700];
  if (i == n) {
    snprintf(msg, sizeof msg, "no route %s %s", rq->method, rq->path);
    oc->status = 404;
    dummy_error_response(resp, 404, msg, oc->keep_alive);
    return;
  }
  if (strcmp(rq->method, routes[i].method) != 0) {
    snprintf(msg, sizeof msg, "%s does not accept %s (use %s)", rq->path, rq->method,
             routes[i].method);
    oc->status = 405;
    dummy_error_response(resp, 405, msg, oc->keep_alive);
    return;
  }
  if (i > 0 && ctx->cfg->api_key && *ctx->cfg->api_key) {
    const char *a = rq->authorization;
    if (!a || strncmp(a, "Bearer ", 7) != 0 || strcmp(a + 7, ctx->cfg->api_key) != 0) {
      oc->status = 401;
      dummy_error_response(resp, 401, "missing or wrong API key", oc->keep_alive);
      return;
    }
  }
  switch (i) {
  case 0:
    respond(resp, 200, "text/plain", "", 0, oc->keep_alive);
    oc->status = 200;
    break;
  case 1:
    models(ctx, resp, oc);
    break;
  case 2:
    chat(ctx, rq, resp, oc);
    break;
  case 3:
    images(ctx, rq, resp, oc);
    break;
  case 4:
    speech(ctx, rq, resp, oc);
    break;
  default:
    stage_config(ctx, resp, oc);
  }
}
