#ifndef OMNILUA_MEDIA_IMAGE_H
#define OMNILUA_MEDIA_IMAGE_H
#include <stddef.h>
#include <stdint.h>

#include "media_buf.h"
#include "media_draw.h"

typedef enum {
  MEDIA_SHAPE_SQUARE,
  MEDIA_SHAPE_CIRCLE,
  MEDIA_SHAPE_TRIANGLE,
  MEDIA_SHAPE_STRIPES,
  MEDIA_SHAPE_NOISE,
  MEDIA_SHAPE_COUNT
} media_shape;

typedef enum { MEDIA_FORMAT_JPEG, MEDIA_FORMAT_PNG } media_format;

typedef struct {
  int width, height;
  media_shape shape;
  int has_color;   /* 0: each shape gets a random colour */
  media_rgb color; /* the shapes' colour when has_color */
  media_rgb background;
  media_format format;
  int quality; /* JPEG quality, 1..100 */
  uint64_t seed;
} media_image_params;

/* The reference's image: 224x224 JPEG (quality 85), white background,
 * 3-8 randomly coloured squares with black borders, seed 0. */
void media_image_defaults(media_image_params *p);
/* Shape names, in enum order ("square", "circle", ...). */
extern const char *const media_shape_names[MEDIA_SHAPE_COUNT];
/* Checks the parameters against media_limits.h; -1 with a reason if off. */
int media_image_check(const media_image_params *p, char *err, size_t errlen);
/* Paints the scene into `rgb` (width * height * 3 bytes). */
void media_image_paint(const media_image_params *p, uint8_t *rgb);
/* Checks, paints and encodes; the encoded file is appended to `out`. */
int media_image_generate(const media_image_params *p, media_buf *out, char *err, size_t errlen);

#endif
