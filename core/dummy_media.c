#include "dummy_media.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media_image.h"

static void put_u32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

void dummy_wav(dbuf *out, double t0, double seconds) {
  size_t frames = (size_t)(seconds * DUMMY_SAMPLE_RATE + 0.5);
  size_t bytes = frames * 2;
  unsigned char h[44];
  memcpy(h, "RIFF", 4);
  put_u32(h + 4, (uint32_t)(36 + bytes));
  memcpy(h + 8, "WAVEfmt ", 8);
  put_u32(h + 16, 16);
  h[20] = 1, h[21] = 0; /* PCM */
  h[22] = 1, h[23] = 0; /* mono */
  put_u32(h + 24, DUMMY_SAMPLE_RATE);
  put_u32(h + 28, DUMMY_SAMPLE_RATE * 2);
  h[32] = 2, h[33] = 0;
  h[34] = 16, h[35] = 0;
  memcpy(h + 36, "data", 4);
  put_u32(h + 40, (uint32_t)bytes);
  dbuf_add(out, h, sizeof h);
  if (dbuf_reserve(out, bytes) != 0)
    return;
  unsigned char *o = (unsigned char *)out->p + out->len;
  for (size_t i = 0; i < frames; i++) {
    double t = t0 + (double)i / DUMMY_SAMPLE_RATE;
    double pitch = 140 + 30 * sin(2 * M_PI * 0.7 * t);
    double env = 0.5 + 0.5 * sin(2 * M_PI * 4 * t); /* syllables */
    double ph = 2 * M_PI * pitch * t;
    double s = env * (0.5 * sin(ph) + 0.25 * sin(2 * ph) + 0.12 * sin(3 * ph));
    int16_t v = (int16_t)lrint(s * 0.6 * 32767);
    o[2 * i] = (unsigned char)(v & 0xFF);
    o[2 * i + 1] = (unsigned char)((uint16_t)v >> 8);
  }
  out->len += bytes;
  out->p[out->len] = '\0';
}

int dummy_image(dbuf *out, int w, int h, int jpeg, uint64_t seed) {
  /* The media module draws and encodes (one implementation of the reference's
   * test images); the dummy only picks the size, format and seed. */
  media_image_params p;
  media_image_defaults(&p);
  p.width = w;
  p.height = h;
  p.format = jpeg ? MEDIA_FORMAT_JPEG : MEDIA_FORMAT_PNG;
  p.quality = 90;
  p.seed = seed;
  media_buf img = {0};
  char err[160];
  int rc = media_image_generate(&p, &img, err, sizeof err);
  if (rc == 0 && !img.failed && img.len > 0)
    dbuf_add(out, img.data, img.len);
  else
    rc = -1;
  media_buf_free(&img);
  return rc == 0 && !out->failed ? 0 : -1;
}
