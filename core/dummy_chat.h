/* Chat completions of the dummy model: a request becomes a reply plan (the
 * answer's tokens, audio length, usage, the latency profile and faults), from
 * which the server takes either the whole non-streaming body or the SSE
 * events one by one, each at its planned time. The format follows the
 * reference engine: every chunk has "modality": "text" | "audio", audio
 * deltas are base64 WAV pieces, non-streaming audio is in
 * choices[1].message.audio.data. */
#ifndef OMNILUA_DUMMY_CHAT_H
#define OMNILUA_DUMMY_CHAT_H
#include <stdint.h>

#include "dummy_answer.h"
#include "dummy_buf.h"
#include "dummy_json.h"
#include "dummy_profile.h"

typedef struct dummy_reply {
  dummy_profile prof;
  uint64_t rng;
  char id[48];
  char model[128];
  long long created;
  dbuf answer;      /* the natural answer, words separated by one space */
  size_t *word_off; /* start and length of each answer word */
  size_t *word_len;
  int nwords;
  int ntok; /* text tokens to send (cycling over the answer's words) */
  int want_text, want_audio, stream, include_usage;
  int audio_chunks;
  double audio_seconds;
  int prompt_tokens;
  int sent;     /* content chunks sent so far */
  int finished; /* usage and [DONE] sent */
  int64_t t0_ns, last_at_ns;
} dummy_reply;

#define DUMMY_AUDIO_CHUNK_SECONDS 0.5

/* What the server should do after a step. */
typedef enum { DSTEP_MORE, DSTEP_DONE, DSTEP_STALL, DSTEP_DROP } dummy_step;

/* Builds a plan from a parsed chat request. On a bad request returns the
 * HTTP status (400/404) with the message in err; 0 on success. A prompt with
 * no text and no media, or over max_model_len tokens, is a bad request. */
int dummy_chat_plan(const dj_value *req, const char *model, const dummy_profile *server_prof,
                    const char *header_fault, int default_audio, int max_model_len,
                    uint64_t request_no, dummy_reply *out, char *err, size_t errlen);
void dummy_reply_free(dummy_reply *r);
/* The whole non-streaming response body. */
void dummy_reply_body(dummy_reply *r, dbuf *out);
/* When the next SSE step is due (CLOCK_MONOTONIC ns). */
int64_t dummy_reply_next_at(dummy_reply *r);
/* Appends the next SSE event(s) ("data: ...\n\n") to out. */
dummy_step dummy_reply_step(dummy_reply *r, dbuf *out);
/* The plain text of the answer as sent (the tokens joined). */
void dummy_reply_text(const dummy_reply *r, dbuf *out);

#endif
