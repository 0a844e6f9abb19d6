/* The SSE parser: framing, every split point, line ends, limits, UTF-8. */
#include "check.h"
#include "sse_parse.h"

#include <stdlib.h>

typedef struct {
  char out[4096];
  size_t len;
  int n;
} sink;

/* Records events as "name|data;" so a whole stream compares as one string. */
static int collect(void *ud, const char *ev, size_t elen, const char *data, size_t dlen) {
  sink *k = ud;
  k->len += (size_t)snprintf(k->out + k->len, sizeof k->out - k->len, "%.*s|%.*s;", (int)elen, ev,
                             (int)dlen, data);
  k->n++;
  return 0;
}

static const char *parse_all(sse_parser *p, sink *k, const char *s, size_t step) {
  memset(k, 0, sizeof *k);
  sse_init(p, 0, collect, k);
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i += step)
    sse_feed(p, s + i, n - i < step ? n - i : step);
  return k->out;
}

static void test_framing(void) {
  const char *stream = ": keep-alive\n"
                       "data: {\"a\":1}\n\n"
                       "data: line1\ndata: line2\n\n"
                       "event: ping\ndata:x\n\n"
                       "data\n\n"
                       "id: 7\nretry: 10\n\n"
                       "data: [DONE]\n\n";
  const char *want = "|{\"a\":1};|line1\nline2;ping|x;|;|[DONE];";
  /* The same events whatever the split: byte by byte up to all at once. */
  for (size_t step = 1; step <= strlen(stream); step++) {
    sse_parser p;
    sink k;
    CHECK_EQ_STR(parse_all(&p, &k, stream, step), want);
    CHECK_EQ_INT(sse_finish(&p), 0);
    sse_free(&p);
  }
}

static void test_line_ends(void) {
  const char *variants[] = {"data: a\r\n\r\ndata: b\r\n\r\n", "data: a\r\rdata: b\r\r",
                            "data: a\n\ndata: b\n\n", "data: a\r\n\ndata: b\r\r\n"};
  for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
    for (size_t step = 1; step <= 4; step++) {
      sse_parser p;
      sink k;
      CHECK_EQ_STR(parse_all(&p, &k, variants[v], step), "|a;|b;");
      CHECK_EQ_INT(p.status, SSE_OK);
      sse_free(&p);
    }
  }
}

static void test_truncated(void) {
  sse_parser p;
  sink k;
  parse_all(&p, &k, "data: a\n\ndata: partial\n", 3);
  CHECK_EQ_STR(k.out, "|a;");
  CHECK_EQ_INT(sse_finish(&p), 1);
  sse_free(&p);
  parse_all(&p, &k, "data: a\n\ndata: no newli", 5);
  CHECK_EQ_INT(sse_finish(&p), 1);
  sse_free(&p);
}

static void test_long_line(void) {
  sse_parser p;
  sink k = {0};
  sse_init(&p, 100, collect, &k);
  CHECK_EQ_INT(sse_feed(&p, "data: ok\n\n", 10), SSE_OK);
  char big[64];
  memset(big, 'x', sizeof big);
  CHECK_EQ_INT(sse_feed(&p, big, sizeof big), SSE_OK);
  CHECK_EQ_INT(sse_feed(&p, big, sizeof big), SSE_ERR_LINE_TOO_LONG);
  CHECK(strstr(p.error, "line 3: longer than 100 bytes") != NULL);
  /* Sticky: later feeds are refused. */
  CHECK_EQ_INT(sse_feed(&p, "\n\n", 2), SSE_ERR_LINE_TOO_LONG);
  CHECK_EQ_INT(k.n, 1);
  sse_free(&p);
  /* A long line inside one feed is caught too. */
  char *huge = malloc(1000);
  memset(huge, 'y', 1000);
  huge[999] = '\n';
  sse_init(&p, 100, collect, &k);
  CHECK_EQ_INT(sse_feed(&p, huge, 1000), SSE_ERR_LINE_TOO_LONG);
  sse_free(&p);
  free(huge);
}

