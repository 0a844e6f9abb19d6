#include "dummy_offline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dummy_answer.h"
#include "dummy_json.h"
#include "dummy_media.h"

static int write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  size_t w = fwrite(p, 1, n, f);
  return fclose(f) == 0 && w == n ? 0 : -1;
}

/* Ids become file names: keep [A-Za-z0-9._-], replace the rest. */
static void safe_id(const dj_value *id, int index, char *out, size_t n) {
  if (id && id->type == DJ_STRING && id->len > 0)
    snprintf(out, n, "%s", id->str);
  else if (id && id->type == DJ_NUMBER)
    snprintf(out, n, "%.0f", id->number);
  else
    snprintf(out, n, "%04d", index);
  for (char *p = out; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          *p == '.' || *p == '-' || *p == '_'))
      *p = '_';
  if (out[0] == '.')
    out[0] = '_';
}

/* The tokens the dummy sends for this prompt, joined (as the server would). */
static void answer_tokens(const dummy_prompt *p, int max_tokens, int forced, dbuf *out) {
  dbuf ans = {0};
  dummy_answer(p, &ans);
  int nwords = dummy_count_words(ans.p, ans.len);
  int n = forced >= 0 ? forced : (max_tokens > 0 && max_tokens < nwords ? max_tokens : nwords);
  if (n < 1)
    n = 1;
  const char *s = ans.p;
  for (int i = 0; i < n; i++) {
    if (*s == '\0')
      s = ans.p; /* cycle */
    while (*s == ' ')
      s++;
    const char *b = s;
    while (*s && *s != ' ')
      s++;
    if (i)
      dbuf_add(out, " ", 1);
    dbuf_add(out, b, (size_t)(s - b));
  }
  dbuf_free(&ans);
}

static int fail(char *err, size_t errlen, const char *path, int line, const char *why) {
  snprintf(err, errlen, "%s:%d: %s", path, line, why);
  return -1;
}

int dummy_offline_run(const dummy_config *cfg, const char *prompts_path, const char *out_dir,
                      char *err, size_t errlen) {
  FILE *in = fopen(prompts_path, "rb");
  if (!in) {
    snprintf(err, errlen, "cannot read prompts file %s: %s", prompts_path, strerror(errno));
    return -1;
  }
  if (mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "cannot create output folder %s: %s", out_dir, strerror(errno));
    fclose(in);
    return -1;
  }
  dbuf index = {0};
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int lineno = 0, done = 0, rc = 0;
  char why[300], path[4096];
  while ((len = getline(&line, &cap, in)) > 0) {
    lineno++;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
      len--;
    if (len == 0)
      continue;
    dj_doc *d = dj_parse(line, (size_t)len, why, sizeof why);
    if (!d) {
      rc = fail(err, errlen, prompts_path, lineno, why);
      break;
    }
    const dj_value *root = dj_root(d);
    const dj_value *msgs = dj_get(root, "messages"), *pr = dj_get(root, "prompt");
    const dj_value *mods = dj_get(root, "modalities"), *mt = dj_get(root, "max_tokens");
    dummy_prompt p;
    int bad = 0;
    if (root->type != DJ_OBJECT) {
      bad = fail(err, errlen, prompts_path, lineno, "a JSON object expected");
    } else if (msgs && msgs->type == DJ_ARRAY) {
      if (dummy_prompt_from_messages(msgs, &p, why, sizeof why) != 0) {
        dummy_prompt_free(&p);
        bad = fail(err, errlen, prompts_path, lineno, why);
      }
    } else if (pr && pr->type == DJ_STRING) {
      dummy_prompt_from_text(pr->str, &p);
    } else {
      bad = fail(err, errlen, prompts_path, lineno,
                 "needs \"prompt\" (a string) or \"messages\" (an array)");
    }
    if (bad) {
      dj_free(d);
      rc = -1;
      break;
    }
    int want_audio = cfg->default_audio;
    if (mods && mods->type == DJ_ARRAY) {
      want_audio = 0;
      for (size_t i = 0; i < mods->n; i++)
        if (mods->items[i].type == DJ_STRING && strcmp(mods->items[i].str, "audio") == 0)
          want_audio = 1;
    }
    char id[128];
    safe_id(dj_get(root, "id"), lineno, id, sizeof id);
    dbuf text = {0};
    answer_tokens(&p, mt && mt->type == DJ_NUMBER ? (int)mt->number : -1, cfg->prof.output_tokens,
                  &text);
    int ntok = dummy_count_words(text.p, text.len);
    snprintf(path, sizeof path, "%s/%s.txt", out_dir, id);
    int werr = write_file(path, text.p, text.len);
    double seconds = want_audio ? ntok * DUMMY_SECONDS_PER_WORD : 0;
    if (!werr && want_audio) {
      dbuf wav = {0};
      dummy_wav(&wav, 0, seconds);
      snprintf(path, sizeof path, "%s/%s.wav", out_dir, id);
      werr = write_file(path, wav.p, wav.len);
      dbuf_free(&wav);
    }
    dbuf_str(&index, "{\"id\":");
    dbuf_json_str(&index, id, strlen(id));
    dbuf_str(&index, ",\"text\":");
    dbuf_json_str(&index, text.p ? text.p : "", text.len);
    dbuf_printf(&index, ",\"text_file\":\"%s.txt\",\"audio_file\":", id);
    if (want_audio)
      dbuf_printf(&index, "\"%s.wav\"", id);
    else
      dbuf_str(&index, "null");
    dbuf_printf(&index, ",\"audio_seconds\":%.3f,\"prompt_tokens\":%d,\"completion_tokens\":%d}\n",
                seconds, p.prompt_tokens, ntok);
    dbuf_free(&text);
    dummy_prompt_free(&p);
    dj_free(d);
    if (werr) {
      snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
      rc = -1;
      break;
    }
    done++;
  }
  free(line);
  fclose(in);
  if (rc == 0) {
    snprintf(path, sizeof path, "%s/outputs.jsonl", out_dir);
    if (write_file(path, index.p ? index.p : "", index.len) != 0) {
      snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
      rc = -1;
    }
  }
  dbuf_free(&index);
  return rc == 0 ? done : -1;
}
