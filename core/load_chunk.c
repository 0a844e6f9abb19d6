#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "load_internal.h"
#include "load_json.h"
#include "media_base64.h"
#include "media_wav_decode.h"

static void push_time(int64_t **v, size_t *n, size_t *cap, int64_t t) {
  if (grow_array(v, cap, *n + 1, sizeof **v) == 0)
    (*v)[(*n)++] = t;
}

static void add_text(load_record *rec, const lj_str *s, int keep) {
  if (!keep || !s->set || s->n == 0)
    return;
  if (grow_array(&rec->text, &rec->text_cap, rec->text_len + s->n + 1, 1) != 0)
    return;
  char *dst = rec->text + rec->text_len;
  long n = (long)s->n;
  if (s->escaped)
    n = lj_unescape(s, dst);
  else
    memcpy(dst, s->s, s->n);
  if (n < 0)
    n = 0;
  rec->text_len += (size_t)n;
  rec->text[rec->text_len] = 0;
}

static int decode_audio(load_record *rec, const char *p, size_t n) {
  const char *comma = memchr(p, ',', n < 256 ? n : 256);
  if (comma) { /* a data-URL prefix is dropped, as the reference client does */
    n -= (size_t)(comma + 1 - p);
    p = comma + 1;
  }
  if (n == 0)
    return 0;
  if (grow_array(&rec->audio, &rec->audio_cap, rec->audio_len + n / 4 * 3 + 3, 1) != 0)
    return 1;
  size_t got = 0;
  char err[96];
  if (media_base64_decode(p, n, rec->audio + rec->audio_len, &got, err, sizeof err) != 0) {
    if (!rec->audio_error[0])
      snprintf(rec->audio_error, sizeof rec->audio_error, "audio chunk: %s", err);
    return 1;
  }
  rec->audio_len += got;
  return 1;
}

/* Appends a base64 audio piece. 1 if it held any audio. */
static int add_audio(load_record *rec, const lj_str *s) {
  if (!s->set || s->n == 0)
    return 0;
  if (!s->escaped)
    return decode_audio(rec, s->s, s->n);
  char *tmp = malloc(s->n); /* "\/" from encoders that escape slashes */
  if (!tmp)
    return 1;
  long n = lj_unescape(s, tmp);
  int r = n > 0 ? decode_audio(rec, tmp, (size_t)n) : 0;
  free(tmp);
  return r;
}

/* What one answer or chunk says, read in one pass without allocating. */
typedef struct fields {
  size_t nchoices;
  lj_str content[8]; /* per choice (the first 8): text / delta.content / message.content */
  lj_str audio[8];   /* per choice: message.audio.data / delta.audio.data */
  lj_str modality, error_message;
  int has_error;
  double completion_tokens, prompt_tokens;
  int has_completion, has_prompt;
} fields;

static int read_string_or_skip(lj_cur *c, lj_str *out) {
  if (lj_peek(c) == '"')
    return lj_string(c, out);
  return lj_skip(c);
}

/* Reads (or skips) the value of member k; 0, or -1 when malformed. */
typedef int (*member_reader)(lj_cur *c, const char *k, size_t kl, void *ctx);

/* Walks the members of the object at the cursor through read_member; a value
 * that is not an object is skipped whole. 0, or -1 when malformed. Static
 * inline: each reader below is a constant here, so the call folds in. */
static inline int read_members(lj_cur *c, member_reader read_member, void *ctx) {
  if (lj_peek(c) != '{')
    return lj_skip(c);
  lj_obj_begin(c);
  const char *k;
  size_t kl;
  int r;
  while ((r = lj_obj_next(c, &k, &kl)) == 1) {
    if (read_member(c, k, kl, ctx) != 0)
      return -1;
  }
  return r;
}

/* Where one choice's content and audio.data go. */
typedef struct choice_slot {
  lj_str *content, *audio;
} choice_slot;

