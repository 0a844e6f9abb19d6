/* Synthetic still images: the reference's squares, and circles, triangles,
 * stripes and noise, painted from a seed and encoded as JPEG or PNG. */
#include <stdio.h>
#include <stdlib.h>

#include "media_encode.h"
#include "media_image.h"
#include "media_limits.h"
#include "media_rng.h"

const char *const media_shape_names[MEDIA_SHAPE_COUNT] = {"square", "circle", "triangle", "stripes",
                                                          "noise"};

static const media_rgb black = {0, 0, 0};

void media_image_defaults(media_image_params *p) {
  *p = (media_image_params){.width = 224,
                            .height = 224,
                            .shape = MEDIA_SHAPE_SQUARE,
                            .background = {255, 255, 255},
                            .format = MEDIA_FORMAT_JPEG,
                            .quality = 85};
}

int media_image_check(const media_image_params *p, char *err, size_t errlen) {
  if (p->width < 1 || p->width > MEDIA_IMAGE_MAX_SIDE) {
    snprintf(err, errlen, "width must be in [1, %d], got %d", MEDIA_IMAGE_MAX_SIDE, p->width);
    return -1;
  }
  if (p->height < 1 || p->height > MEDIA_IMAGE_MAX_SIDE) {
    snprintf(err, errlen, "height must be in [1, %d], got %d", MEDIA_IMAGE_MAX_SIDE, p->height);
    return -1;
  }
  if ((long)p->width * p->height > MEDIA_IMAGE_MAX_PIXELS) {
    snprintf(err, errlen, "width * height must be at most %ld, got %ld", MEDIA_IMAGE_MAX_PIXELS,
             (long)p->width * p->height);
    return -1;
  }
  if ((unsigned)p->shape >= MEDIA_SHAPE_COUNT) {
    snprintf(err, errlen, "unknown shape %d", (int)p->shape);
    return -1;
  }
  if (p->format != MEDIA_FORMAT_JPEG && p->format != MEDIA_FORMAT_PNG) {
    snprintf(err, errlen, "unknown format %d", (int)p->format);
    return -1;
  }
  if (p->quality < MEDIA_QUALITY_MIN || p->quality > MEDIA_QUALITY_MAX) {
    snprintf(err, errlen, "quality must be in [%d, %d], got %d", MEDIA_QUALITY_MIN,
             MEDIA_QUALITY_MAX, p->quality);
    return -1;
  }
  return 0;
}

static media_rgb pick_color(const media_image_params *p, media_rng *rng) {
  /* Draw even when the colour is fixed, so the layout does not depend on it. */
  media_rgb c = {(uint8_t)media_rng_int(rng, 0, 255), (uint8_t)media_rng_int(rng, 0, 255),
                 (uint8_t)media_rng_int(rng, 0, 255)};
  return p->has_color ? p->color : c;
}

/* Position and size of one shape: a box of side s at (x, y), fully inside. */
typedef struct {
  int x, y, s, border;
} box;

static box pick_box(const media_image_params *p, media_rng *rng) {
  int m = p->width < p->height ? p->width : p->height;
  int lo = m / 8 > 0 ? m / 8 : 1, hi = m / 4 > lo ? m / 4 : lo;
  box b;
  b.s = media_rng_int(rng, lo, hi);
  b.x = media_rng_int(rng, 0, p->width - b.s > 0 ? p->width - b.s : 0);
  b.y = media_rng_int(rng, 0, p->height - b.s > 0 ? p->height - b.s : 0);
  b.border = media_rng_int(rng, 1, 5);
  if (b.border * 2 >= b.s)
    b.border = (b.s - 1) / 2;
  return b;
}

static void paint_squares(const media_image_params *p, media_canvas *c, media_rng *rng) {
  int n = media_rng_int(rng, 3, 8);
  for (int i = 0; i < n; i++) {
    box b = pick_box(p, rng);
    media_rgb color = pick_color(p, rng);
    media_draw_rect(c, b.x, b.y, b.x + b.s, b.y + b.s, black);
    media_draw_rect(c, b.x + b.border, b.y + b.border, b.x + b.s - b.border, b.y + b.s - b.border,
                    color);
  }
}

