/*
 * omni_yaml_writer: libyaml's event emitter writing into a growing buffer.
 * The stream and document start lazily with the first value, so a writer
 * that fails early has nothing half-written to flush.
 */
#include "yaml_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "yaml_scalar.h"

struct omni_yaml_writer {
  yaml_emitter_t emitter;
  char *buf;
  size_t len, cap;
  int started, finished, failed, oom;
  char error[256];
};

static int on_write(void *data, unsigned char *bytes, size_t size) {
  omni_yaml_writer *w = data;
  if (w->len + size + 1 > w->cap) {
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + size + 1)
      cap *= 2;
    char *p = realloc(w->buf, cap);
    if (p == NULL) {
      w->oom = 1;
      return 0;
    }
    w->buf = p;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, bytes, size);
  w->len += size;
  w->buf[w->len] = '\0';
  return 1;
}

omni_yaml_writer *omni_yaml_writer_new(void) {
  omni_yaml_writer *w = calloc(1, sizeof *w);
  if (w == NULL)
    return NULL;
  if (!yaml_emitter_initialize(&w->emitter)) {
    free(w);
    return NULL;
  }
  yaml_emitter_set_output(&w->emitter, on_write, w);
  yaml_emitter_set_unicode(&w->emitter, 1);
  yaml_emitter_set_indent(&w->emitter, 2);
  yaml_emitter_set_width(&w->emitter, -1); /* never fold long strings */
  return w;
}

void omni_yaml_writer_free(omni_yaml_writer *w) {
  if (w == NULL)
    return;
  yaml_emitter_delete(&w->emitter);
  free(w->buf);
  free(w);
}

static int emit(omni_yaml_writer *w, yaml_event_t *ev) {
  if (w->failed || w->finished) {
    if (!w->failed)
      snprintf(w->error, sizeof w->error, "writer already finished");
    yaml_event_delete(ev);
    return -1;
  }
  if (!yaml_emitter_emit(&w->emitter, ev)) { /* the emitter frees ev either way */
    w->failed = 1;
    snprintf(w->error, sizeof w->error, "cannot write YAML: %s",
             w->oom               ? "out of memory"
             : w->emitter.problem ? w->emitter.problem
                                  : "emitter error");
    return -1;
  }
  return 0;
}

static int start(omni_yaml_writer *w) {
  if (w->started)
    return 0;
  w->started = 1;
  yaml_event_t ev;
  yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
  if (emit(w, &ev) != 0)
    return -1;
  yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
  return emit(w, &ev);
}

static int scalar(omni_yaml_writer *w, const char *s, size_t len, int plain_ok,
                  yaml_scalar_style_t style) {
  if (start(w) != 0)
    return -1;
  yaml_event_t ev;
  /* plain_implicit=0 forbids the plain style, so libyaml quotes the text */
  if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, plain_ok, 1,
                                    style)) {
    w->failed = 1; /* libyaml refuses text that is not UTF-8 (or has no memory) */
    snprintf(w->error, sizeof w->error, "cannot write YAML: string is not valid UTF-8");
    return -1;
  }
  return emit(w, &ev);
}

int omni_yaml_write_null(omni_yaml_writer *w) {
  return scalar(w, "null", 4, 1, YAML_PLAIN_SCALAR_STYLE);
}

int omni_yaml_write_bool(omni_yaml_writer *w, int value) {
  return value ? scalar(w, "true", 4, 1, YAML_PLAIN_SCALAR_STYLE)
               : scalar(w, "false", 5, 1, YAML_PLAIN_SCALAR_STYLE);
}

int omni_yaml_write_int(omni_yaml_writer *w, int64_t value) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%lld", (long long)value);
  return scalar(w, buf, (size_t)n, 1, YAML_PLAIN_SCALAR_STYLE);
}

int omni_yaml_write_float(omni_yaml_writer *w, double value) {
  char buf[40];
  omni_yaml_format_float(value, buf);
  return scalar(w, buf, strlen(buf), 1, YAML_PLAIN_SCALAR_STYLE);
}

int omni_yaml_write_string(omni_yaml_writer *w, const char *s, size_t len) {
  omni_yaml_scalar r = omni_yaml_resolve_plain(s, len);
  int plain_ok = r.kind == OMNI_YAML_STR;
  /* libyaml still falls back to quotes when plain would not parse (": ", "#",
   * leading spaces, ...) and to double quotes for control characters. */
  return scalar(w, s, len, plain_ok,
                plain_ok ? YAML_ANY_SCALAR_STYLE : YAML_SINGLE_QUOTED_SCALAR_STYLE);
}

static int collection(omni_yaml_writer *w, int map, int end) {
  if (start(w) != 0)
    return -1;
  yaml_event_t ev;
  if (map && !end)
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
  else if (map)
    yaml_mapping_end_event_initialize(&ev);
  else if (!end)
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
  else
    yaml_sequence_end_event_initialize(&ev);
  return emit(w, &ev);
}

int omni_yaml_write_seq_start(omni_yaml_writer *w) { return collection(w, 0, 0); }
int omni_yaml_write_seq_end(omni_yaml_writer *w) { return collection(w, 0, 1); }
int omni_yaml_write_map_start(omni_yaml_writer *w) { return collection(w, 1, 0); }
int omni_yaml_write_map_end(omni_yaml_writer *w) { return collection(w, 1, 1); }

const char *omni_yaml_writer_finish(omni_yaml_writer *w, size_t *len) {
  if (w->finished && !w->failed) {
    *len = w->len;
    return w->buf;
  }
  if (!w->started) { /* nothing written: the document is a null */
    if (omni_yaml_write_null(w) != 0)
      return NULL;
  }
  yaml_event_t ev;
  yaml_document_end_event_initialize(&ev, 1);
  if (emit(w, &ev) != 0)
    return NULL;
  yaml_stream_end_event_initialize(&ev);
  if (emit(w, &ev) != 0)
    return NULL;
  if (!yaml_emitter_flush(&w->emitter) || w->oom) {
    w->failed = 1;
    snprintf(w->error, sizeof w->error, "cannot write YAML: out of memory");
    return NULL;
  }
  w->finished = 1;
  *len = w->len;
  return w->buf ? w->buf : "";
}

const char *omni_yaml_writer_error(const omni_yaml_writer *w) {
  return w->error[0] ? w->error : "no error";
}
