/* WAV: what the generator writes decodes back; truncated and lying headers
 * are rejected with a reason; garbage never crashes. */
#include <stdlib.h>

#include "check.h"
#include "media_audio.h"
#include "media_rng.h"
#include "media_wav_decode.h"

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

/* Decodes a modified copy of `good` and checks the reason. */
static void expect_reject(const media_buf *good, void (*edit)(uint8_t *, size_t *),
                          const char *why) {
  uint8_t *b = malloc(good->len + 64);
  size_t n = good->len;
  memcpy(b, good->data, n);
  edit(b, &n);
  media_wav_info w;
  char err[200] = "";
  CHECK_EQ_INT(media_wav_decode(b, n, &w, err, sizeof err), -1);
  if (!strstr(err, why))
    fprintf(stderr, "reason '%s' lacks '%s'\n", err, why);
  CHECK(strstr(err, why) != NULL);
  free(b);
}

static void riff_too_big(uint8_t *b, size_t *n) { put32(b + 4, (uint32_t)*n); }
static void data_too_big(uint8_t *b, size_t *n) {
  (void)n;
  put32(b + 40, 1000000);
}
static void block_align_lies(uint8_t *b, size_t *n) {
  (void)n;
  put16(b + 32, 3);
}
static void byte_rate_lies(uint8_t *b, size_t *n) {
  (void)n;
  put32(b + 28, 12345);
}
static void bits_12(uint8_t *b, size_t *n) {
  (void)n;
  put16(b + 34, 12);
}
static void no_channels(uint8_t *b, size_t *n) {
  (void)n;
  put16(b + 22, 0);
}
static void adpcm(uint8_t *b, size_t *n) {
  (void)n;
  put16(b + 20, 2);
}
static void not_wave(uint8_t *b, size_t *n) {
  (void)n;
  memcpy(b + 8, "AVI ", 4);
}
static void odd_data(uint8_t *b, size_t *n) {
  put32(b + 40, 3);
  put32(b + 4, 36 + 3);
  *n = 47;
}
static void data_first(uint8_t *b, size_t *n) {
  (void)n;
  memcpy(b + 12, "data", 4);
}
static void streaming_size(uint8_t *b, size_t *n) {
  (void)n;
  put32(b + 40, 0xFFFFFFFF);
  put32(b + 4, 0xFFFFFFFF);
}

int main(void) {
  media_audio_params p;
  media_audio_defaults(&p);
  p.seconds = 0.25;
  p.channels = 2;
  p.sample_rate = 16000;
  p.kind = MEDIA_AUDIO_TONE;
  media_buf good = {0};
  char err[200];
  CHECK_EQ_INT(media_audio_generate(&p, &good, err, sizeof err), 0);
  CHECK_EQ_INT(good.len, 44 + 4000 * 2 * 2);

  media_wav_info w;
  CHECK_EQ_INT(media_wav_decode(good.data, good.len, &w, err, sizeof err), 0);
  CHECK_EQ_INT(w.format, 1);
  CHECK_EQ_INT(w.channels, 2);
  CHECK_EQ_INT(w.sample_rate, 16000);
  CHECK_EQ_INT(w.bits, 16);
  CHECK_EQ_INT(w.frames, 4000);
  CHECK_NEAR(w.duration, 0.25, 1e-12);
  CHECK_EQ_INT(w.data_offset, 44);
  CHECK_NEAR(w.peak, 0.5, 1e-3); /* the tone's amplitude */
  CHECK_NEAR(w.rms, 0.5 / sqrt(2), 1e-3);

  /* Every truncation is reported as such. */
  for (size_t n = 0; n < good.len; n++) {
    err[0] = 0;
    CHECK_EQ_INT(media_wav_decode(good.data, n, &w, err, sizeof err), -1);
    if (n >= 12)
      CHECK(strstr(err, "truncated") != NULL);
  }

  expect_reject(&good, riff_too_big, "truncated: the RIFF header announces");
  expect_reject(&good, data_too_big, "truncated: chunk 'data' at offset 36 announces 1000000");
  expect_reject(&good, block_align_lies, "block align 3 disagrees");
  expect_reject(&good, byte_rate_lies, "byte rate 12345 disagrees");
  expect_reject(&good, bits_12, "12 bits per sample is not supported");
  expect_reject(&good, no_channels, "0 channels");
  expect_reject(&good, adpcm, "unsupported format tag 2");
  expect_reject(&good, not_wave, "not a RIFF/WAVE file");
  expect_reject(&good, odd_data, "not a whole number of 4-byte frames");
  expect_reject(&good, data_first, "data chunk before the fmt chunk");
  expect_reject(&good, streaming_size, "truncated");

  /* A LIST chunk of odd size (padded) before the data, and float32 samples. */
  media_buf f = {0};
  media_buf_append(&f, "RIFF", 4);
  media_buf_u32le(&f, 4 + 24 + 8 + 4 + 8 + 8);
  media_buf_append(&f, "WAVEfmt ", 8);
  media_buf_u32le(&f, 16);
  media_buf_u16le(&f, 3);
  media_buf_u16le(&f, 1);
  media_buf_u32le(&f, 8000);
  media_buf_u32le(&f, 32000);
  media_buf_u16le(&f, 4);
  media_buf_u16le(&f, 32);
  media_buf_append(&f, "LIST\x03\0\0\0abc\0", 12);
  media_buf_append(&f, "data\x08\0\0\0", 8);
  float s[2] = {0.25f, -0.75f};
  media_buf_append(&f, s, 8);
  CHECK_EQ_INT(media_wav_decode(f.data, f.len, &w, err, sizeof err), 0);
  CHECK_EQ_INT(w.format, 3);
  CHECK_EQ_INT(w.frames, 2);
  CHECK_NEAR(w.peak, 0.75, 1e-9);
  media_buf_free(&f);

  /* Garbage: mutations of the good file and random bytes. */
  media_rng rng;
  media_rng_seed(&rng, 11);
  uint8_t *copy = malloc(good.len);
  for (int round = 0; round < 20000; round++) {
    memcpy(copy, good.data, good.len);
    for (int k = media_rng_int(&rng, 1, 6); k > 0; k--)
      copy[media_rng_int(&rng, 0, 63)] = (uint8_t)media_rng_int(&rng, 0, 255);
    size_t n = (size_t)media_rng_int(&rng, 0, (int)good.len);
    media_wav_decode(copy, n, &w, err, sizeof err);
    if (round % 4 == 0) {
      for (size_t i = 0; i < 64; i++)
        copy[i] = (uint8_t)media_rng_next(&rng);
      memcpy(copy, "RIFF", 4);
      media_wav_decode(copy, 64, &w, err, sizeof err);
    }
  }
  free(copy);
  media_buf_free(&good);
  return check_summary("test_media_wav");
}