/* {"data": "..."} of an audio object (other members skipped). */
static int audio_member(lj_cur *c, const char *k, size_t kl, void *ctx) {
  return lj_key_is(k, kl, "data") ? read_string_or_skip(c, ctx) : lj_skip(c);
}

/* message / delta: content and audio.data. */
static int message_member(lj_cur *c, const char *k, size_t kl, void *ctx) {
  choice_slot *slot = ctx;
  if (lj_key_is(k, kl, "content"))
    return read_string_or_skip(c, slot->content);
  if (lj_key_is(k, kl, "audio"))
    return read_members(c, audio_member, slot->audio);
  return lj_skip(c);
}

static int choice_member(lj_cur *c, const char *k, size_t kl, void *ctx) {
  choice_slot *slot = ctx;
  if (lj_key_is(k, kl, "message") || lj_key_is(k, kl, "delta"))
    return read_members(c, message_member, slot);
  if (lj_key_is(k, kl, "text"))
    return read_string_or_skip(c, slot->content);
  return lj_skip(c);
}

static int read_choice(lj_cur *c, fields *f) {
  size_t i = f->nchoices++;
  if (i >= 8)
    return lj_skip(c);
  choice_slot slot = {&f->content[i], &f->audio[i]};
  return read_members(c, choice_member, &slot);
}

static int usage_member(lj_cur *c, const char *k, size_t kl, void *ctx) {
  fields *f = ctx;
  int num = lj_peek(c) == '-' || (lj_peek(c) >= '0' && lj_peek(c) <= '9');
  if (num && lj_key_is(k, kl, "completion_tokens")) {
    f->has_completion = 1;
    return lj_number(c, &f->completion_tokens);
  }
  if (num && lj_key_is(k, kl, "prompt_tokens")) {
    f->has_prompt = 1;
    return lj_number(c, &f->prompt_tokens);
  }
  return lj_skip(c);
}

static int error_member(lj_cur *c, const char *k, size_t kl, void *ctx) {
  fields *f = ctx;
  return lj_key_is(k, kl, "message") ? read_string_or_skip(c, &f->error_message) : lj_skip(c);
}

/* A member of the answer's top-level object. */
static int answer_member(lj_cur *c, const char *k, size_t kl, void *ctx) {
  fields *f = ctx;
  if (lj_key_is(k, kl, "choices") && lj_peek(c) == '[') {
    lj_arr_begin(c);
    int a;
    while ((a = lj_arr_next(c)) == 1)
      if (read_choice(c, f) != 0)
        return -1;
    return a;
  }
  if (lj_key_is(k, kl, "usage"))
    return read_members(c, usage_member, f);
  if (lj_key_is(k, kl, "modality"))
    return read_string_or_skip(c, &f->modality);
  if (lj_key_is(k, kl, "error")) {
    f->has_error = 1;
    return read_members(c, error_member, f);
  }
  return lj_skip(c);
}

/* 0 when the text is one JSON object (fields filled), -1 otherwise. */
static int read_fields(const char *p, size_t n, fields *f) {
  memset(f, 0, sizeof *f);
  lj_cur c = {p, p + n, 0};
  if (lj_peek(&c) != '{')
    return -1;
  /* malformed, or bytes after the object */
  if (read_members(&c, answer_member, f) != 0 || lj_peek(&c) != 0)
    return -1;
  return 0;
}

static void set_usage(load_record *rec, const fields *f) {
  if (f->has_completion)
    rec->completion_tokens = (int)f->completion_tokens;
  if (f->has_prompt)
    rec->prompt_tokens = (int)f->prompt_tokens;
}

static int is_audio_modality(const fields *f) {
  return f->modality.set && f->modality.n == 5 && memcmp(f->modality.s, "audio", 5) == 0;
}

