/* PNG/JPEG checking through stb_image (Debian libstb; header only here). */
#include <limits.h>
#include <stb/stb_image.h>
#include <stdio.h>
#include <string.h>

#include "media_image_decode.h"
#include "media_limits.h"

int media_image_decode(const uint8_t *b, size_t n, media_image_info *info, char *err,
                       size_t errlen) {
  memset(info, 0, sizeof *info);
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n >= 8 && memcmp(b, png_sig, 8) == 0)
    info->format = "png";
  else if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
    info->format = "jpeg";
  else {
    snprintf(err, errlen, "image: neither a PNG nor a JPEG signature");
    return -1;
  }
  if (n > INT_MAX) {
    snprintf(err, errlen, "image: %zu bytes is over stb_image's 2 GiB limit", n);
    return -1;
  }
  if (info->format[0] == 'j') {
    /* stb_image pads a short JPEG with zeros, so look for the end marker. */
    size_t end = n;
    while (end > 3 && b[end - 1] == 0)
      end--;
    if (end < 4 || b[end - 2] != 0xFF || b[end - 1] != 0xD9) {
      snprintf(err, errlen, "image: truncated JPEG (no end-of-image marker)");
      return -1;
    }
  }
  int w, h, comp;
  if (!stbi_info_from_memory(b, (int)n, &w, &h, &comp)) {
    snprintf(err, errlen, "image: bad %s header: %s", info->format, stbi_failure_reason());
    return -1;
  }
  if (w < 1 || h < 1 || (long)w * h > MEDIA_DECODE_MAX_PIXELS) {
    snprintf(err, errlen, "image: %dx%d is outside 1..%ld pixels", w, h, MEDIA_DECODE_MAX_PIXELS);
    return -1;
  }
  /* Decoding every pixel is what catches truncated and corrupt data. */
  int dw, dh, dc;
  uint8_t *px = stbi_load_from_memory(b, (int)n, &dw, &dh, &dc, 0);
  if (!px) {
    snprintf(err, errlen, "image: cannot decode the %s data: %s", info->format,
             stbi_failure_reason());
    return -1;
  }
  stbi_image_free(px);
  info->width = dw;
  info->height = dh;
  info->channels = dc;
  return 0;
}
