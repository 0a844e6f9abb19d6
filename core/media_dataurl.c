/* RFC 2397 data URL parsing (see media_dataurl.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "media_base64.h"
#include "media_dataurl.h"

/* RFC 6838 restricted-name characters, for the type and the subtype. */
static int is_name_char(unsigned char c) { return isalnum(c) || strchr("!#$&-^_.+", c) != NULL; }

static int parse_mime(const char *s, size_t n, media_dataurl *out, char *err, size_t errlen) {
  if (n == 0) {
    strcpy(out->mime, "text/plain");
    return 0;
  }
  if (n >= sizeof out->mime) {
    snprintf(err, errlen, "data URL: media type longer than %zu bytes", sizeof out->mime - 1);
    return -1;
  }
  size_t slash = 0, i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '/' && slash == 0 && i > 0)
      slash = i;
    else if (!is_name_char(c) || c == 0) {
      snprintf(err, errlen, "data URL: invalid character in media type at offset %zu", 5 + i);
      return -1;
    }
    out->mime[i] = (char)tolower(c);
  }
  out->mime[n] = 0;
  if (slash == 0 || slash == n - 1) {
    snprintf(err, errlen, "data URL: media type '%s' is not type/subtype", out->mime);
    return -1;
  }
  return 0;
}

static int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (unsigned char)tolower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int percent_decode(const char *s, size_t n, size_t base, media_buf *out, char *err,
                          size_t errlen) {
  media_buf_reserve(out, n);
  for (size_t i = 0; i < n && !out->failed; i++) {
    if (s[i] != '%') {
      media_buf_u8(out, (uint8_t)s[i]);
      continue;
    }
    int hi = i + 2 < n ? hex_value((unsigned char)s[i + 1]) : -1;
    int lo = i + 2 < n ? hex_value((unsigned char)s[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      snprintf(err, errlen, "data URL: bad percent escape at offset %zu", base + i);
      return -1;
    }
    media_buf_u8(out, (uint8_t)(hi * 16 + lo));
    i += 2;
  }
  return 0;
}

int media_dataurl_parse(const char *s, size_t n, media_dataurl *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (n < 5 || strncasecmp(s, "data:", 5) != 0) {
    snprintf(err, errlen, "data URL: does not start with 'data:'");
    return -1;
  }
  const char *comma = memchr(s, ',', n);
  if (!comma) {
    snprintf(err, errlen, "data URL: no ',' between the header and the payload");
    return -1;
  }
  const char *head = s + 5;
  size_t head_len = (size_t)(comma - head);
  const char *semi = memchr(head, ';', head_len);
  size_t mime_len = semi ? (size_t)(semi - head) : head_len;
  if (parse_mime(head, mime_len, out, err, errlen) != 0)
    return -1;
  /* Parameters run from the first ';' to the comma; a final ";base64" is the flag. */
  const char *params = head + mime_len;
  size_t params_len = head_len - mime_len;
  if (params_len >= 7 && strncasecmp(params + params_len - 7, ";base64", 7) == 0) {
    out->is_base64 = 1;
    params_len -= 7;
  }
  if (params_len >= sizeof out->params) {
    snprintf(err, errlen, "data URL: parameters longer than %zu bytes", sizeof out->params - 1);
    return -1;
  }
  for (size_t i = 0; i < params_len; i++) {
    if ((unsigned char)params[i] < 0x20 || (unsigned char)params[i] >= 0x7f) {
      snprintf(err, errlen, "data URL: invalid byte in parameters at offset %zu",
               (size_t)(params - s) + i);
      return -1;
    }
  }
  memcpy(out->params, params, params_len);
  out->params[params_len] = 0;

  const char *payload = comma + 1;
  size_t payload_len = n - (size_t)(payload - s);
  size_t base = (size_t)(payload - s);
  int rc;
  if (out->is_base64) {
    rc = media_buf_reserve(&out->payload, payload_len / 4 * 3 + 1);
    if (rc == 0) {
      char why[160];
      size_t got = 0;
      rc = media_base64_decode(payload, payload_len, out->payload.data, &got, why, sizeof why);
      if (rc != 0)
        snprintf(err, errlen, "data URL payload (from offset %zu): %s", base, why);
      else
        out->payload.len = got;
    }
  } else {
    rc = percent_decode(payload, payload_len, base, &out->payload, err, errlen);
  }
  if (rc == 0 && out->payload.failed) {
    snprintf(err, errlen, "data URL: out of memory for a %zu-byte payload", payload_len);
    rc = -1;
  }
  if (rc != 0)
    media_buf_free(&out->payload);
  return rc;
}

void media_dataurl_free(media_dataurl *d) { media_buf_free(&d->payload); }
