/* The in-place chunked decoder: every split point (two pieces and byte by
 * byte), extensions, trailers, bare LF, where the body ends, bad framing. */
#include "check.h"
#include "http_chunked.h"

#include <stdlib.h>

/* Decodes `in` fed in pieces split at `cuts` (sorted offsets); returns the
 * body, *used the bytes consumed in all, *rc -1 on an error. */
static char *decode_split(const char *in, size_t n, const size_t *cuts, int ncuts, size_t *used,
                          int *rc, http_chunked *d) {
  static char body[4096];
  size_t blen = 0, start = 0;
  http_chunked_init(d);
  *used = 0;
  *rc = 0;
  for (int k = 0; k <= ncuts; k++) {
    size_t end = k < ncuts ? cuts[k] : n;
    char piece[4096];
    memcpy(piece, in + start, end - start);
    size_t out;
    long got = http_chunked_decode(d, piece, end - start, &out);
    if (got < 0) {
      *rc = -1;
      break;
    }
    memcpy(body + blen, piece, out);
    blen += out;
    *used += (size_t)got;
    if (http_chunked_done(d))
      break;
    start = end;
  }
  body[blen] = '\0';
  return body;
}

/* The whole input is one body: every byte is consumed. */
static void check_every_split(const char *in, const char *want_body) {
  size_t n = strlen(in), used, want_used = n;
  int rc;
  http_chunked d;
  CHECK_EQ_STR(decode_split(in, n, NULL, 0, &used, &rc, &d), want_body);
  CHECK_EQ_INT(used, want_used);
  CHECK(http_chunked_done(&d));
  for (size_t cut = 0; cut <= n; cut++) { /* two pieces, split at every byte */
    size_t cuts[1] = {cut};
    CHECK_EQ_STR(decode_split(in, n, cuts, 1, &used, &rc, &d), want_body);
    CHECK_EQ_INT(rc, 0);
    CHECK(http_chunked_done(&d));
  }
  size_t *all = malloc(n * sizeof *all); /* one byte at a time */
  for (size_t i = 0; i < n; i++)
    all[i] = i + 1;
  CHECK_EQ_STR(decode_split(in, n, all, (int)n - 1, &used, &rc, &d), want_body);
  CHECK_EQ_INT(used, want_used);
  CHECK(http_chunked_done(&d));
  free(all);
}

static void test_framing(void) {
  check_every_split("5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n", "hello, world");
  check_every_split("1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n", "abcdefghijklmnopqrstuvwxyz");
  check_every_split("3;name=value\r\nabc\r\n0;x\r\n\r\n", "abc");
  check_every_split("3\r\nabc\r\n0\r\nX-Trailer: 1\r\nY: 2\r\n\r\n", "abc");
  check_every_split("3\nabc\n0\n\n", "abc"); /* bare LF, as lenient clients accept */
  check_every_split("0\r\n\r\n", "");
  /* Data with CR, LF and NUL-free binary-ish bytes passes through untouched. */
  check_every_split("4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n");
}

static void test_stops_at_the_end(void) {
  char buf[] = "2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n";
  http_chunked d;
  http_chunked_init(&d);
  size_t out;
  long used = http_chunked_decode(&d, buf, strlen(buf), &out);
  CHECK_EQ_INT(used, 12);
  CHECK_EQ_INT(out, 2);
  CHECK(memcmp(buf, "ok", 2) == 0);
  CHECK(http_chunked_done(&d));
}

static void test_incomplete(void) {
  char buf[] = "a\r\n01234";
  http_chunked d;
  http_chunked_init(&d);
  size_t out;
  CHECK_EQ_INT(http_chunked_decode(&d, buf, strlen(buf), &out), 8);
  CHECK_EQ_INT(out, 5);
  CHECK(!http_chunked_done(&d));
}

static void check_bad(const char *in, const char *msg) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", in);
  http_chunked d;
  http_chunked_init(&d);
  size_t out;
  CHECK_EQ_INT(http_chunked_decode(&d, buf, strlen(buf), &out), -1);
  CHECK(strstr(d.error, msg) != NULL);
  CHECK_EQ_INT(http_chunked_decode(&d, buf, strlen(buf), &out), -1); /* sticky */
}

static void test_bad(void) {
  check_bad("zz\r\n", "chunk size expected");
  check_bad("\r\n", "chunk size expected");
  check_bad("3x\r\n", "bad character");
  check_bad("1234567890abcdef0\r\n", "too large");
  check_bad("3\r\nabcd\r\n", "no CRLF after the chunk data");
  check_bad("3\rabc", "CR without LF");
}

int main(void) {
  test_framing();
  test_stops_at_the_end();
  test_incomplete();
  test_bad();
  return check_summary("test_http_chunked");
}
