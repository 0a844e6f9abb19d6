/* Data URL parsing: mime, parameters, base64 flag, payload; rejections. */
#include "check.h"
#include "media_dataurl.h"
#include "media_rng.h"

static int parse(const char *s, media_dataurl *d, char *err) {
  return media_dataurl_parse(s, strlen(s), d, err, 160);
}

int main(void) {
  media_dataurl d;
  char err[160];

  CHECK_EQ_INT(parse("data:image/png;base64,aGVsbG8=", &d, err), 0);
  CHECK_EQ_STR(d.mime, "image/png");
  CHECK_EQ_INT(d.is_base64, 1);
  CHECK_EQ_INT(d.payload.len, 5);
  CHECK(memcmp(d.payload.data, "hello", 5) == 0);
  media_dataurl_free(&d);

  CHECK_EQ_INT(parse("DATA:Audio/WAV;rate=16000;BASE64,", &d, err), 0);
  CHECK_EQ_STR(d.mime, "audio/wav");
  CHECK_EQ_STR(d.params, ";rate=16000");
  CHECK_EQ_INT(d.is_base64, 1);
  CHECK_EQ_INT(d.payload.len, 0);
  media_dataurl_free(&d);

  CHECK_EQ_INT(parse("data:,a%20b%2Cc", &d, err), 0);
  CHECK_EQ_STR(d.mime, "text/plain");
  CHECK_EQ_INT(d.is_base64, 0);
  CHECK_EQ_INT(d.payload.len, 5);
  CHECK(memcmp(d.payload.data, "a b,c", 5) == 0);
  media_dataurl_free(&d);

  CHECK_EQ_INT(parse("data:text/plain;charset=utf-8,x,y", &d, err), 0);
  CHECK_EQ_STR(d.params, ";charset=utf-8");
  CHECK_EQ_INT(d.payload.len, 3); /* only the first comma separates */
  media_dataurl_free(&d);

  struct {
    const char *in, *why;
  } bad[] = {
      {"", "does not start with 'data:'"},
      {"http://x/y.png", "does not start with 'data:'"},
      {"data:image/png;base64", "no ','"},
      {"data:image/png;base64,aGVsbG8", "not a multiple of 4"},
      {"data:image/png;base64,aGVs bG8", "invalid byte 0x20 at offset 4"},
      {"data:image;base64,aGVsbG8=", "is not type/subtype"},
      {"data:/png;base64,", "invalid character in media type"},
      {"data:image/;base64,", "is not type/subtype"},
      {"data:im age/png,", "invalid character in media type"},
      {"data:,abc%2", "bad percent escape at offset 9"},
      {"data:,abc%zz", "bad percent escape"},
      {"data:text/plain;x=\x01,", "invalid byte in parameters"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = 0;
    CHECK_EQ_INT(parse(bad[i].in, &d, err), -1);
    if (!strstr(err, bad[i].why))
      fprintf(stderr, "input %zu: reason '%s' lacks '%s'\n", i, err, bad[i].why);
    CHECK(strstr(err, bad[i].why) != NULL);
  }

  /* Garbage, including mutated valid URLs, never crashes. */
  media_rng rng;
  media_rng_seed(&rng, 3);
  const char *seed = "data:image/jpeg;name=x;base64,/9j/4AAQSkZJRg==";
  for (int round = 0; round < 20000; round++) {
    char in[96];
    size_t n = strlen(seed);
    memcpy(in, seed, n);
    for (int k = media_rng_int(&rng, 1, 4); k > 0; k--)
      in[media_rng_int(&rng, 0, (int)n - 1)] = (char)media_rng_int(&rng, 0, 255);
    n = (size_t)media_rng_int(&rng, 0, (int)n);
    if (media_dataurl_parse(in, n, &d, err, sizeof err) == 0)
      media_dataurl_free(&d);
  }
  return check_summary("test_media_dataurl");
}