static void test_utf8(void) {
  size_t bad = 99;
  CHECK(sse_utf8_valid("plain ascii text, longer than eight", 35, &bad));
  CHECK(sse_utf8_valid("\xe5\x8c\x97\xe4\xba\xac \xf0\x9f\x98\x80 \xc3\xa9", 14, &bad));
  CHECK(!sse_utf8_valid("abc\xff", 4, &bad));
  CHECK_EQ_INT(bad, 3);
  CHECK(!sse_utf8_valid("\xc0\xaf", 2, &bad));         /* overlong '/' */
  CHECK(!sse_utf8_valid("\xed\xa0\x80", 3, &bad));     /* surrogate */
  CHECK(!sse_utf8_valid("\xf4\x90\x80\x80", 4, &bad)); /* > U+10FFFF */
  CHECK(!sse_utf8_valid("ab\xe5\x8c", 4, &bad));       /* cut sequence */
  CHECK_EQ_INT(bad, 2);

  sse_parser p;
  sink k;
  /* The same error and the same events before it at every split (whole
   * feeds are checked at once, lines again when the feed is not valid). */
  const char *bad_stream = "data: ok\n\ndata: bad \xc3\x28\n\n";
  for (size_t step = 1; step <= strlen(bad_stream); step++) {
    parse_all(&p, &k, bad_stream, step);
    CHECK_EQ_INT(p.status, SSE_ERR_UTF8);
    CHECK(strstr(p.error, "line 3: invalid UTF-8 at byte 11") != NULL);
    CHECK_EQ_STR(k.out, "|ok;");
    sse_free(&p);
  }
  /* A multi-byte character split between feeds anywhere is fine. */
  const char *good = "data: \xe5\x8c\x97\n\ndata: x\xc3\xa9\ndata: \xf0\x9f\x98\x80\n\n";
  for (size_t step = 1; step <= strlen(good); step++) {
    parse_all(&p, &k, good, step);
    CHECK_EQ_STR(k.out, "|\xe5\x8c\x97;|x\xc3\xa9\n\xf0\x9f\x98\x80;");
    CHECK_EQ_INT(p.status, SSE_OK);
    sse_free(&p);
  }
}

/* One-line events are passed as pointers into the fed buffer; what is kept
 * across feeds must be a copy: feed from a scratch buffer that is wiped. */
static void test_kept_data_survives_the_buffer(void) {
  const char *stream = "data: one\n\ndata: two\ndata: three\n\nevent: e\ndata: four\n\n";
  for (size_t step = 1; step <= strlen(stream); step++) {
    sse_parser p;
    sink k = {0};
    sse_init(&p, 0, collect, &k);
    size_t n = strlen(stream);
    for (size_t i = 0; i < n; i += step) {
      char scratch[128];
      size_t m = n - i < step ? n - i : step;
      memcpy(scratch, stream + i, m);
      CHECK_EQ_INT(sse_feed(&p, scratch, m), SSE_OK);
      memset(scratch, '#', sizeof scratch);
    }
    CHECK_EQ_STR(k.out, "|one;|two\nthree;e|four;");
    sse_free(&p);
  }
}

static int stop_at_first(void *ud, const char *e, size_t el, const char *d, size_t dl) {
  (void)e, (void)el, (void)d, (void)dl;
  (*(int *)ud)++;
  return 1;
}

static void test_callback_stop(void) {
  sse_parser p;
  int n = 0;
  sse_init(&p, 0, stop_at_first, &n);
  CHECK_EQ_INT(sse_feed(&p, "data: a\n\ndata: b\n\n", 18), SSE_ERR_CALLBACK);
  CHECK_EQ_INT(n, 1);
  sse_free(&p);
}

int main(void) {
  test_framing();
  test_line_ends();
  test_truncated();
  test_long_line();
  test_utf8();
  test_callback_stop();
  test_kept_data_survives_the_buffer();
  return check_summary("test_sse_parse");
}