static void paint_circles(const media_image_params *p, media_canvas *c, media_rng *rng) {
  int n = media_rng_int(rng, 3, 8);
  for (int i = 0; i < n; i++) {
    box b = pick_box(p, rng);
    media_rgb color = pick_color(p, rng);
    int r = b.s / 2, cx = b.x + r, cy = b.y + r;
    media_draw_disc(c, cx, cy, r, black);
    media_draw_disc(c, cx, cy, r - b.border, color);
  }
}

static void triangle_in(const box *b, double inset, double x[3], double y[3]) {
  /* An upward triangle in the box; `inset` shrinks it towards its centroid. */
  double s = b->s, gx = b->x + s / 2, gy = b->y + s * 2 / 3;
  double k = s > 0 ? (s - 3 * inset) / s : 0;
  if (k < 0)
    k = 0;
  double px[3] = {b->x + s / 2, b->x, b->x + s}, py[3] = {b->y, b->y + s, b->y + s};
  for (int i = 0; i < 3; i++) {
    x[i] = gx + (px[i] - gx) * k;
    y[i] = gy + (py[i] - gy) * k;
  }
}

static void paint_triangles(const media_image_params *p, media_canvas *c, media_rng *rng) {
  int n = media_rng_int(rng, 3, 8);
  for (int i = 0; i < n; i++) {
    box b = pick_box(p, rng);
    media_rgb color = pick_color(p, rng);
    double x[3], y[3];
    triangle_in(&b, 0, x, y);
    media_draw_triangle(c, x, y, black);
    triangle_in(&b, b.border, x, y);
    media_draw_triangle(c, x, y, color);
  }
}

static void paint_stripes(const media_image_params *p, media_canvas *c, media_rng *rng) {
  int m = p->width < p->height ? p->width : p->height;
  int lo = m / 16 > 0 ? m / 16 : 1, hi = m / 8 > lo ? m / 8 : lo;
  int w = media_rng_int(rng, lo, hi);
  media_rgb color = pick_color(p, rng);
  for (int x = 0; x < p->width; x += 2 * w)
    media_draw_rect(c, x, 0, x + w, p->height, color);
}

static void paint_noise(media_canvas *c, media_rng *rng) {
  size_t n = (size_t)c->width * (size_t)c->height * 3, i = 0;
  while (i < n) {
    uint64_t v = media_rng_next(rng);
    for (int k = 0; k < 8 && i < n; k++, v >>= 8)
      c->px[i++] = (uint8_t)v;
  }
}

void media_image_paint(const media_image_params *p, uint8_t *rgb) {
  media_canvas c = {rgb, p->width, p->height};
  media_rng rng;
  media_rng_seed(&rng, p->seed);
  media_draw_fill(&c, p->background);
  switch (p->shape) {
  case MEDIA_SHAPE_SQUARE:
    paint_squares(p, &c, &rng);
    break;
  case MEDIA_SHAPE_CIRCLE:
    paint_circles(p, &c, &rng);
    break;
  case MEDIA_SHAPE_TRIANGLE:
    paint_triangles(p, &c, &rng);
    break;
  case MEDIA_SHAPE_STRIPES:
    paint_stripes(p, &c, &rng);
    break;
  default:
    paint_noise(&c, &rng);
    break;
  }
}

int media_image_generate(const media_image_params *p, media_buf *out, char *err, size_t errlen) {
  if (media_image_check(p, err, errlen) != 0)
    return -1;
  uint8_t *rgb = malloc((size_t)p->width * (size_t)p->height * 3);
  if (!rgb) {
    snprintf(err, errlen, "out of memory for a %dx%d image", p->width, p->height);
    return -1;
  }
  media_image_paint(p, rgb);
  int rc = p->format == MEDIA_FORMAT_PNG
               ? media_encode_png(rgb, p->width, p->height, out)
               : media_encode_jpeg(rgb, p->width, p->height, p->quality, out);
  free(rgb);
  if (rc != 0)
    snprintf(err, errlen, "encoding the %dx%d image failed (out of memory?)", p->width, p->height);
  return rc;
}
