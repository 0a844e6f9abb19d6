/*
 * The perf load engine: runs a benchmark's requests on the HTTP engine, each
 * sent at its intended time (a schedule on CLOCK_MONOTONIC) under an optional
 * concurrency cap, and records per request, in C with no Lua in the loop:
 * intended and actual send time, the arrival time of every token chunk (an
 * SSE message with non-empty "choices", as `vllm bench serve` counts them)
 * and of every audio chunk, the server's usage, the generated text, and the
 * joined audio (its duration decoded from the WAV headers).
 *
 *   load_run *r = load_new(&opts, n, err, sizeof err);
 *   for (i...) load_add(r, body, len, offset_s);      // offsets from load_schedule
 *   load_start(r, clock_now_ns());
 *   while (load_step(r, clock_now_ns() + 250000000) > 0) { progress... }
 *   const load_record *rec = load_get(r, i);
 *   load_free(r);
 */
#ifndef OMNILUA_LOAD_ENGINE_H
#define OMNILUA_LOAD_ENGINE_H
#include <stddef.h>
#include <stdint.h>

typedef struct load_run load_run;

typedef struct load_opts {
  const char *url;
  const char *const *headers; /* "Name: value" lines */
  int nheaders;
  const char *bearer;
  int stream;          /* 1: SSE answers (chunks timed); 0: one JSON body */
  int max_concurrency; /* 0: no cap */
  int64_t timeout_ms;  /* per request, 0: none */
  int keep_text;       /* keep the generated text */
} load_opts;

typedef struct load_record {
  int64_t intended_ns; /* when the schedule wanted it sent */
  int64_t sent_ns;     /* when it was handed to the network (after any queueing) */
  int64_t end_ns;      /* when the answer ended */
  int success;
  int status;
  char error[256];
  int64_t *tok_ns; /* arrival of each token chunk */
  size_t ntok, tok_cap;
  int64_t *audio_ns; /* arrival of each non-empty audio chunk (subset of tok_ns) */
  size_t naudio, audio_ns_cap;
  int prompt_tokens, completion_tokens; /* from the server's usage; -1 if absent */
  char *text;                           /* generated text (keep_text) */
  size_t text_len, text_cap;
  unsigned char *audio; /* decoded audio pieces, joined */
  size_t audio_len, audio_cap;
  double audio_seconds; /* from the WAV header(s); 0 when none or undecodable */
  char audio_error[128];
} load_record;

load_run *load_new(const load_opts *o, size_t n, char *err, size_t errlen);
void load_free(load_run *r);
/* Adds request i (in order) with its body, sent offset_s after the start.
 * 0, or -1 (more than n requests, out of memory). */
int load_add(load_run *r, const char *body, size_t len, double offset_s);
/* Warm-up, on the same HTTP engine (so its connections stay open for the
 * measured run): sends `count` copies of body at once (at most the
 * concurrency cap in flight, so that many keep-alive connections get
 * opened) and runs until they end or deadline_ns. Nothing is recorded.
 * Before load_start only. Returns how many failed (or did not end), or -1
 * with a message in err. */
int load_warmup(load_run *r, const char *body, size_t len, int count, int64_t deadline_ns,
                char *err, size_t errlen);
/* Queues every added request on the HTTP engine relative to t0_ns. */
int load_start(load_run *r, int64_t t0_ns, char *err, size_t errlen);
/* Runs until done or deadline_ns (0: until done); returns how many remain. */
int load_step(load_run *r, int64_t deadline_ns);
/* Ends what is still running (they fail as "cancelled"). */
void load_cancel(load_run *r);
size_t load_count(const load_run *r);
size_t load_finished(const load_run *r);
size_t load_failed(const load_run *r);
size_t load_chunks_seen(const load_run *r); /* token chunks so far (for progress) */
const load_record *load_get(const load_run *r, size_t i);

/* Duration in seconds of joined audio bytes: consecutive complete WAV files
 * (each header read), raw PCM after a header counted at that header's rate.
 * 0 and a reason in err when nothing decodes. Exposed for tests. */
double load_audio_seconds(const unsigned char *p, size_t n, char *err, size_t errlen);

#endif
