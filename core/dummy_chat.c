#include "dummy_chat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dummy_media.h"

static int bad(char *err, size_t errlen, int status, const char *fmt, const char *a) {
  snprintf(err, errlen, fmt, a);
  return status;
}

static int opt_int_field(const dj_value *req, const char *name, int *out, char *err,
                         size_t errlen) {
  const dj_value *v = dj_get(req, name);
  if (!v || v->type == DJ_NULL)
    return 0;
  if (v->type != DJ_NUMBER || v->number != floor(v->number) || v->number < 1 || v->number > 1e6)
    return bad(err, errlen, 400, "'%s' must be an integer between 1 and 1000000", name);
  *out = (int)v->number;
  return 0;
}

static int opt_bool_field(const dj_value *req, const char *name, int *out, char *err,
                          size_t errlen) {
  const dj_value *v = dj_get(req, name);
  if (!v || v->type == DJ_NULL)
    return 0;
  if (v->type != DJ_BOOL)
    return bad(err, errlen, 400, "'%s' must be a boolean", name);
  *out = v->boolean;
  return 0;
}

static void split_words(dummy_reply *r) {
  size_t cap = 16;
  r->word_off = malloc(cap * sizeof(size_t));
  r->word_len = malloc(cap * sizeof(size_t));
  const char *s = r->answer.p;
  size_t n = r->answer.len, i = 0;
  while (i < n && r->word_off && r->word_len) {
    while (i < n && s[i] == ' ')
      i++;
    size_t b = i;
    while (i < n && s[i] != ' ')
      i++;
    if (i == b)
      break;
    if ((size_t)r->nwords == cap) {
      cap *= 2;
      size_t *a = realloc(r->word_off, cap * sizeof(size_t));
      if (a)
        r->word_off = a;
      size_t *l = realloc(r->word_len, cap * sizeof(size_t));
      if (l)
        r->word_len = l;
      if (!a || !l)
        break;
    }
    r->word_off[r->nwords] = b;
    r->word_len[r->nwords] = i - b;
    r->nwords++;
  }
}

int dummy_chat_plan(const dj_value *req, const char *model, const dummy_profile *server_prof,
                    const char *header_fault, int default_audio, int max_model_len,
                    uint64_t request_no, dummy_reply *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (req->type != DJ_OBJECT)
    return bad(err, errlen, 400, "the request body must be a JSON object, got %s",
               dj_type_name(req->type));
  const dj_value *m = dj_get(req, "model");
  if (!m)
    return bad(err, errlen, 400, "missing required field '%s'", "model");
  if (m->type != DJ_STRING)
    return bad(err, errlen, 400, "'model' must be a string, got %s", dj_type_name(m->type));
  if (strcmp(m->str, model) != 0)
    return bad(err, errlen, 404, "The model `%s` does not exist.", m->str);
  const dj_value *msgs = dj_get(req, "messages");
  if (!msgs)
    return bad(err, errlen, 400, "missing required field '%s'", "messages");
  if (msgs->type != DJ_ARRAY || msgs->n == 0)
    return bad(err, errlen, 400, "'messages' must be a non-empty array, got %s",
               msgs->type == DJ_ARRAY ? "an empty array" : dj_type_name(msgs->type));
  int max_tokens = -1, ignore_eos = 0, rc;
  if ((rc = opt_int_field(req, "max_tokens", &max_tokens, err, errlen)) ||
      (rc = opt_int_field(req, "max_completion_tokens", &max_tokens, err, errlen)) ||
      (rc = opt_bool_field(req, "stream", &out->stream, err, errlen)) ||
      (rc = opt_bool_field(req, "ignore_eos", &ignore_eos, err, errlen)))
    return rc;
  const dj_value *so = dj_get(req, "stream_options");
  if (so && so->type != DJ_NULL) {
    if (so->type != DJ_OBJECT)
      return bad(err, errlen, 400, "'stream_options' must be an object, got %s",
                 dj_type_name(so->type));
    if ((rc = opt_bool_field(so, "include_usage", &out->include_usage, err, errlen)))
      return rc;
  }
  out->want_text = 1;
  out->want_audio = default_audio;
  const dj_value *mods = dj_get(req, "modalities");
  if (mods && mods->type != DJ_NULL) {
    if (mods->type != DJ_ARRAY || mods->n == 0)
      return bad(err, errlen, 400, "'modalities' must be a non-empty array of %s",
                 "\"text\" and \"audio\"");
    out->want_text = out->want_audio = 0;
    for (size_t i = 0; i < mods->n; i++) {
      const dj_value *x = &mods->items[i];
      if (x->type == DJ_STRING && strcmp(x->str, "text") == 0)
        out->want_text = 1;
      else if (x->type == DJ_STRING && strcmp(x->str, "audio") == 0)
        out->want_audio = 1;
      else
        return bad(err, errlen, 400, "unknown modality %s (\"text\" or \"audio\" expected)",
                   x->type == DJ_STRING ? x->str : dj_type_name(x->type));
    }
  }
  out->prof = *server_prof;
  const dj_value *f = dj_get(req, "dummy_fault");
  if (f && f->type != DJ_STRING)
    return bad(err, errlen, 400, "'dummy_fault' must be a string, got %s", dj_type_name(f->type));
  if (header_fault &&
      dummy_profile_apply(&out->prof, header_fault, strlen(header_fault), err, errlen) != 0)
    return 400;
  if (f && dummy_profile_apply(&out->prof, f->str, f->len, err, errlen) != 0)
    return 400;

  dummy_prompt p;
  if (dummy_prompt_from_messages(msgs, &p, err, errlen) != 0) {
    dummy_prompt_free(&p);
    return 400;
  }
  if (p.words == 0 && p.images + p.videos + p.audios == 0) {
    dummy_prompt_free(&p);
    return bad(err, errlen, 400, "%s",
               "the prompt is empty: the messages hold no text and no media");
  }
  if (p.prompt_tokens > max_model_len) { /* vLLM's wording, so clients see the same error */
    snprintf(err, errlen,
             "This model's maximum context length is %d tokens. However, your request has %d "
             "input tokens. Please reduce the length of the input messages.",
             max_model_len, p.prompt_tokens);
    dummy_prompt_free(&p);
    return 400;
  }
  dummy_answer(&p, &out->answer);
  out->prompt_tokens = p.prompt_tokens;
  dummy_prompt_free(&p);
  split_words(out);
  if (out->answer.failed || !out->word_off || !out->word_len)
    return bad(err, errlen, 500, "%s", "out of memory");
  if (out->prof.output_tokens >= 0)
    out->ntok = out->prof.output_tokens;
  else if (ignore_eos && max_tokens > 0)
    out->ntok = max_tokens;
  else
    out->ntok = max_tokens > 0 && max_tokens < out->nwords ? max_tokens : out->nwords;
  if (out->ntok < 1)
    out->ntok = 1;
  out->audio_seconds = out->want_audio ? out->ntok * DUMMY_SECONDS_PER_WORD : 0;
  out->audio_chunks =
      out->want_audio ? (int)ceil(out->audio_seconds / DUMMY_AUDIO_CHUNK_SECONDS - 1e-9) : 0;
  out->rng = out->prof.seed * 0x9E3779B97F4A7C15ull ^ (request_no + 1);
  snprintf(out->id, sizeof out->id, "chatcmpl-dummy-%llu", (unsigned long long)request_no);
  snprintf(out->model, sizeof out->model, "%s", model);
  return 0;
}

