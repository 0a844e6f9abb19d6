/* HTTP/1.1 request framing for the dummy server: finds a complete request in
 * the bytes read so far (request line, headers, Content-Length body) and
 * writes status lines and headers. Chunked request bodies are refused. */
#ifndef OMNILUA_DUMMY_HTTP_H
#define OMNILUA_DUMMY_HTTP_H
#include <stddef.h>

#include "dummy_buf.h"

#define DUMMY_MAX_HEAD (64 * 1024)
/* The default cap on a request body (--max-body-mib): a bigger Content-Length
 * gets a 413 as soon as the head is read. */
#define DUMMY_DEFAULT_MAX_BODY (8u * 1024 * 1024)

typedef struct dummy_request {
  char method[16];
  char path[512]; /* without the query string */
  int http10;     /* HTTP/1.0: close unless keep-alive is asked */
  int keep_alive;
  const char *content_type; /* pointers into the read buffer, NUL-terminated by the parser */
  const char *fault;        /* x-dummy-fault */
  const char *authorization;
  const char *body;
  size_t body_len;
  size_t total_len; /* head + body: what to drop from the buffer afterwards */
} dummy_request;

typedef enum {
  DREQ_INCOMPLETE = 0,
  DREQ_OK,
  DREQ_BAD,       /* 400: unparsable request line or header */
  DREQ_TOO_LARGE, /* 413 / 431 */
  DREQ_CHUNKED    /* 411: chunked request body */
} dummy_req_status;

/* Parses buf[0..len). A body longer than max_body is DREQ_TOO_LARGE (known
 * from the head alone). May write NULs into buf (ends of header values). */
dummy_req_status dummy_http_parse(char *buf, size_t len, size_t max_body, dummy_request *r);
const char *dummy_http_reason(int status);
/* "HTTP/1.1 <status> <reason>\r\n" + common headers; the caller ends the head. */
void dummy_http_head(dbuf *out, int status, const char *content_type, int keep_alive);

#endif
