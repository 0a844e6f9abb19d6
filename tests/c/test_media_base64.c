/* Base64: RFC 4648 vectors, round trips of every length, strict rejection. */
#include <stdlib.h>

#include "check.h"
#include "media_base64.h"
#include "media_rng.h"

static int decode(const char *s, uint8_t *out, size_t *len, char *err) {
  return media_base64_decode(s, strlen(s), out, len, err, 160);
}

int main(void) {
  static const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  static const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  char enc[64];
  uint8_t dec[64];
  size_t len;
  char err[160];
  for (int i = 0; i < 7; i++) {
    size_t n = strlen(plain[i]);
    CHECK_EQ_INT(media_base64_encoded_len(n), strlen(coded[i]));
    media_base64_encode((const uint8_t *)plain[i], n, enc);
    enc[media_base64_encoded_len(n)] = 0;
    CHECK_EQ_STR(enc, coded[i]);
    CHECK_EQ_INT(decode(coded[i], dec, &len, err), 0);
    CHECK_EQ_INT(len, n);
    CHECK(memcmp(dec, plain[i], n) == 0);
  }

  /* Round trips of random bytes of every length up to 300. */
  media_rng rng;
  media_rng_seed(&rng, 7);
  uint8_t raw[300], back[300];
  char text[404];
  for (size_t n = 0; n <= 300; n++) {
    for (size_t i = 0; i < n; i++)
      raw[i] = (uint8_t)media_rng_next(&rng);
    media_base64_encode(raw, n, text);
    size_t tl = media_base64_encoded_len(n);
    CHECK_EQ_INT(media_base64_decode(text, tl, back, &len, err, sizeof err), 0);
    CHECK_EQ_INT(len, n);
    CHECK(memcmp(raw, back, n) == 0);
  }

  /* Strict rejections, each with its reason. */
  struct {
    const char *in, *why;
  } bad[] = {
      {"Zm9", "not a multiple of 4"},
      {"Zm9v\n", "not a multiple of 4"},
      {"Zm 9", "invalid byte 0x20 at offset 2"},
      {"Zm9v\nZm9", "invalid byte 0x0a"},
      {"Zm-v", "invalid character '-'"},
      {"Zm_v", "invalid character '_'"},
      {"Z===", "'=' at offset 1"},
      {"====", "'=' at offset 0"},
      {"Zg=a", "'=' at offset 2"},
      {"Zg==Zg==", "'=' at offset 2"},
      {"Zh==", "non-zero bits"},
      {"Zm9=", "non-zero bits"},
      {"Zm\xc3\xa9", "invalid byte 0xc3"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = 0;
    CHECK_EQ_INT(decode(bad[i].in, dec, &len, err), -1);
    if (!strstr(err, bad[i].why))
      fprintf(stderr, "input %zu: reason '%s' lacks '%s'\n", i, err, bad[i].why);
    CHECK(strstr(err, bad[i].why) != NULL);
  }

  /* Garbage never crashes and never writes past n / 4 * 3 bytes. */
  for (int round = 0; round < 20000; round++) {
    size_t n = (size_t)media_rng_int(&rng, 0, 64);
    char in[64];
    for (size_t i = 0; i < n; i++)
      in[i] =
          (char)(round % 2 ? "AZaz09+/="[media_rng_int(&rng, 0, 8)] : media_rng_int(&rng, 0, 255));
    uint8_t out[48 + 1];
    out[n / 4 * 3] = 0xAB;
    if (media_base64_decode(in, n, out, &len, err, sizeof err) == 0)
      CHECK(len <= n / 4 * 3);
    CHECK(out[n / 4 * 3] == 0xAB);
  }
  return check_summary("test_media_base64");
}
