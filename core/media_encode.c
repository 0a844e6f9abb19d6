/* JPEG and PNG encoding through stb_image_write (see media_encode.h). The
 * implementation comes compiled in Debian's libstb; only the header is used. */
#include <stb/stb_image_write.h>

#include "media_encode.h"

static void append_cb(void *ctx, void *data, int size) {
  media_buf_append(ctx, data, (size_t)size);
}

int media_encode_jpeg(const uint8_t *rgb, int width, int height, int quality, media_buf *out) {
  if (!stbi_write_jpg_to_func(append_cb, out, width, height, 3, rgb, quality))
    return -1;
  return out->failed ? -1 : 0;
}

int media_encode_png(const uint8_t *rgb, int width, int height, media_buf *out) {
  if (!stbi_write_png_to_func(append_cb, out, width, height, 3, rgb, width * 3))
    return -1;
  return out->failed ? -1 : 0;
}
