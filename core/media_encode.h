#ifndef OMNILUA_MEDIA_ENCODE_H
#define OMNILUA_MEDIA_ENCODE_H
#include <stdint.h>

#include "media_buf.h"

/* RGB8 pixels to JPEG or PNG bytes appended to `out`, through the Debian
 * build of stb_image_write (libstb). 0 on success, -1 on failure. */
int media_encode_jpeg(const uint8_t *rgb, int width, int height, int quality, media_buf *out);
int media_encode_png(const uint8_t *rgb, int width, int height, media_buf *out);

#endif