int load_chunk_event(load_record *rec, const char *data, size_t n, int64_t t_ns, int keep_text) {
  if (n == 0 || (n == 6 && memcmp(data, "[DONE]", 6) == 0))
    return 0;
  fields f;
  if (read_fields(data, n, &f) != 0) /* the reference skips what it cannot parse as a chunk */
    return 0;
  int kind = 0;
  if (f.nchoices > 0) {
    kind = 1;
    push_time(&rec->tok_ns, &rec->ntok, &rec->tok_cap, t_ns);
    int got_audio = 0;
    if (is_audio_modality(&f))
      got_audio = add_audio(rec, &f.content[0]);
    else
      add_text(rec, &f.content[0], keep_text);
    got_audio |= add_audio(rec, &f.audio[0]);
    if (got_audio)
      push_time(&rec->audio_ns, &rec->naudio, &rec->audio_ns_cap, t_ns);
  } else if (f.has_error) {
    char msg[200] = "(no message)";
    if (f.error_message.set) {
      size_t m = f.error_message.n < sizeof msg - 1 ? f.error_message.n : sizeof msg - 1;
      lj_str part = f.error_message;
      part.n = m; /* a cut escape is dropped by lj_unescape's failure: copy raw then */
      long got = part.escaped ? lj_unescape(&part, msg) : (long)m;
      if (!part.escaped || got < 0) {
        memcpy(msg, part.s, m);
        got = (long)m;
      }
      msg[got] = 0;
    }
    snprintf(rec->error, sizeof rec->error, "error in the stream: %s", msg);
    kind = -1;
  }
  set_usage(rec, &f);
  return kind;
}

int load_chunk_body(load_record *rec, const char *body, size_t n, int64_t t_ns, int keep_text) {
  fields f;
  if (read_fields(body, n, &f) != 0) {
    snprintf(rec->error, sizeof rec->error, "answer is not JSON (or not an object)");
    return -1;
  }
  int ok = f.nchoices > 0;
  if (ok) {
    push_time(&rec->tok_ns, &rec->ntok, &rec->tok_cap, t_ns);
    int got_audio = 0;
    size_t m = f.nchoices < 8 ? f.nchoices : 8;
    for (size_t i = 0; i < m; i++) {
      add_text(rec, &f.content[i], keep_text);
      got_audio |= add_audio(rec, &f.audio[i]);
    }
    if (got_audio)
      push_time(&rec->audio_ns, &rec->naudio, &rec->audio_ns_cap, t_ns);
  }
  set_usage(rec, &f);
  return ok;
}

static uint32_t le32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

double load_audio_seconds(const unsigned char *p, size_t n, char *err, size_t errlen) {
  double total = 0, byte_rate = 0;
  size_t off = 0;
  if (errlen)
    err[0] = 0;
  while (off < n) {
    const unsigned char *q = p + off;
    size_t left = n - off;
    if (left >= 12 && memcmp(q, "RIFF", 4) == 0 && memcmp(q + 8, "WAVE", 4) == 0) {
      size_t len = (size_t)le32(q + 4) + 8;
      if (len > left || len < 12)
        len = left;
      media_wav_info info;
      char why[128];
      if (media_wav_decode(q, len, &info, why, sizeof why) != 0) {
        snprintf(err, errlen, "WAV at byte %zu: %s", off, why);
        return total;
      }
      total += info.duration;
      byte_rate = (double)info.sample_rate * info.channels * (info.bits / 8);
      off += len;
    } else if (byte_rate > 0) { /* headerless PCM continuing the previous WAV */
      total += (double)left / byte_rate;
      break;
    } else {
      snprintf(err, errlen, "audio does not start with a RIFF/WAVE header");
      return 0;
    }
  }
  return total;
}

void load_record_clear(load_record *rec) {
  free(rec->tok_ns);
  free(rec->audio_ns);
  free(rec->text);
  free(rec->audio);
  rec->tok_ns = rec->audio_ns = NULL;
  rec->text = NULL;
  rec->audio = NULL;
}
