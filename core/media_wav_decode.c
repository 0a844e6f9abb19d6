/* WAV header parsing and checking (see media_wav_decode.h). Every read is
 * bounds-checked against the buffer: this code is fed server output and
 * fuzzed. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "media_wav_decode.h"

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* The chunk id, with anything unprintable shown as '?'. */
static void chunk_id(const uint8_t *c, char out[5]) {
  for (int i = 0; i < 4; i++)
    out[i] = c[i] >= 0x20 && c[i] < 0x7f ? (char)c[i] : '?';
  out[4] = 0;
}

static int fail(char *err, size_t errlen, const char *msg) {
  snprintf(err, errlen, "WAV: %s", msg);
  return -1;
}

static int parse_fmt(const uint8_t *c, uint32_t size, media_wav_info *w, char *err, size_t errlen) {
  if (size < 16)
    return fail(err, errlen, "fmt chunk shorter than 16 bytes");
  w->format = le16(c);
  w->channels = le16(c + 2);
  w->sample_rate = (int)(le32(c + 4) > 0x7fffffff ? 0 : le32(c + 4));
  uint32_t byte_rate = le32(c + 8);
  int block_align = le16(c + 12);
  w->bits = le16(c + 14);
  if (w->format == 0xFFFE) { /* WAVE_FORMAT_EXTENSIBLE: the sub-format GUID starts with the tag */
    if (size < 40)
      return fail(err, errlen, "extensible fmt chunk shorter than 40 bytes");
    w->format = le16(c + 24);
  }
  if (w->format != 1 && w->format != 3) {
    snprintf(err, errlen, "WAV: unsupported format tag %d (only PCM 1 and float 3)", w->format);
    return -1;
  }
  if (w->channels < 1)
    return fail(err, errlen, "0 channels");
  if (w->sample_rate < 1)
    return fail(err, errlen, "sample rate 0 or above 2^31");
  int ok_bits = w->format == 1 ? (w->bits == 8 || w->bits == 16 || w->bits == 24 || w->bits == 32)
                               : (w->bits == 32 || w->bits == 64);
  if (!ok_bits) {
    snprintf(err, errlen, "WAV: %d bits per sample is not supported for %s", w->bits,
             w->format == 1 ? "PCM" : "float");
    return -1;
  }
  int expect_align = w->channels * (w->bits / 8);
  if (block_align != expect_align) {
    snprintf(err, errlen, "WAV: block align %d disagrees with %d channels of %d bits (%d)",
             block_align, w->channels, w->bits, expect_align);
    return -1;
  }
  if ((uint64_t)byte_rate != (uint64_t)w->sample_rate * (uint64_t)block_align) {
    snprintf(err, errlen, "WAV: byte rate %u disagrees with %d Hz * %d-byte frames", byte_rate,
             w->sample_rate, block_align);
    return -1;
  }
  return 0;
}

static double sample_at(const uint8_t *p, const media_wav_info *w) {
  switch (w->bits | (w->format << 8)) {
  case 8 | (1 << 8):
    return (p[0] - 128) / 128.0;
  case 16 | (1 << 8):
    return (int16_t)le16(p) / 32768.0;
  case 24 | (1 << 8): {
    int32_t v = (int32_t)((uint32_t)p[0] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 24);
    return (v >> 8) / 8388608.0;
  }
  case 32 | (1 << 8):
    return (int32_t)le32(p) / 2147483648.0;
  case 32 | (3 << 8): {
    float f;
    uint32_t u = le32(p);
    memcpy(&f, &u, 4);
    return isfinite(f) ? f : 0;
  }
  default: {
    double d;
    uint64_t u = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
    memcpy(&d, &u, 8);
    return isfinite(d) ? d : 0;
  }
  }
}

static void levels(const uint8_t *data, media_wav_info *w) {
  size_t step = (size_t)w->bits / 8, count = w->data_size / step;
  double peak = 0, sum = 0;
  for (size_t i = 0; i < count; i++) {
    double v = fabs(sample_at(data + i * step, w));
    peak = v > peak ? v : peak;
    sum += v * v;
  }
  w->peak = peak;
  w->rms = count ? sqrt(sum / (double)count) : 0;
}

int media_wav_decode(const uint8_t *b, size_t n, media_wav_info *w, char *err, size_t errlen) {
  memset(w, 0, sizeof *w);
  if (n < 12)
    return fail(err, errlen, "shorter than the 12-byte RIFF header");
  if (memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0)
    return fail(err, errlen, "not a RIFF/WAVE file");
  uint64_t riff_end = 8 + (uint64_t)le32(b + 4);
  if (riff_end > n) {
    snprintf(err, errlen, "WAV: truncated: the RIFF header announces %llu bytes, got %zu",
             (unsigned long long)riff_end, n);
    return -1;
  }
  int have_fmt = 0;
  size_t at = 12;
  while (at + 8 <= riff_end) {
    const uint8_t *c = b + at;
    uint32_t size = le32(c + 4);
    uint64_t body_end = (uint64_t)at + 8 + size;
    if (body_end > riff_end) {
      char id[5];
      chunk_id(c, id);
      snprintf(err, errlen,
               "WAV: truncated: chunk '%s' at offset %zu announces %u bytes, %llu left", id, at,
               size, (unsigned long long)(riff_end - at - 8));
      return -1;
    }
    if (memcmp(c, "fmt ", 4) == 0) {
      if (have_fmt)
        return fail(err, errlen, "two fmt chunks");
      if (parse_fmt(c + 8, size, w, err, errlen) != 0)
        return -1;
      have_fmt = 1;
    } else if (memcmp(c, "data", 4) == 0) {
      if (!have_fmt)
        return fail(err, errlen, "data chunk before the fmt chunk");
      size_t align = (size_t)w->channels * (size_t)(w->bits / 8);
      if (size % align != 0) {
        snprintf(err, errlen, "WAV: data size %u is not a whole number of %zu-byte frames", size,
                 align);
        return -1;
      }
      w->data_offset = at + 8;
      w->data_size = size;
      w->frames = size / align;
      w->duration = (double)w->frames / w->sample_rate;
      levels(c + 8, w);
      return 0;
    }
    at = (size_t)body_end + (size & 1); /* chunks are padded to even sizes */
  }
  return fail(err, errlen, have_fmt ? "no data chunk" : "no fmt chunk");
}
