/* The dummy server's pure algorithms: HTTP request framing (a request split
 * at every byte, as reads deliver it), the JSON reader, the timer heap and
 * the fault/latency spec grammar. */
#include "check.h"
#include "dummy_chat.h"
#include "dummy_http.h"
#include "dummy_json.h"
#include "dummy_profile.h"
#include "dummy_timers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define M DUMMY_DEFAULT_MAX_BODY

static void test_http_split_anywhere(void) {
  const char *req = "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: h\r\n"
                    "Content-Type: application/json\r\nX-Dummy-Fault: stall_after=2\r\n"
                    "Content-Length: 7\r\n\r\n{\"a\":1}GET /health HTTP/1.0\r\n\r\n";
  size_t total = strlen(req);
  size_t first = total - strlen("GET /health HTTP/1.0\r\n\r\n");
  for (size_t cut = 1; cut <= total; cut++) {
    /* The server parses the same buffer again after each read. */
    char *buf = malloc(total + 1);
    memcpy(buf, req, total);
    dummy_request r;
    dummy_req_status st = dummy_http_parse(buf, cut < first ? cut : first, M, &r);
    if (cut < first) {
      CHECK_EQ_INT(st, DREQ_INCOMPLETE);
      st = dummy_http_parse(buf, total, M, &r);
    }
    CHECK_EQ_INT(st, DREQ_OK);
    CHECK_EQ_STR(r.method, "POST");
    CHECK_EQ_STR(r.path, "/v1/chat/completions");
    CHECK_EQ_STR(r.content_type, "application/json");
    CHECK_EQ_STR(r.fault, "stall_after=2");
    CHECK_EQ_INT(r.body_len, 7);
    CHECK_EQ_INT(r.total_len, first);
    CHECK(r.keep_alive);
    dummy_request r2;
    CHECK_EQ_INT(dummy_http_parse(buf + r.total_len, total - r.total_len, M, &r2), DREQ_OK);
    CHECK_EQ_STR(r2.path, "/health");
    CHECK(!r2.keep_alive); /* HTTP/1.0 */
    free(buf);
  }
}

static void test_http_refusals(void) {
  char a[] = "\x16\x03\x01 hello";
  dummy_request r;
  CHECK_EQ_INT(dummy_http_parse(a, strlen(a), M, &r), DREQ_BAD);
  char b[] = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK_EQ_INT(dummy_http_parse(b, strlen(b), M, &r), DREQ_CHUNKED);
  char c[] = "POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n";
  CHECK_EQ_INT(dummy_http_parse(c, strlen(c), M, &r), DREQ_TOO_LARGE);
  char d[] = "GET nopath HTTP/1.1\r\n\r\n";
  CHECK_EQ_INT(dummy_http_parse(d, strlen(d), M, &r), DREQ_BAD);
  /* the cap is known from the head alone, before any body byte */
  char e[] = "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
  CHECK_EQ_INT(dummy_http_parse(e, strlen(e), 10, &r), DREQ_TOO_LARGE);
  CHECK_EQ_INT(dummy_http_parse(e, strlen(e), 11, &r), DREQ_INCOMPLETE);
}

/* Plans a chat request with a 100-token context; returns the status and
 * leaves the message in err. */
static int plan(const char *body, char *err, size_t errlen) {
  char jerr[128];
  dj_doc *d = dj_parse(body, strlen(body), jerr, sizeof jerr);
  CHECK(d != NULL);
  if (!d)
    return -1;
  dummy_profile prof;
  dummy_profile_defaults(&prof);
  dummy_reply r;
  err[0] = '\0';
  int st = dummy_chat_plan(dj_root(d), "m", &prof, NULL, 1, 100, 1, &r, err, errlen);
  dummy_reply_free(&r);
  dj_free(d);
  return st;
}

#define CHAT(content) "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":" content "}]}"

static void test_chat_refusals(void) {
  char err[512];
  CHECK_EQ_INT(plan(CHAT("\"hi there\""), err, sizeof err), 0);
  CHECK_EQ_INT(plan(CHAT("\"\""), err, sizeof err), 400);
  CHECK(strstr(err, "the prompt is empty") != NULL);
  CHECK_EQ_INT(plan(CHAT("\"  \\n \""), err, sizeof err), 400);
  CHECK_EQ_INT(plan(CHAT("[]"), err, sizeof err), 400);
  CHECK_EQ_INT(plan(CHAT("null"), err, sizeof err), 400);
  /* media alone is a prompt */
  CHECK_EQ_INT(
      plan(
          CHAT("[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]"),
          err, sizeof err),
      0);
  /* 100 words fit a 100-token context, 101 do not */
  char big[2048];
  char words[1024] = "";
  for (int i = 0; i < 100; i++)
    strcat(words, "w ");
  snprintf(big, sizeof big, CHAT("\"%s\""), words);
  CHECK_EQ_INT(plan(big, err, sizeof err), 0);
  snprintf(big, sizeof big, CHAT("\"%sw\""), words);
  CHECK_EQ_INT(plan(big, err, sizeof err), 400);
  CHECK(strstr(err, "maximum context length is 100 tokens. However, your request has 101 input "
                    "tokens") != NULL);
  /* media are decoded strictly; the error names the part */
  CHECK_EQ_INT(plan(CHAT("[{\"type\":\"text\",\"text\":\"x\"},{\"type\":\"image_url\",\"image_"
                         "url\":{\"url\":\"data:image/png;base64,!!!not-base64!!!\"}}]"),
                    err, sizeof err),
               400);
  CHECK(strstr(err, "messages[0].content[1]: invalid image_url.url: ") != NULL);
  CHECK(strstr(err, "base64") != NULL);
  CHECK_EQ_INT(plan(CHAT("[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"%%%%\","
                         "\"format\":\"wav\"}}]"),
                    err, sizeof err),
               400);
  CHECK(strstr(err, "messages[0].content[0]: invalid input_audio.data: base64: invalid character "
                    "'%' at offset 0") != NULL);
  CHECK_EQ_INT(plan(CHAT("[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAA=\"}}]"), err,
                    sizeof err),
               0);
  CHECK_EQ_INT(plan(CHAT("[{\"type\":\"video_url\",\"video_url\":{\"url\":\"data:video/"
                         "mp4;base64,AAA\"}}]"),
                    err, sizeof err),
               400);
  CHECK(strstr(err, "messages[0].content[0]: invalid video_url.url: ") != NULL);
  CHECK_EQ_INT(plan(CHAT("[{\"type\":\"audio_url\",\"audio_url\":{\"url\":\"data:audio/"
                         "wav;base64,\"}}]"),
                    err, sizeof err),
               400);
  CHECK(strstr(err, "holds no data") != NULL);
  CHECK_EQ_INT(plan(CHAT("[{\"type\":\"image_url\",\"image_url\":{\"url\":\"ftp://x/y.png\"}}]"),
                    err, sizeof err),
               400);
  CHECK_EQ_INT(plan(CHAT("[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]"),
                    err, sizeof err),
               0);
}