void dummy_reply_free(dummy_reply *r) {
  dbuf_free(&r->answer);
  free(r->word_off);
  free(r->word_len);
  r->word_off = r->word_len = NULL;
}

static void token(const dummy_reply *r, int i, const char **s, size_t *n) {
  int w = i % r->nwords;
  *s = r->answer.p + r->word_off[w];
  *n = r->word_len[w];
}

void dummy_reply_text(const dummy_reply *r, dbuf *out) {
  for (int i = 0; i < r->ntok; i++) {
    const char *s;
    size_t n;
    token(r, i, &s, &n);
    if (i)
      dbuf_add(out, " ", 1);
    dbuf_add(out, s, n);
  }
}

static void usage_json(const dummy_reply *r, dbuf *out) {
  dbuf_printf(out, "\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}",
              r->prompt_tokens, r->ntok, r->prompt_tokens + r->ntok);
}

void dummy_reply_body(dummy_reply *r, dbuf *out) {
  dbuf_printf(out,
              "{\"id\":\"%s\",\"object\":\"chat.completion\",\"created\":%lld,\"model\":", r->id,
              r->created);
  dbuf_json_str(out, r->model, strlen(r->model));
  dbuf_str(out, ",\"choices\":[");
  dbuf text = {0};
  dummy_reply_text(r, &text);
  int idx = 0;
  if (r->want_text) {
    dbuf_str(out, "{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
    dbuf_json_str(out, text.p ? text.p : "", text.len);
    dbuf_str(out, "},\"logprobs\":null,\"finish_reason\":\"stop\"}");
    idx++;
  }
  if (r->want_audio) {
    dbuf wav = {0};
    dummy_wav(&wav, 0, r->audio_seconds);
    dbuf_printf(out,
                "%s{\"index\":%d,\"message\":{\"role\":\"assistant\",\"content\":null,"
                "\"audio\":{\"id\":\"audio-%s\",\"expires_at\":%lld,\"transcript\":",
                idx ? "," : "", idx, r->id, r->created + 3600);
    dbuf_json_str(out, text.p ? text.p : "", text.len);
    dbuf_str(out, ",\"data\":\"");
    dbuf_base64(out, wav.p, wav.len);
    dbuf_str(out, "\"}},\"logprobs\":null,\"finish_reason\":\"stop\"}");
    dbuf_free(&wav);
  }
  dbuf_free(&text);
  dbuf_str(out, "],");
  usage_json(r, out);
  dbuf_str(out, "}");
}

static int content_chunks(const dummy_reply *r) {
  return (r->want_text ? r->ntok : 0) + r->audio_chunks;
}

int64_t dummy_reply_next_at(dummy_reply *r) {
  if (r->sent >= content_chunks(r))
    return r->last_at_ns; /* the closing events follow the last chunk at once */
  double ms = r->prof.ttft_ms + r->sent * r->prof.itl_ms;
  if (r->prof.jitter_ms > 0) {
    /* Drawn once per chunk: the rng advances only when a chunk is sent. */
    uint64_t probe = r->rng;
    ms += (2 * dummy_rand_unit(&probe) - 1) * r->prof.jitter_ms;
  }
  int64_t at = r->t0_ns + (int64_t)(ms * 1e6);
  return at < r->last_at_ns ? r->last_at_ns : at;
}

static void chunk_head(const dummy_reply *r, dbuf *out) {
  dbuf_printf(out,
              "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"created\":%lld,"
              "\"model\":",
              r->id, r->created);
  dbuf_json_str(out, r->model, strlen(r->model));
}

static void content_chunk(dummy_reply *r, dbuf *out) {
  int i = r->sent;
  int ntext = r->want_text ? r->ntok : 0;
  int is_audio = i >= ntext;
  int k = is_audio ? i - ntext : i;
  int last = is_audio ? k == r->audio_chunks - 1 : k == ntext - 1;
  chunk_head(r, out);
  dbuf_str(out, ",\"choices\":[{\"index\":0,\"delta\":{");
  if (k == 0)
    dbuf_str(out, "\"role\":\"assistant\",");
  dbuf_str(out, "\"content\":");
  if (is_audio) {
    double t0 = k * DUMMY_AUDIO_CHUNK_SECONDS;
    double len = r->audio_seconds - t0;
    if (len > DUMMY_AUDIO_CHUNK_SECONDS)
      len = DUMMY_AUDIO_CHUNK_SECONDS;
    dbuf wav = {0};
    dummy_wav(&wav, t0, len);
    dbuf_add(out, "\"", 1);
    dbuf_base64(out, wav.p, wav.len);
    dbuf_add(out, "\"", 1);
    dbuf_free(&wav);
  } else {
    const char *s;
    size_t n;
    token(r, k, &s, &n);
    char tmp[80];
    if (k > 0 && n < sizeof tmp - 1) { /* tokens after the first carry their space */
      tmp[0] = ' ';
      memcpy(tmp + 1, s, n);
      dbuf_json_str(out, tmp, n + 1);
    } else {
      dbuf_json_str(out, s, n);
    }
  }
  dbuf_printf(out, "},\"logprobs\":null,\"finish_reason\":%s}],\"modality\":\"%s\"}\n\n",
              last ? "\"stop\"" : "null", is_audio ? "audio" : "text");
}

dummy_step dummy_reply_step(dummy_reply *r, dbuf *out) {
  dummy_profile *p = &r->prof;
  int k = r->sent;
  if (r->finished)
    return DSTEP_DONE;
  if (k == p->stall_after)
    return DSTEP_STALL;
  if (k == p->drop_after)
    return DSTEP_DROP;
  if (k == p->error_after) {
    dbuf_str(out, "data: {\"error\":{\"message\":\"dummy fault: internal error in the middle of "
                  "the stream\",\"type\":\"InternalServerError\",\"param\":null,\"code\":500}}"
                  "\n\ndata: [DONE]\n\n");
    r->finished = 1;
    return DSTEP_DONE;
  }
  if (k == p->malformed_after) {
    p->malformed_after = -1;
    dbuf_str(out, "data: {\"id\":\"broken\",\"choices\":[{\"delta\":{\"content\":\"x\"\n\n");
    return DSTEP_MORE;
  }
  if (k == p->long_line_after) {
    p->long_line_after = -1;
    dbuf_str(out, "data: \"");
    if (dbuf_reserve(out, 4u << 20) == 0) {
      memset(out->p + out->len, 'x', 4u << 20); /* 4 MiB on one line */
      out->len += 4u << 20;
    }
    dbuf_str(out, "\"\n\n");
    return DSTEP_MORE;
  }
  if (k == p->bad_utf8_after) {
    p->bad_utf8_after = -1;
    dbuf_str(out, "data: {\"bad\":\"\xff\xfe\xc3\x28\"}\n\n");
    return DSTEP_MORE;
  }
  if (k < content_chunks(r)) {
    content_chunk(r, out);
    r->last_at_ns = dummy_reply_next_at(r);
    dummy_rand_next(&r->rng);
    r->sent++;
    return DSTEP_MORE;
  }
  if (r->include_usage) {
    chunk_head(r, out);
    dbuf_str(out, ",\"choices\":[],");
    usage_json(r, out);
    dbuf_str(out, "}\n\n");
  }
  dbuf_str(out, "data: [DONE]\n\n");
  r->finished = 1;
  return DSTEP_DONE;
}
