#include "load_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_engine.h"
#include "load_internal.h"
#include "net_rxstamp.h"

typedef struct pending {
  char *body;
  size_t len;
  double offset_s;
} pending;

struct load_run {
  load_opts o;
  char *url, *bearer;
  char **headers;
  http_engine *e;
  size_t n, nadded;
  pending *todo;
  load_record *recs;
  size_t finished, failed, chunks;
  size_t nwarm, warm_done, warm_failed; /* warm-up requests come first in the engine */
  int started;
  int stamp_fd; /* keeps the kernel's receive stamping on (net_rxstamp.h) */
};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

load_run *load_new(const load_opts *o, size_t n, char *err, size_t errlen) {
  if (!o->url || !*o->url) {
    snprintf(err, errlen, "load: no url");
    return NULL;
  }
  load_run *r = calloc(1, sizeof *r);
  if (!r)
    goto nomem;
  r->o = *o;
  r->n = n;
  r->stamp_fd = rxstamp_hold();
  r->url = strdup(o->url);
  r->bearer = dup_or_null(o->bearer);
  r->todo = calloc(n ? n : 1, sizeof *r->todo);
  r->recs = calloc(n ? n : 1, sizeof *r->recs);
  r->headers = calloc((size_t)(o->nheaders > 0 ? o->nheaders : 1), sizeof *r->headers);
  if (!r->url || !r->todo || !r->recs || !r->headers || (o->bearer && !r->bearer))
    goto nomem;
  for (int i = 0; i < o->nheaders; i++)
    if (!(r->headers[i] = strdup(o->headers[i])))
      goto nomem;
  int conc = o->max_concurrency > 0 ? o->max_concurrency : (int)(n > 0 ? n : 1);
  if (!(r->e = http_engine_new(conc)))
    goto nomem;
  return r;
nomem:
  load_free(r);
  snprintf(err, errlen, "load: out of memory");
  return NULL;
}

void load_free(load_run *r) {
  if (!r)
    return;
  http_engine_free(r->e);
  if (r->stamp_fd >= 0)
    close(r->stamp_fd);
  for (size_t i = 0; r->todo && i < r->n; i++)
    free(r->todo[i].body);
  for (size_t i = 0; r->recs && i < r->n; i++)
    load_record_clear(&r->recs[i]);
  for (int i = 0; r->headers && i < r->o.nheaders; i++)
    free(r->headers[i]);
  free(r->headers);
  free(r->todo);
  free(r->recs);
  free(r->url);
  free(r->bearer);
  free(r);
}

int load_add(load_run *r, const char *body, size_t len, double offset_s) {
  if (r->started || r->nadded >= r->n)
    return -1;
  pending *p = &r->todo[r->nadded];
  p->body = malloc(len ? len : 1);
  if (!p->body)
    return -1;
  memcpy(p->body, body, len);
  p->len = len;
  p->offset_s = offset_s;
  load_record *rec = &r->recs[r->nadded];
  rec->prompt_tokens = rec->completion_tokens = -1;
  r->nadded++;
  return 0;
}

static load_record *rec_of(http_req *q, void *ud) {
  load_run *r = ud;
  return &r->recs[http_req_index(q) - r->nwarm];
}

static int on_event(http_req *q, const char *ev, size_t elen, const char *data, size_t dlen,
                    int64_t t_ns, void *ud) {
  (void)ev;
  (void)elen;
  load_run *r = ud;
  load_record *rec = rec_of(q, ud);
  if (load_chunk_event(rec, data, dlen, t_ns, r->o.keep_text) == 1)
    r->chunks++;
  return 0;
}

