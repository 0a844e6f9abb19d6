#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dummy_json.h"
#include "http_engine.h"
#include "load_internal.h"
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

static void add_text(load_record *rec, const dj_value *s, int keep) {
  if (!keep || !s || s->type != DJ_STRING || s->len == 0)
    return;
  if (grow(&rec->text, &rec->text_cap, rec->text_len + s->len + 1, 1) != 0)
    return;
  memcpy(rec->text + rec->text_len, s->str, s->len);
  rec->text_len += s->len;
  rec->text[rec->text_len] = 0;
}

/* Appends a base64 audio piece (a data-URL prefix up to the comma is
 * dropped, as the reference client does). 1 if it held any audio. */
static int add_audio(load_record *rec, const dj_value *s) {
  if (!s || s->type != DJ_STRING || s->len == 0)
    return 0;
  const char *p = s->str;
  size_t n = s->len;
  const char *comma = memchr(p, ',', n < 256 ? n : 256);
  if (comma) {
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

static void read_usage(load_record *rec, const dj_value *root) {
  const dj_value *u = dj_get(root, "usage");
  if (!u || u->type != DJ_OBJECT)
    return;
  const dj_value *c = dj_get(u, "completion_tokens"), *p = dj_get(u, "prompt_tokens");
  if (c && c->type == DJ_NUMBER)
    rec->completion_tokens = (int)c->number;
  if (p && p->type == DJ_NUMBER)
    rec->prompt_tokens = (int)p->number;
}

static int is_audio_modality(const dj_value *root) {
  const dj_value *m = dj_get(root, "modality");
  return m && m->type == DJ_STRING && strcmp(m->str, "audio") == 0;
}

int load_chunk_event(load_record *rec, const char *data, size_t n, int64_t t_ns, int keep_text) {
  if (n == 0 || (n == 6 && memcmp(data, "[DONE]", 6) == 0))
    return 0;
  char err[128];
  dj_doc *d = dj_parse(data, n, err, sizeof err);
  if (!d) /* the reference skips what it cannot parse as a chunk */
    return 0;
  const dj_value *root = dj_root(d);
  int kind = 0;
  const dj_value *choices = dj_get(root, "choices");
  if (choices && choices->type == DJ_ARRAY && choices->n > 0) {
    kind = 1;
    push_time(&rec->tok_ns, &rec->ntok, &rec->tok_cap, t_ns);
    const dj_value *c0 = &choices->items[0];
    const dj_value *delta = dj_get(c0, "delta");
    const dj_value *content = delta ? dj_get(delta, "content") : dj_get(c0, "text");
    const dj_value *audio = delta ? dj_get(delta, "audio") : NULL;
    int got_audio = 0;
    if (is_audio_modality(root))
      got_audio = add_audio(rec, content);
    else
      add_text(rec, content, keep_text);
    if (audio && audio->type == DJ_OBJECT)
      got_audio |= add_audio(rec, dj_get(audio, "data"));
    if (got_audio)
      push_time(&rec->audio_ns, &rec->naudio, &rec->audio_ns_cap, t_ns);
  } else if (dj_get(root, "error")) {
    const dj_value *e = dj_get(root, "error"), *m = dj_get(e, "message");
    snprintf(rec->error, sizeof rec->error, "error in the stream: %s",
             m && m->type == DJ_STRING ? m->str : "(no message)");
    kind = -1;
  }
  read_usage(rec, root);
  dj_free(d);
  return kind;
}

int load_chunk_body(load_record *rec, const char *body, size_t n, int64_t t_ns, int keep_text) {
  char err[128];
  dj_doc *d = dj_parse(body, n, err, sizeof err);
  if (!d) {
    snprintf(rec->error, sizeof rec->error, "answer is not JSON: %s", err);
    return -1;
  }
  const dj_value *root = dj_root(d);
  const dj_value *choices = dj_get(root, "choices");
  int ok = choices && choices->type == DJ_ARRAY && choices->n > 0;
  if (ok) {
    push_time(&rec->tok_ns, &rec->ntok, &rec->tok_cap, t_ns);
    int got_audio = 0;
    for (size_t i = 0; i < choices->n; i++) {
      const dj_value *msg = dj_get(&choices->items[i], "message");
      const dj_value *text = msg ? dj_get(msg, "content") : dj_get(&choices->items[i], "text");
      add_text(rec, text, keep_text);
      const dj_value *audio = msg ? dj_get(msg, "audio") : NULL;
      if (audio && audio->type == DJ_OBJECT)
        got_audio |= add_audio(rec, dj_get(audio, "data"));
    }
    if (got_audio)
      push_time(&rec->audio_ns, &rec->naudio, &rec->audio_ns_cap, t_ns);
  }
  read_usage(rec, root);
  dj_free(d);
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
