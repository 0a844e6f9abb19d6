#ifndef OMNILUA_MEDIA_JPEG_H
#define OMNILUA_MEDIA_JPEG_H
#include <stdint.h>

#include "media_buf.h"

/* A baseline JPEG encoder (JFIF, YCbCr 4:2:0, the standard Annex K tables,
 * IJG quality scaling) for the video frames. It exists for speed: frames are
 * mostly flat background, and a flat 8x8 block is coded from its DC alone
 * without a DCT, which is several times faster than stb_image_write on them.
 * The tables are built once per quality in an encoder value that threads
 * may share read-only. */
typedef struct {
  uint8_t dqt[2][64];    /* quantisation tables in zigzag order, as written */
  float scale[2][64];    /* AAN DCT output to quantised value, natural order */
  uint16_t code[4][256]; /* Huffman codes: DC luma, AC luma, DC chroma, AC chroma */
  uint8_t size[4][256];
} media_jpeg;

/* quality 1..100, as in libjpeg and stb_image_write. */
void media_jpeg_init(media_jpeg *enc, int quality);
/* Appends a JPEG of the RGB8 image to out; 0, or -1 when out of memory. */
int media_jpeg_encode(const media_jpeg *enc, const uint8_t *rgb, int width, int height,
                      media_buf *out);

#endif