static void on_done(http_req *q, void *ud) {
  load_run *r = ud;
  load_record *rec = rec_of(q, ud);
  const http_result *res = http_req_result(q);
  rec->intended_ns = res->t_due_ns;
  rec->sent_ns = res->t_start_ns;
  rec->status = res->status;
  rec->end_ns = res->t_end_ns;
  if (res->err != HTTP_OK) {
    snprintf(rec->error, sizeof rec->error, "%s: %.200s", http_err_code(res->err), res->errmsg);
  } else if (res->status != 200) {
    int n = res->body_len > 160 ? 160 : (int)res->body_len;
    snprintf(rec->error, sizeof rec->error, "HTTP %d: %.*s", res->status, n,
             res->body ? res->body : "");
  } else if (!r->o.stream) {
    if (load_chunk_body(rec, res->body ? res->body : "", res->body_len, res->t_end_ns,
                        r->o.keep_text) == 1)
      rec->success = 1;
    else if (!rec->error[0])
      snprintf(rec->error, sizeof rec->error, "the answer has no choices");
  } else if (rec->error[0]) {
    /* the server reported an error inside the stream */
  } else if (rec->ntok == 0) {
    snprintf(rec->error, sizeof rec->error,
             "Never received a valid chunk to calculate TTFT.This response will be marked as "
             "failed!");
  } else {
    rec->success = 1;
  }
  if (rec->success && rec->ntok > 0)
    rec->end_ns = rec->tok_ns[rec->ntok - 1]; /* E2EL ends at the last token chunk */
  if (rec->audio_len > 0) {
    char why[128];
    rec->audio_seconds = load_audio_seconds(rec->audio, rec->audio_len, why, sizeof why);
    if (why[0] && !rec->audio_error[0])
      snprintf(rec->audio_error, sizeof rec->audio_error, "%s", why);
  }
  r->finished++;
  if (!rec->success)
    r->failed++;
}

static void on_warm_done(http_req *q, void *ud) {
  load_run *r = ud;
  const http_result *res = http_req_result(q);
  r->warm_done++;
  if (res->err != HTTP_OK || res->status != 200)
    r->warm_failed++;
}

static http_req_opts request_opts(const load_run *r, const char *body, size_t len,
                                  int64_t start_at_ns) {
  http_req_opts o = {.method = "POST",
                     .url = r->url,
                     .headers = (const char *const *)r->headers,
                     .nheaders = r->o.nheaders,
                     .body = body,
                     .body_len = len,
                     .bearer = r->bearer,
                     .timeout_ms = r->o.timeout_ms,
                     .max_bytes = (size_t)256 << 20,
                     .sse = r->o.stream,
                     .keep_body = !r->o.stream,
                     .start_at_ns = start_at_ns};
  return o;
}

int load_warmup(load_run *r, const char *body, size_t len, int count, int64_t deadline_ns,
                char *err, size_t errlen) {
  if (r->started) {
    snprintf(err, errlen, "load: warm-up after start");
    return -1;
  }
  /* Events are not looked at: only the end of each request matters. */
  http_callbacks cb = {.on_done = on_warm_done, .ud = r};
  for (int i = 0; i < count; i++) {
    http_req_opts o = request_opts(r, body, len, 0);
    if (!http_engine_add(r->e, &o, &cb, err, errlen))
      return -1;
    r->nwarm++;
  }
  http_engine_run(r->e, deadline_ns);
  if (r->warm_done < r->nwarm) {
    http_engine_cancel(r->e); /* out of time: what is left ends now */
    http_engine_run(r->e, 0);
  }
  return (int)(r->warm_failed + (r->nwarm - r->warm_done));
}

int load_start(load_run *r, int64_t t0_ns, char *err, size_t errlen) {
  if (r->started) {
    snprintf(err, errlen, "load: already started");
    return -1;
  }
  r->started = 1;
  http_callbacks cb = {.on_event = on_event, .on_done = on_done, .ud = r};
  for (size_t i = 0; i < r->nadded; i++) {
    pending *p = &r->todo[i];
    http_req_opts o = request_opts(r, p->body, p->len, t0_ns + (int64_t)(p->offset_s * 1e9));
    if (o.start_at_ns <= 0)
      o.start_at_ns = 1; /* 0 would mean "now" for the engine: same thing, kept explicit */
    if (!http_engine_add(r->e, &o, &cb, err, errlen))
      return -1;
    free(p->body); /* the engine keeps its own copy */
    p->body = NULL;
  }
  return 0;
}

int load_step(load_run *r, int64_t deadline_ns) { return http_engine_run(r->e, deadline_ns); }
void load_cancel(load_run *r) { http_engine_cancel(r->e); }
size_t load_count(const load_run *r) { return r->nadded; }
size_t load_finished(const load_run *r) { return r->finished; }
size_t load_failed(const load_run *r) { return r->failed; }
size_t load_chunks_seen(const load_run *r) { return r->chunks; }
const load_record *load_get(const load_run *r, size_t i) {
  return i < r->nadded ? &r->recs[i] : NULL;
}
