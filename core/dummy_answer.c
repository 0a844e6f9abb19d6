#include "dummy_answer.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "media_base64.h"
#include "media_dataurl.h"

/* Media cost in prompt tokens: fixed, so usage numbers are predictable. */
enum { IMAGE_TOKENS = 64, VIDEO_TOKENS = 256, AUDIO_TOKENS = 100 };

/* Facts: every needle (lower case) present in the prompt -> this sentence. */
static const struct {
  const char *needles[3];
  const char *answer;
} facts[] = {
    {{"capital", "china", NULL}, "The capital of China is Beijing."},
    {{"capital", "france", NULL}, "The capital of France is Paris."},
    {{"capital", "japan", NULL}, "The capital of Japan is Tokyo."},
    {{"2+2", NULL, NULL}, "Two plus two is 4."},
    {{"hello", NULL, NULL}, "Hello! I am the omnilua dummy model."},
};

/* One sentence per kind of media part, with the words the reference suites
 * look for (image: square; video: sphere/round; audio: water/cricket). */
static const char *IMAGE_SENTENCE = "The image shows colored square shapes on a white background.";
static const char *VIDEO_SENTENCE = "The video shows a round sphere, like a ball, moving around.";
static const char *AUDIO_SENTENCE = "The audio sounds like water and rain with a cricket chirping.";

/* Words never echoed back: they carry no topic. */
static const char *stopwords[] = {
    "what",   "which", "where", "when",  "does",     "this",   "that",     "there", "their",
    "with",   "from",  "have",  "about", "describe", "tell",   "please",   "could", "would",
    "should", "your",  "into",  "these", "those",    "them",   "they",     "just",  "some",
    "more",   "than",  "also",  "media", "input",    "answer", "question", NULL};

int dummy_count_words(const char *s, size_t n) {
  int words = 0, in = 0;
  for (size_t i = 0; i < n; i++) {
    int sp = isspace((unsigned char)s[i]);
    if (!sp && !in)
      words++;
    in = !sp;
  }
  return words;
}

static int set_err(char *err, size_t errlen, const char *fmt, size_t i, long j, const char *s) {
  if (j < 0)
    snprintf(err, errlen, fmt, i, s);
  else
    snprintf(err, errlen, fmt, i, j, s);
  return -1;
}

/* A media reference the dummy could not have decoded is the client's error,
 * as a real server would find out: data URLs and input_audio base64 are
 * decoded strictly (media_dataurl_parse, media_base64_decode); http(s) URLs
 * are taken on trust (the dummy fetches nothing). */
static int check_media_source(const char *field, const dj_value *v, char *why, size_t whylen) {
  const char *s = v->str;
  size_t n = v->len;
  if (n >= 5 && strncasecmp(s, "data:", 5) == 0) {
    media_dataurl d;
    if (media_dataurl_parse(s, n, &d, why, whylen) != 0)
      return -1;
    size_t got = d.payload.len;
    media_dataurl_free(&d);
    if (got == 0) {
      snprintf(why, whylen, "the data URL holds no data");
      return -1;
    }
    return 0;
  }
  if (strcmp(field, "input_audio") == 0) { /* plain base64, as OpenAI's API has it */
    if (n == 0) {
      snprintf(why, whylen, "no audio data");
      return -1;
    }
    uint8_t *buf = malloc(n / 4 * 3 + 1);
    if (!buf) {
      snprintf(why, whylen, "out of memory");
      return -1;
    }
    size_t got;
    int rc = media_base64_decode(s, n, buf, &got, why, whylen);
    free(buf);
    return rc;
  }
  if ((n > 7 && strncasecmp(s, "http://", 7) == 0) || (n > 8 && strncasecmp(s, "https://", 8) == 0))
    return 0;
  snprintf(why, whylen, "not a data: or http(s):// URL");
  return -1;
}

static int media_part(const dj_value *part, const char *type, size_t i, long j, char *err,
                      size_t errlen) {
  const char *field = type; /* image_url -> {"image_url": {"url": "..."}} */
  const dj_value *obj = dj_get(part, field);
  const char *need = strcmp(type, "input_audio") == 0 ? "data" : "url";
  const dj_value *v = dj_get(obj, need);
  char what[64];
  snprintf(what, sizeof what, "%s.%s", field, need);
  if (!v || v->type != DJ_STRING)
    return set_err(err, errlen, "messages[%zu].content[%ld]: missing string field '%s'", i, j,
                   what);
  char why[200];
  if (check_media_source(field, v, why, sizeof why) != 0) {
    snprintf(err, errlen, "messages[%zu].content[%ld]: invalid %s: %s", i, j, what, why);
    return -1;
  }
  return 0;
}

