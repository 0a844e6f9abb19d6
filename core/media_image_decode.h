#ifndef OMNILUA_MEDIA_IMAGE_DECODE_H
#define OMNILUA_MEDIA_IMAGE_DECODE_H
#include <stddef.h>
#include <stdint.h>

/* What a PNG or JPEG file holds, for validating the images a server returns. */
typedef struct {
  const char *format; /* "png" or "jpeg" */
  int width, height;
  int channels; /* as stored: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
} media_image_info;

/* Identifies the format by its signature, refuses images over
 * MEDIA_DECODE_MAX_PIXELS, then decodes every pixel with stb_image so that
 * a truncated or corrupt file is reported. 0, or -1 with a reason. */
int media_image_decode(const uint8_t *bytes, size_t n, media_image_info *info, char *err,
                       size_t errlen);

#endif
