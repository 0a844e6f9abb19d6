/* libFuzzer target: the decoders that check what a server returns (WAV,
 * PNG/JPEG, strict base64, data URLs). The first byte picks the decoder. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "media_base64.h"
#include "media_dataurl.h"
#include "media_image_decode.h"
#include "media_wav_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const uint8_t *in = data + 1;
  size_t n = size - 1;
  char err[256];
  switch (data[0] % 4) {
  case 0: {
    media_wav_info info;
    media_wav_decode(in, n, &info, err, sizeof err);
    break;
  }
  case 1: {
    media_image_info info;
    media_image_decode(in, n, &info, err, sizeof err);
    break;
  }
  case 2: {
    uint8_t *out = malloc(n / 4 * 3 + 1);
    size_t out_len;
    if (out != NULL)
      media_base64_decode((const char *)in, n, out, &out_len, err, sizeof err);
    free(out);
    break;
  }
  default: {
    media_dataurl d;
    if (media_dataurl_parse((const char *)in, n, &d, err, sizeof err) == 0)
      media_dataurl_free(&d);
    break;
  }
  }
  return 0;
}
