/* The video frames' JPEG encoder: decodable by stb_image at any size, and as
 * faithful as stb_image_write at the same quality (both 4:2:0 up to 90). */
#include <math.h>
#include <stb/stb_image.h>
#include <stdlib.h>

#include "check.h"
#include "media_encode.h"
#include "media_image.h"
#include "media_jpeg.h"

static double psnr(const uint8_t *a, const uint8_t *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += (double)(a[i] - b[i]) * (a[i] - b[i]);
  return s == 0 ? 99 : 10 * log10(255.0 * 255.0 / (s / (double)n));
}

/* Encodes with both encoders, decodes both, returns own - stb PSNR. */
static double compare(const uint8_t *px, int w, int h, int quality) {
  media_jpeg enc;
  media_jpeg_init(&enc, quality);
  media_buf own = {0}, ref = {0};
  CHECK_EQ_INT(media_jpeg_encode(&enc, px, w, h, &own), 0);
  CHECK_EQ_INT(media_encode_jpeg(px, w, h, quality, &ref), 0);
  int dw, dh, dc;
  uint8_t *a = stbi_load_from_memory(own.data, (int)own.len, &dw, &dh, &dc, 3);
  CHECK(a != NULL);
  if (!a)
    return -99;
  CHECK_EQ_INT(dw, w);
  CHECK_EQ_INT(dh, h);
  CHECK(own.data[own.len - 2] == 0xFF && own.data[own.len - 1] == 0xD9);
  uint8_t *b = stbi_load_from_memory(ref.data, (int)ref.len, &dw, &dh, &dc, 3);
  size_t n = (size_t)w * (size_t)h * 3;
  double diff = psnr(px, a, n) - psnr(px, b, n);
  stbi_image_free(a);
  stbi_image_free(b);
  media_buf_free(&own);
  media_buf_free(&ref);
  return diff;
}

int main(void) {
  static const int sizes[][2] = {{123, 77}, {224, 224}, {1, 1}, {17, 33}, {16, 16}, {300, 9}};
  static const int qualities[] = {1, 10, 50, 85, 90};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    for (int shape = 0; shape < MEDIA_SHAPE_COUNT; shape++) {
      media_image_params p;
      media_image_defaults(&p);
      p.width = sizes[s][0];
      p.height = sizes[s][1];
      p.shape = (media_shape)shape;
      p.seed = (uint64_t)s;
      uint8_t *px = malloc((size_t)p.width * (size_t)p.height * 3);
      media_image_paint(&p, px);
      for (size_t q = 0; q < sizeof qualities / sizeof qualities[0]; q++) {
        double d = compare(px, p.width, p.height, qualities[q]);
        if (d < -0.5)
          fprintf(stderr, "%dx%d shape %d q %d: %.2f dB below stb\n", p.width, p.height, shape,
                  qualities[q], d);
        CHECK(d >= -0.5);
      }
      free(px);
    }
  }
  /* Quality 100 still decodes (4:2:0 with all-ones tables). */
  uint8_t grey[8 * 8 * 3];
  memset(grey, 77, sizeof grey);
  media_jpeg enc;
  media_jpeg_init(&enc, 100);
  media_buf out = {0};
  CHECK_EQ_INT(media_jpeg_encode(&enc, grey, 8, 8, &out), 0);
  int w, h, c;
  uint8_t *d = stbi_load_from_memory(out.data, (int)out.len, &w, &h, &c, 3);
  CHECK(d != NULL && psnr(grey, d, sizeof grey) > 45);
  stbi_image_free(d);
  media_buf_free(&out);
  return check_summary("test_media_jpeg");
}
