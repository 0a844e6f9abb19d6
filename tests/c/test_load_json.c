/* The load engine's in-place JSON reader (core/load_json.c) and the answer
 * fields read with it (core/load_chunk.c): escapes, \u and surrogate pairs,
 * several choices, usage anywhere, escaped base64 audio, and malformed text
 * rejected as a whole. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "load_internal.h"
#include "load_json.h"

static int valid(const char *s) {
  lj_cur c = {s, s + strlen(s), 0};
  return lj_skip(&c) == 0 && lj_peek(&c) == 0;
}

static void test_reader(void) {
  CHECK(valid("{\"a\": [1, -2.5e3, true, false, null, {\"b\": \"x\\ny\"}], \"c\": {}}"));
  CHECK(valid(" [ ] "));
  CHECK(valid("\"\\u00e9\\ud83d\\ude00\""));
  const char *bad[] = {"{",          "{\"a\" 1}", "[1,]",        "[,1]", "{\"a\":1,}", "tru",
                       "\"a",        "\"\\x\"",   "\"\\u12g4\"", "01a",  "[1 2]",      "\"a\tb\"",
                       "{\"a\":1}}", "-",         "1.",          "1e"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    lj_cur c = {bad[i], bad[i] + strlen(bad[i]), 0};
    int ok = lj_skip(&c) == 0 && lj_peek(&c) == 0;
    if (ok)
      fprintf(stderr, "accepted: %s\n", bad[i]);
    CHECK(!ok);
  }
  /* unescape: never longer than the raw text */
  const char *raw = "a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00";
  lj_str s = {raw, strlen(raw), 1, 1};
  char out[64];
  long n = lj_unescape(&s, out);
  CHECK_EQ_INT(n, 14);
  CHECK(memcmp(out, "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80", 14) == 0);
  double v = 0;
  lj_cur c = {"123", "123" + 3, 0};
  CHECK_EQ_INT(lj_number(&c, &v), 0);
  CHECK_NEAR(v, 123, 0);
}

static void test_body(void) {
  load_record r;
  memset(&r, 0, sizeof r);
  r.prompt_tokens = r.completion_tokens = -1;
  /* WAV header only (44 bytes, 24 kHz mono 16-bit, no samples), base64 with
   * its slashes escaped as some encoders write them */
  const char *body =
      "{\"usage\": {\"prompt_tokens\": 7, \"completion_tokens\": 5, \"total_tokens\": 12},"
      " \"choices\": [{\"index\": 0, \"message\": {\"role\": \"assistant\", \"content\": "
      "\"Two \\\"plus\\\" two\\nis 4 \\u00e9\"}, \"finish_reason\": \"stop\"},"
      " {\"index\": 1, \"message\": {\"content\": null, \"audio\": {\"id\": \"a\", \"data\": "
      "\"UklGRiQAAABXQVZFZm10IBAAAAABAAEAwF0AAIC7AAACABAAZGF0YQAAAAA=\"}}}], \"x\": [[[]]]}";
  CHECK_EQ_INT(load_chunk_body(&r, body, strlen(body), 42, 1), 1);
  CHECK_EQ_INT(r.prompt_tokens, 7);
  CHECK_EQ_INT(r.completion_tokens, 5);
  CHECK_EQ_INT(r.ntok, 1);
  CHECK_EQ_STR(r.text, "Two \"plus\" two\nis 4 \xc3\xa9");
  CHECK_EQ_INT(r.audio_len, 44);
  CHECK_EQ_INT(r.naudio, 1);
  load_record_clear(&r);

  memset(&r, 0, sizeof r);
  CHECK_EQ_INT(load_chunk_body(&r, "{\"choices\": []}", 15, 1, 1), 0);
  CHECK_EQ_INT(load_chunk_body(&r, "{\"choices\": [{}]} x", 19, 1, 1), -1);
  CHECK(strstr(r.error, "not JSON") != NULL);
  CHECK_EQ_INT(load_chunk_body(&r, "[1]", 3, 1, 1), -1);
  load_record_clear(&r);
}

static void test_events(void) {
  load_record r;
  memset(&r, 0, sizeof r);
  const char *audio = "{\"choices\":[{\"delta\":{\"content\":\"data:audio/wav;base64,"
                      "UklGRiQAAABXQVZFZm10IBAAAAABAAEAwF0AAIC7AAACABAAZGF0YQAAAAA=\"}}],"
                      "\"modality\":\"audio\"}";
  CHECK_EQ_INT(load_chunk_event(&r, audio, strlen(audio), 10, 1), 1);
  CHECK_EQ_INT(r.audio_len, 44);
  CHECK_EQ_INT(r.naudio, 1);
  CHECK(r.text == NULL); /* the modality comes after the content: audio, not text */
  const char *err = "{\"error\":{\"message\":\"boom \\\"x\\\"\",\"code\":500}}";
  CHECK_EQ_INT(load_chunk_event(&r, err, strlen(err), 20, 1), -1);
  CHECK_EQ_STR(r.error, "error in the stream: boom \"x\"");
  CHECK_EQ_INT(load_chunk_event(&r, "{\"choices\":[{\"delta\":{}}", 24, 30, 1), 0); /* cut */
  CHECK_EQ_INT(r.ntok, 1);
  load_record_clear(&r);
}

int main(void) {
  test_reader();
  test_body();
  test_events();
  return check_summary("test_load_json");
}
