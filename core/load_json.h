/*
 * A non-allocating JSON pull reader for the load engine's hot path: the
 * engine only needs a few fields of each answer (choices' text and audio,
 * usage, modality, error message), so it walks the bytes in place instead
 * of building a document (dj_parse: a malloc per value, ~80% of the
 * non-streaming client's time). The whole text is still checked to be
 * JSON: a malformed answer is still reported as one.
 *
 *   lj_cur c = {p, p + n};
 *   if (lj_obj_begin(&c)) while ((k = lj_obj_next(&c, &key, &klen)) == 1) { ...value... }
 */
#ifndef OMNILUA_LOAD_JSON_H
#define OMNILUA_LOAD_JSON_H
#include <stddef.h>
#include <string.h>

typedef struct lj_cur {
  const char *p, *end;
  int err; /* set once anything malformed was seen; every call then fails */
} lj_cur;

/* A string value as it is in the text (between the quotes). */
typedef struct lj_str {
  const char *s;
  size_t n;
  int escaped; /* it has backslash escapes: lj_unescape before use */
  int set;
} lj_str;

/* The next non-space byte (not consumed), 0 at the end. */
int lj_peek(lj_cur *c);
/* Skips one value (checked). 0, or -1 when malformed. */
int lj_skip(lj_cur *c);
/* At '{' / '[': consumes it; 1, or 0 (and err) when not there. */
int lj_obj_begin(lj_cur *c);
int lj_arr_begin(lj_cur *c);
/* Next member: 1 with the raw key (the cursor is then at its value, which
 * the caller must read or skip), 0 at the closing '}', -1 malformed. */
int lj_obj_next(lj_cur *c, const char **key, size_t *klen);
/* Next element: 1 (the cursor is at the value), 0 at ']', -1 malformed. */
int lj_arr_next(lj_cur *c);
/* Reads a string value; 0, or -1 (not a string / malformed). */
int lj_string(lj_cur *c, lj_str *out);
/* Reads a number value; 0, or -1. */
int lj_number(lj_cur *c, double *out);
/* Unescapes s (as lj_string gave it) into out, which has room for s->n
 * bytes (the unescaped text is never longer). Length, or -1 if invalid. */
long lj_unescape(const lj_str *s, char *out);
/* 1 when the key equals the NUL-terminated name (inline: the length of a
 * literal name folds to a constant). */
static inline int lj_key_is(const char *key, size_t klen, const char *name) {
  return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

#endif