int dummy_prompt_from_messages(const dj_value *msgs, dummy_prompt *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  int words = 0;
  for (size_t i = 0; i < msgs->n; i++) {
    const dj_value *m = &msgs->items[i];
    if (m->type != DJ_OBJECT)
      return set_err(err, errlen, "messages[%zu]: object expected, got %s", i, -1,
                     dj_type_name(m->type));
    const dj_value *role = dj_get(m, "role");
    if (!role || role->type != DJ_STRING)
      return set_err(err, errlen, "messages[%zu]: missing string field '%s'", i, -1, "role");
    int is_user = strcmp(role->str, "user") == 0;
    if (is_user)
      out->text.len = 0; /* only the last user message is answered */
    const dj_value *c = dj_get(m, "content");
    if (!c || c->type == DJ_NULL)
      continue;
    if (c->type == DJ_STRING) {
      words += dummy_count_words(c->str, c->len);
      if (is_user)
        dbuf_add(&out->text, c->str, c->len);
      continue;
    }
    if (c->type != DJ_ARRAY)
      return set_err(err, errlen, "messages[%zu].content: string or array expected, got %s", i, -1,
                     dj_type_name(c->type));
    for (size_t j = 0; j < c->n; j++) {
      const dj_value *part = &c->items[j];
      const dj_value *type = dj_get(part, "type");
      if (!type || type->type != DJ_STRING)
        return set_err(err, errlen, "messages[%zu].content[%ld]: missing string field '%s'", i,
                       (long)j, "type");
      const char *t = type->str;
      if (strcmp(t, "text") == 0) {
        const dj_value *tx = dj_get(part, "text");
        if (!tx || tx->type != DJ_STRING)
          return set_err(err, errlen, "messages[%zu].content[%ld]: missing string field '%s'", i,
                         (long)j, "text");
        words += dummy_count_words(tx->str, tx->len);
        if (is_user) {
          if (out->text.len)
            dbuf_add(&out->text, " ", 1);
          dbuf_add(&out->text, tx->str, tx->len);
        }
      } else if (strcmp(t, "image_url") == 0) {
        if (media_part(part, t, i, (long)j, err, errlen) != 0)
          return -1;
        out->images++;
      } else if (strcmp(t, "video_url") == 0) {
        if (media_part(part, t, i, (long)j, err, errlen) != 0)
          return -1;
        out->videos++;
      } else if (strcmp(t, "audio_url") == 0 || strcmp(t, "input_audio") == 0) {
        if (media_part(part, t, i, (long)j, err, errlen) != 0)
          return -1;
        out->audios++;
      } else {
        return set_err(err, errlen, "messages[%zu].content[%ld]: unknown part type '%s'", i,
                       (long)j, t);
      }
    }
  }
  out->words = words;
  out->prompt_tokens =
      words + IMAGE_TOKENS * out->images + VIDEO_TOKENS * out->videos + AUDIO_TOKENS * out->audios;
  if (out->prompt_tokens < 1)
    out->prompt_tokens = 1;
  if (!out->text.p)
    dbuf_add(&out->text, "", 0);
  return 0;
}

void dummy_prompt_from_text(const char *text, dummy_prompt *out) {
  memset(out, 0, sizeof *out);
  dbuf_str(&out->text, text);
  out->prompt_tokens = out->words = dummy_count_words(text, strlen(text));
  if (out->prompt_tokens < 1)
    out->prompt_tokens = 1;
}

void dummy_prompt_free(dummy_prompt *p) { dbuf_free(&p->text); }

static int is_stopword(const char *w) {
  for (int i = 0; stopwords[i]; i++)
    if (strcmp(stopwords[i], w) == 0)
      return 1;
  return 0;
}

/* "You asked about: w1 w2 ..." with the prompt's topic words, lower case. */
static void echo_topics(const char *lower, dbuf *out) {
  int n = 0;
  const char *s = lower;
  while (*s && n < 12) {
    while (*s && !isalnum((unsigned char)*s))
      s++;
    const char *b = s;
    while (*s && (isalnum((unsigned char)*s) || (unsigned char)*s >= 0x80))
      s++;
    size_t len = (size_t)(s - b);
    char w[64];
    if (len < 4 || len >= sizeof w)
      continue;
    memcpy(w, b, len);
    w[len] = '\0';
    if (is_stopword(w))
      continue;
    dbuf_str(out, n == 0 ? (out->len ? " You asked about: " : "You asked about: ") : " ");
    dbuf_str(out, w);
    n++;
  }
  if (n > 0)
    dbuf_add(out, ".", 1);
}

void dummy_answer(const dummy_prompt *p, dbuf *out) {
  size_t start = out->len;
  dbuf lower = {0};
  dbuf_add(&lower, p->text.p ? p->text.p : "", p->text.len);
  for (size_t i = 0; i < lower.len; i++)
    lower.p[i] = (char)tolower((unsigned char)lower.p[i]);
  const char *text = lower.p ? lower.p : "";
  int matched = 0;
  for (size_t i = 0; i < sizeof facts / sizeof *facts && !matched; i++) {
    int all = 1;
    for (int k = 0; k < 3 && facts[i].needles[k]; k++)
      all = all && strstr(text, facts[i].needles[k]) != NULL;
    if (all) {
      dbuf_str(out, facts[i].answer);
      matched = 1;
    }
  }
  const char *media[3] = {p->images ? IMAGE_SENTENCE : NULL, p->videos ? VIDEO_SENTENCE : NULL,
                          p->audios ? AUDIO_SENTENCE : NULL};
  for (int i = 0; i < 3; i++) {
    if (!media[i])
      continue;
    if (out->len > start)
      dbuf_add(out, " ", 1);
    dbuf_str(out, media[i]);
  }
  if (!matched)
    echo_topics(text, out);
  if (out->len == start)
    dbuf_str(out, "Hello from the omnilua dummy model.");
  dbuf_free(&lower);
}
