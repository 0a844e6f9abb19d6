#include "dummy_media.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dummy_profile.h"

/* stb_image_write from Debian's libstb, compiled static into this file only,
 * so it cannot clash with another core file that includes it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

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

static void write_to_dbuf(void *ctx, void *data, int size) { dbuf_add(ctx, data, (size_t)size); }

int dummy_image(dbuf *out, int w, int h, int jpeg, uint64_t seed) {
  unsigned char *px = malloc((size_t)w * (size_t)h * 3);
  if (!px)
    return -1;
  memset(px, 255, (size_t)w * (size_t)h * 3);
  uint64_t rng = seed;
  int side_min = (w < h ? w : h) / 8, side_max = (w < h ? w : h) / 4;
  if (side_min < 1)
    side_min = 1;
  int n = 3 + (int)(dummy_rand_next(&rng) % 6);
  for (int k = 0; k < n; k++) {
    int side = side_min + (int)(dummy_rand_next(&rng) % (uint64_t)(side_max - side_min + 1));
    int x0 = (int)(dummy_rand_next(&rng) % (uint64_t)(w - side + 1));
    int y0 = (int)(dummy_rand_next(&rng) % (uint64_t)(h - side + 1));
    unsigned char col[3] = {(unsigned char)(dummy_rand_next(&rng) % 200),
                            (unsigned char)(dummy_rand_next(&rng) % 200),
                            (unsigned char)(dummy_rand_next(&rng) % 200)};
    int border = side > 8 ? 2 : 0;
    for (int y = y0; y < y0 + side; y++)
      for (int x = x0; x < x0 + side; x++) {
        int edge = x < x0 + border || y < y0 + border || x >= x0 + side - border ||
                   y >= y0 + side - border;
        unsigned char *p = px + ((size_t)y * (size_t)w + (size_t)x) * 3;
        for (int c = 0; c < 3; c++)
          p[c] = edge ? 0 : col[c];
      }
  }
  size_t before = out->len;
  int ok = jpeg ? stbi_write_jpg_to_func(write_to_dbuf, out, w, h, 3, px, 90)
                : stbi_write_png_to_func(write_to_dbuf, out, w, h, 3, px, w * 3);
  free(px);
  return ok && !out->failed && out->len > before ? 0 : -1;
}
