/* A small JSON reader for the dummy server's requests (the core has no Lua,
 * so no cjson): a whole document into a tree, with a depth limit and an error
 * that names the byte offset. Strings are decoded to UTF-8. */
#ifndef OMNILUA_DUMMY_JSON_H
#define OMNILUA_DUMMY_JSON_H
#include <stddef.h>

typedef enum { DJ_NULL, DJ_BOOL, DJ_NUMBER, DJ_STRING, DJ_ARRAY, DJ_OBJECT } dj_type;

typedef struct dj_value {
  dj_type type;
  int boolean;
  double number;
  char *str; /* DJ_STRING: NUL-terminated (may hold NULs; see len) */
  size_t len;
  struct dj_value *items; /* DJ_ARRAY / DJ_OBJECT: n values */
  char **keys;            /* DJ_OBJECT: n keys */
  size_t n;
} dj_value;

typedef struct dj_doc dj_doc;

/* Parses; NULL with "malformed JSON at byte N: why" in err on failure. */
dj_doc *dj_parse(const char *s, size_t n, char *err, size_t errlen);
const dj_value *dj_root(const dj_doc *d);
void dj_free(dj_doc *d);
/* Member of an object, or NULL (also when v is not an object). */
const dj_value *dj_get(const dj_value *v, const char *key);
const char *dj_type_name(dj_type t);

#endif