static void test_json(void) {
  char err[128];
  const char *s = "{\"a\": [1, -2.5e1, true, null, \"x\\u00e9\\ud83d\\ude00\\n\"], \"b\": {}}";
  dj_doc *d = dj_parse(s, strlen(s), err, sizeof err);
  CHECK(d != NULL);
  if (d) {
    const dj_value *a = dj_get(dj_root(d), "a");
    CHECK_EQ_INT(a->n, 5);
    CHECK_NEAR(a->items[1].number, -25, 0);
    CHECK_EQ_INT(a->items[2].type, DJ_BOOL);
    CHECK_EQ_STR(a->items[4].str, "x\xc3\xa9\xf0\x9f\x98\x80\n");
    CHECK_EQ_INT(dj_get(dj_root(d), "b")->type, DJ_OBJECT);
    CHECK(dj_get(dj_root(d), "c") == NULL);
    dj_free(d);
  }
  const char *bad[] = {"{", "[1,]", "{\"a\" 1}", "\"abc", "tru", "[1] x", "{\"a\":\"\x01\"}"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK(dj_parse(bad[i], strlen(bad[i]), err, sizeof err) == NULL);
    CHECK(strncmp(err, "malformed JSON at byte ", 23) == 0);
  }
  char deep[200];
  memset(deep, '[', sizeof deep);
  CHECK(dj_parse(deep, sizeof deep, err, sizeof err) == NULL);
  CHECK(strstr(err, "nested too deeply") != NULL);
}

static void test_timers(void) {
  enum { N = 500 };
  dummy_timers h = {0};
  size_t pos[N];
  int items[N];
  uint64_t rng = 1;
  for (int i = 0; i < N; i++) {
    pos[i] = SIZE_MAX;
    items[i] = i;
    dummy_timers_set(&h, &items[i], &pos[i], (int64_t)(dummy_rand_next(&rng) % 1000));
  }
  for (int i = 0; i < N; i += 3) /* move some, remove others */
    dummy_timers_set(&h, &items[i], &pos[i], (int64_t)(dummy_rand_next(&rng) % 1000));
  for (int i = 1; i < N; i += 5)
    dummy_timers_remove(&h, &pos[i]);
  int64_t last = -1;
  size_t n = 0;
  while (dummy_timers_peek(&h)) {
    int64_t at = dummy_timers_peek(&h)->at;
    CHECK(at >= last);
    last = at;
    int *it = dummy_timers_pop(&h);
    CHECK_EQ_INT(pos[*it], SIZE_MAX);
    n++;
  }
  CHECK_EQ_INT(n, N - N / 5);
  dummy_timers_free(&h);
}

static void test_profile_spec(void) {
  dummy_profile p;
  dummy_profile_defaults(&p);
  char err[160];
  const char *ok = "ttft_ms=12.5, itl_ms=3,stall_after=4,error_rate=0.25,seed=99";
  CHECK_EQ_INT(dummy_profile_apply(&p, ok, strlen(ok), err, sizeof err), 0);
  CHECK_NEAR(p.ttft_ms, 12.5, 0);
  CHECK_EQ_INT(p.stall_after, 4);
  CHECK_EQ_INT(p.seed, 99);
  CHECK_EQ_INT(p.drop_after, -1);
  CHECK_EQ_INT(dummy_profile_apply(&p, "bogus=1", 7, err, sizeof err), -1);
  CHECK_EQ_STR(err, "unknown dummy setting 'bogus'");
  CHECK_EQ_INT(dummy_profile_apply(&p, "stall_after=1.5", 15, err, sizeof err), -1);
  CHECK_EQ_INT(dummy_profile_apply(&p, "error_rate=2", 12, err, sizeof err), -1);
  CHECK_EQ_INT(dummy_profile_apply(&p, "itl_ms", 6, err, sizeof err), -1);
}

int main(void) {
  test_http_split_anywhere();
  test_http_refusals();
  test_json();
  test_timers();
  test_profile_spec();
  test_chat_refusals();
  return check_summary("test_dummy_core");
}
