#ifndef OMNILUA_MEDIA_DATAURL_H
#define OMNILUA_MEDIA_DATAURL_H
#include <stddef.h>

#include "media_buf.h"

/* A parsed RFC 2397 data URL: data:[<mime>][;<param>]*[;base64],<payload> */
typedef struct {
  char mime[128];    /* lower-cased type/subtype; "text/plain" when omitted */
  char params[256];  /* the ";k=v" parameters as written, without ";base64" */
  int is_base64;     /* payload was base64 (decoded strictly) */
  media_buf payload; /* the decoded bytes; the caller frees it */
} media_dataurl;

/* Parses s[0..n). Returns 0, or -1 with a reason (and nothing to free). */
int media_dataurl_parse(const char *s, size_t n, media_dataurl *out, char *err, size_t errlen);
void media_dataurl_free(media_dataurl *d);

#endif
