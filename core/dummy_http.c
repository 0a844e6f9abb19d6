#include "dummy_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *find_head_end(char *buf, size_t len) {
  for (char *p = buf; (p = memchr(p, '\r', len - (size_t)(p - buf))) != NULL; p++) {
    if ((size_t)(p - buf) + 4 > len)
      return NULL;
    if (memcmp(p, "\r\n\r\n", 4) == 0)
      return p;
  }
  return NULL;
}

static char *trim(char *s, char *e) {
  while (s < e && (*s == ' ' || *s == '\t'))
    s++;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
    e--;
  *e = '\0';
  return s;
}

/* Content-Length read without touching the buffer: the head is only
 * rewritten (NULs after values) once the whole body is there, so that a body
 * arriving in a later read finds the head intact. */
static int peek_length(const char *buf, const char *end, size_t max_body, size_t *n) {
  *n = 0;
  for (const char *p = buf; p < end;) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e)
      break;
    if ((size_t)(e - p) > 15 && strncasecmp(p, "content-length:", 15) == 0) {
      char *ep;
      unsigned long long v = strtoull(p + 15, &ep, 10);
      if (v > max_body)
        return -1;
      *n = (size_t)v;
    }
    p = e + 1;
  }
  return 0;
}

dummy_req_status dummy_http_parse(char *buf, size_t len, size_t max_body, dummy_request *r) {
  memset(r, 0, sizeof *r);
  /* A method is upper-case letters: anything else (a TLS hello, garbage) is
   * refused at once instead of waiting for a head that never comes. */
  for (size_t i = 0; i < len && buf[i] != ' '; i++)
    if (buf[i] < 'A' || buf[i] > 'Z' || i >= 15)
      return DREQ_BAD;
  char *end = find_head_end(buf, len);
  if (!end)
    return len > DUMMY_MAX_HEAD ? DREQ_TOO_LARGE : DREQ_INCOMPLETE;
  size_t head_len = (size_t)(end - buf) + 4;
  size_t want;
  if (peek_length(buf, end + 2, max_body, &want) != 0)
    return DREQ_TOO_LARGE;
  if (len < head_len + want)
    return DREQ_INCOMPLETE;
  /* Request line: METHOD SP target SP HTTP/1.x */
  char *line_end = memchr(buf, '\r', (size_t)(end - buf) + 1);
  char *sp1 = memchr(buf, ' ', (size_t)(line_end - buf));
  if (!sp1 || sp1 == buf || (size_t)(sp1 - buf) >= sizeof r->method)
    return DREQ_BAD;
  char *sp2 = memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1));
  if (!sp2 || line_end - sp2 != 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
    return DREQ_BAD;
  memcpy(r->method, buf, (size_t)(sp1 - buf));
  char *target = sp1 + 1;
  size_t tlen = (size_t)(sp2 - target);
  char *q = memchr(target, '?', tlen);
  if (q)
    tlen = (size_t)(q - target);
  if (tlen == 0 || tlen >= sizeof r->path || target[0] != '/')
    return DREQ_BAD;
  memcpy(r->path, target, tlen);
  r->http10 = sp2[8] == '0';
  r->keep_alive = !r->http10;
  size_t content_length = 0;
  int has_length = 0;
  for (char *p = line_end + 2; p < end + 2;) {
    char *e = memchr(p, '\r', (size_t)(end + 2 - p));
    if (!e)
      break;
    char *colon = memchr(p, ':', (size_t)(e - p));
    if (!colon || colon == p)
      return DREQ_BAD;
    *colon = '\0';
    char *v = trim(colon + 1, e);
    if (strcasecmp(p, "content-length") == 0) {
      char *ep;
      unsigned long long n = strtoull(v, &ep, 10);
      if (*v == '\0' || *ep != '\0')
        return DREQ_BAD;
      if (n > max_body)
        return DREQ_TOO_LARGE;
      content_length = (size_t)n;
      has_length = 1;
    } else if (strcasecmp(p, "transfer-encoding") == 0) {
      if (strcasecmp(v, "identity") != 0)
        return DREQ_CHUNKED;
    } else if (strcasecmp(p, "connection") == 0) {
      if (strcasecmp(v, "close") == 0)
        r->keep_alive = 0;
      else if (strcasecmp(v, "keep-alive") == 0)
        r->keep_alive = 1;
    } else if (strcasecmp(p, "content-type") == 0) {
      r->content_type = v;
    } else if (strcasecmp(p, "x-dummy-fault") == 0) {
      r->fault = v;
    } else if (strcasecmp(p, "authorization") == 0) {
      r->authorization = v;
    }
    p = e + 2;
  }
  (void)has_length;
  if (len < head_len + content_length)
    return DREQ_INCOMPLETE;
  r->body = buf + head_len;
  r->body_len = content_length;
  r->total_len = head_len + content_length;
  return DREQ_OK;
}

const char *dummy_http_reason(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 411:
    return "Length Required";
  case 413:
    return "Payload Too Large";
  case 415:
    return "Unsupported Media Type";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  default:
    return status < 400 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }
}

void dummy_http_head(dbuf *out, int status, const char *content_type, int keep_alive) {
  dbuf_printf(out, "HTTP/1.1 %d %s\r\nServer: omnilua-dummy\r\nContent-Type: %s\r\n%s", status,
              dummy_http_reason(status), content_type, keep_alive ? "" : "Connection: close\r\n");
}
