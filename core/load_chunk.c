#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_engine.h"
#include "load_internal.h"
#include "load_json.h"
#include "media_base64.h"
#include "media_wav_decode.h"

static int grow(void *pp, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap : 16;
  while (c < need)
    c *= 2;
  void *n = realloc(*(void **)pp, c * elem);
  if (!n)
    return -1;
  *(void **)pp = n;
  *cap = c;
  return 0;
}

static void push_time(int64_t **v, size_t *n, size_t *cap, int64_t t) {
  if (grow(v, cap, *n + 1, sizeof **v) == 0)
    (*v)[(*n)++] = t;
}

static void add_text(load_record *rec, const lj_str *s, int keep) {
  if (!keep || !s->set || s->n == 0)
    return;
  if (grow(&rec->text, &rec->text_cap, rec->text_len + s->n + 1, 1) != 0)
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
  if (grow(&rec->audio, &rec->audio_cap, rec->audio_len + n / 4 * 3 + 3, 1) != 0)
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

/* {"data": "..."} of an audio object (other members skipped). */
static int read_audio(lj_cur *c, lj_str *out) {
  if (lj_peek(c) != '{')
    return lj_skip(c);
  lj_obj_begin(c);
  const char *k;
  size_t kl;
  int r;
  while ((r = lj_obj_next(c, &k, &kl)) == 1) {
    if ((lj_key_is(k, kl, "data") ? read_string_or_skip(c, out) : lj_skip(c)) != 0)
      return -1;
  }
  return r;
}

/* message / delta: content and audio.data. */
static int read_message(lj_cur *c, lj_str *content, lj_str *audio) {
  if (lj_peek(c) != '{')
    return lj_skip(c);
  lj_obj_begin(c);
  const char *k;
  size_t kl;
  int r;
  while ((r = lj_obj_next(c, &k, &kl)) == 1) {
    int rc;
    if (lj_key_is(k, kl, "content"))
      rc = read_string_or_skip(c, content);
    else if (lj_key_is(k, kl, "audio"))
      rc = read_audio(c, audio);
    else
      rc = lj_skip(c);
    if (rc != 0)
      return -1;
  }
  return r;
}

static int read_choice(lj_cur *c, fields *f) {
  size_t i = f->nchoices++;
  if (i >= 8 || lj_peek(c) != '{')
    return lj_skip(c);
  lj_obj_begin(c);
  const char *k;
  size_t kl;
  int r;
  while ((r = lj_obj_next(c, &k, &kl)) == 1) {
    int rc;
    if (lj_key_is(k, kl, "message") || lj_key_is(k, kl, "delta"))
      rc = read_message(c, &f->content[i], &f->audio[i]);
    else if (lj_key_is(k, kl, "text"))
      rc = read_string_or_skip(c, &f->content[i]);
    else
      rc = lj_skip(c);
    if (rc != 0)
      return -1;
  }
  return r;
}

static int read_usage(lj_cur *c, fields *f) {
  if (lj_peek(c) != '{')
    return lj_skip(c);
  lj_obj_begin(c);
  const char *k;
  size_t kl;
  int r;
  while ((r = lj_obj_next(c, &k, &kl)) == 1) {
    int num = lj_peek(c) == '-' || (lj_peek(c) >= '0' && lj_peek(c) <= '9');
    int rc;
    if (num && lj_key_is(k, kl, "completion_tokens"))
      rc = lj_number(c, &f->completion_tokens), f->has_completion = 1;
    else if (num && lj_key_is(k, kl, "prompt_tokens"))
      rc = lj_number(c, &f->prompt_tokens), f->has_prompt = 1;
    else
      rc = lj_skip(c);
    if (rc != 0)
      return -1;
  }
  return r;
}

static int read_error(lj_cur *c, fields *f) {
  f->has_error = 1;
  if (lj_peek(c) != '{')
    return lj_skip(c);
  lj_obj_begin(c);
  const char *k;
  size_t kl;
  int r;
  while ((r = lj_obj_next(c, &k, &kl)) == 1) {
    if ((lj_key_is(k, kl, "message") ? read_string_or_skip(c, &f->error_message) : lj_skip(c)) != 0)
      return -1;
  }
  return r;
}

/* 0 when the text is one JSON object (fields filled), -1 otherwise. */
static int read_fields(const char *p, size_t n, fields *f) {
  memset(f, 0, sizeof *f);
  lj_cur c = {p, p + n, 0};
  if (!lj_obj_begin(&c))
    return -1;
  const char *k;
  size_t kl;
  int r;
  while ((r = lj_obj_next(&c, &k, &kl)) == 1) {
    int rc;
    if (lj_key_is(k, kl, "choices") && lj_peek(&c) == '[') {
      lj_arr_begin(&c);
      int a;
      while ((a = lj_arr_next(&c)) == 1)
        if (read_choice(&c, f) != 0)
          return -1;
      rc = a;
    } else if (lj_key_is(k, kl, "usage")) {
      rc = read_usage(&c, f);
    } else if (lj_key_is(k, kl, "modality")) {
      rc = read_string_or_skip(&c, &f->modality);
    } else if (lj_key_is(k, kl, "error")) {
      rc = read_error(&c, f);
    } else {
      rc = lj_skip(&c);
    }
    if (rc != 0)
      return -1;
  }
  if (r != 0 || lj_peek(&c) != 0) /* malformed, or bytes after the object */
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
