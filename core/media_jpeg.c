/* Baseline JPEG encoding with a flat-block fast path (see media_jpeg.h).
 * Tables are ITU-T T.81 Annex K; the float DCT is Arai-Agui-Nakajima as in
 * IJG's jfdctflt.c; colour conversion is libjpeg's fixed-point formula. */
#include <string.h>

#include "media_jpeg.h"

static const uint8_t natural_order[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

static const uint8_t std_luma_q[64] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const uint8_t std_chroma_q[64] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

/* Huffman tables: counts of codes of each length 1..16, then the symbols. */
static const uint8_t dc_luma_bits[16] = {0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
static const uint8_t dc_chroma_bits[16] = {0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
static const uint8_t dc_vals[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
static const uint8_t ac_luma_bits[16] = {0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d};
static const uint8_t ac_luma_vals[162] = {
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
    0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52,
    0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
    0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64,
    0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83,
    0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
    0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
    0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3,
    0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8,
    0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa};
static const uint8_t ac_chroma_bits[16] = {0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77};
static const uint8_t ac_chroma_vals[162] = {
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
    0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33,
    0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18,
    0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
    0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63,
    0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
    0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
    0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
    0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
    0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
    0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa};

static const uint8_t *const table_bits[4] = {dc_luma_bits, ac_luma_bits, dc_chroma_bits,
                                             ac_chroma_bits};
static const uint8_t *const table_vals[4] = {dc_vals, ac_luma_vals, dc_vals, ac_chroma_vals};
static const int table_count[4] = {12, 162, 12, 162};

/* Canonical Huffman codes from the code-length counts (T.81 Annex C). */
static void build_huffman(media_jpeg *e, int t) {
  uint16_t code = 0;
  int k = 0;
  for (int len = 1; len <= 16; len++) {
    for (int i = 0; i < table_bits[t][len - 1]; i++, k++) {
      e->code[t][table_vals[t][k]] = code++;
      e->size[t][table_vals[t][k]] = (uint8_t)len;
    }
    code = (uint16_t)(code << 1);
  }
}

void media_jpeg_init(media_jpeg *e, int quality) {
  static const float aan[8] = {1.0f, 1.387039845f, 1.306562965f, 1.175875602f,
                               1.0f, 0.785694958f, 0.541196100f, 0.275899379f};
  memset(e, 0, sizeof *e);
  quality = quality < 1 ? 1 : quality > 100 ? 100 : quality;
  int scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  for (int c = 0; c < 2; c++) {
    const uint8_t *std = c ? std_chroma_q : std_luma_q;
    for (int k = 0; k < 64; k++) {
      int n = natural_order[k];
      int q = (std[n] * scale + 50) / 100;
      q = q < 1 ? 1 : q > 255 ? 255 : q;
      e->dqt[c][k] = (uint8_t)q;
      e->scale[c][n] = 1.0f / ((float)q * aan[n / 8] * aan[n % 8] * 8.0f);
    }
  }
  for (int t = 0; t < 4; t++)
    build_huffman(e, t);
}

/* Arai-Agui-Nakajima forward DCT on 8 values spaced `step` apart. */
static void fdct8(float *d, int step) {
  float d0 = d[0], d1 = d[step], d2 = d[2 * step], d3 = d[3 * step];
  float d4 = d[4 * step], d5 = d[5 * step], d6 = d[6 * step], d7 = d[7 * step];
  float t0 = d0 + d7, t7 = d0 - d7, t1 = d1 + d6, t6 = d1 - d6;
  float t2 = d2 + d5, t5 = d2 - d5, t3 = d3 + d4, t4 = d3 - d4;
  float t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
  d[0] = t10 + t11;
  d[4 * step] = t10 - t11;
  float z1 = (t12 + t13) * 0.707106781f;
  d[2 * step] = t13 + z1;
  d[6 * step] = t13 - z1;
  t10 = t4 + t5;
  t11 = t5 + t6;
  t12 = t6 + t7;
  float z5 = (t10 - t12) * 0.382683433f;
  float z2 = 0.541196100f * t10 + z5;
  float z4 = 1.306562965f * t12 + z5;
  float z3 = t11 * 0.707106781f;
  float z11 = t7 + z3, z13 = t7 - z3;
  d[5 * step] = z13 + z2;
  d[3 * step] = z13 - z2;
  d[step] = z11 + z4;
  d[7 * step] = z11 - z4;
}

/* The entropy-coded output: bytes go straight into the buffer, whose room
 * the caller reserves per macroblock (see MCU_MAX_BYTES). */
typedef struct {
  uint8_t *p;
  uint32_t acc; /* pending bits, left-aligned at bit 31 */
  int count;
} bits;

/* Six blocks of at most 64 codes of 16 + 11 bits, doubled by byte stuffing. */
enum { MCU_MAX_BYTES = 6 * 64 * 27 / 8 * 2 + 16 };

static inline void put_bits(bits *w, uint32_t code, int size) {
  w->acc |= code << (32 - w->count - size);
  w->count += size;
  while (w->count >= 8) {
    uint8_t byte = (uint8_t)(w->acc >> 24);
    *w->p++ = byte;
    if (byte == 0xFF)
      *w->p++ = 0; /* byte stuffing */
    w->acc <<= 8;
    w->count -= 8;
  }
}

static inline int category(int v) {
  unsigned a = (unsigned)(v < 0 ? -v : v);
  return a ? 32 - __builtin_clz(a) : 0;
}

static inline void put_value(bits *w, const media_jpeg *e, int t, int run, int v) {
  int cat = category(v);
  int sym = run << 4 | cat;
  put_bits(w, e->code[t][sym], e->size[t][sym]);
  if (cat)
    put_bits(w, (uint32_t)(v < 0 ? v - 1 : v) & ((1u << cat) - 1), cat);
}

/* Rounds to nearest without a branch (signs are unpredictable): coefficients
 * stay within +-2048, so the offset keeps the sum positive, and float spacing
 * at 4096 (1/2048) is far below the rounding step. */
static inline int quantise(float v) { return (int)(v + 4096.5f) - 4096; }

/* Codes one 8x8 block of samples (0..255); c is 0 luma, 1 chroma; *dc
 * holds the component's previous DC. */
static void code_block(bits *w, const media_jpeg *e, int c, const uint8_t s[64], int *dc) {
  int t_dc = c * 2, t_ac = c * 2 + 1;
  if (memcmp(s, s + 1, 63) == 0) { /* every sample equals its neighbour */
    /* The DCT of a constant block is exactly 64 * (s - 128) at DC and 0
     * elsewhere, so this matches what the full path would produce. */
    int q = quantise((float)(64 * (s[0] - 128)) * e->scale[c][0]);
    put_value(w, e, t_dc, 0, q - *dc);
    *dc = q;
    put_bits(w, e->code[t_ac][0], e->size[t_ac][0]); /* EOB */
    return;
  }
  float d[64];
  for (int i = 0; i < 64; i++)
    d[i] = (float)s[i] - 128.0f;
  for (int r = 0; r < 8; r++)
    fdct8(d + 8 * r, 1);
  for (int col = 0; col < 8; col++)
    fdct8(d + col, 8);
  int q[64];
  for (int k = 0; k < 64; k++) {
    int n = natural_order[k];
    q[k] = quantise(d[n] * e->scale[c][n]);
  }
  put_value(w, e, t_dc, 0, q[0] - *dc);
  *dc = q[0];
  int run = 0;
  for (int k = 1; k < 64; k++) {
    if (q[k] == 0) {
      run++;
      continue;
    }
    while (run > 15) {
      put_bits(w, e->code[t_ac][0xF0], e->size[t_ac][0xF0]); /* 16 zeros */
      run -= 16;
    }
    put_value(w, e, t_ac, run, q[k]);
    run = 0;
  }
  if (run)
    put_bits(w, e->code[t_ac][0], e->size[t_ac][0]);
}

static void write_headers(const media_jpeg *e, int width, int height, media_buf *out) {
  static const uint8_t jfif[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F',
                                 0,    1,    1,    0,    0, 1,  0,   1,   0,   0};
  media_buf_append(out, jfif, sizeof jfif);
  media_buf_u16be(out, 0xFFDB);
  media_buf_u16be(out, 2 + 2 * 65);
  for (int c = 0; c < 2; c++) {
    media_buf_u8(out, (uint8_t)c);
    media_buf_append(out, e->dqt[c], 64);
  }
  static const uint8_t sof_tail[] = {3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1};
  media_buf_u16be(out, 0xFFC0);
  media_buf_u16be(out, 17);
  media_buf_u8(out, 8);
  media_buf_u16be(out, (uint16_t)height);
  media_buf_u16be(out, (uint16_t)width);
  media_buf_append(out, sof_tail, sizeof sof_tail);
  media_buf_u16be(out, 0xFFC4);
  media_buf_u16be(out, 2 + 4 * 17 + 2 * 12 + 2 * 162);
  static const uint8_t ids[4] = {0x00, 0x10, 0x01, 0x11};
  for (int t = 0; t < 4; t++) {
    media_buf_u8(out, ids[t]);
    media_buf_append(out, table_bits[t], 16);
    media_buf_append(out, table_vals[t], (size_t)table_count[t]);
  }
  static const uint8_t sos[] = {0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0};
  media_buf_append(out, sos, sizeof sos);
}

static uint8_t clamp255(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

/* Whether the 16x16 macroblock at (mx, my), inside the image, is one colour. */
static int flat_macroblock(const uint8_t *rgb, int width, int mx, int my) {
  const uint8_t *first = rgb + ((size_t)my * (size_t)width + (size_t)mx) * 3;
  uint8_t row[48];
  for (int i = 0; i < 16; i++)
    memcpy(row + 3 * i, first, 3);
  for (int j = 0; j < 16; j++)
    if (memcmp(first + (size_t)j * (size_t)width * 3, row, 48) != 0)
      return 0;
  return 1;
}

static uint8_t luma(int r, int g, int b) {
  return (uint8_t)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
}
static int chroma_b(int r, int g, int b) {
  return (-11059 * r - 21709 * g + 32768 * b + (128 << 16) + 32767) >> 16;
}
static int chroma_r(int r, int g, int b) {
  return (32768 * r - 27439 * g - 5329 * b + (128 << 16) + 32767) >> 16;
}

int media_jpeg_encode(const media_jpeg *e, const uint8_t *rgb, int width, int height,
                      media_buf *out) {
  write_headers(e, width, height, out);
  bits w = {NULL, 0, 0};
  int dc[3] = {0, 0, 0};
  uint8_t y[4][64], cb[64], cr[64];
  for (int my = 0; my < height; my += 16) {
    for (int mx = 0; mx < width; mx += 16) {
      int inside = mx + 16 <= width && my + 16 <= height;
      if (inside && flat_macroblock(rgb, width, mx, my)) {
        /* Most of a frame is background: convert one pixel, not 256. */
        const uint8_t *p = rgb + ((size_t)my * (size_t)width + (size_t)mx) * 3;
        memset(y, luma(p[0], p[1], p[2]), sizeof y);
        memset(cb, clamp255(chroma_b(p[0], p[1], p[2])), sizeof cb);
        memset(cr, clamp255(chroma_r(p[0], p[1], p[2])), sizeof cr);
      } else {
        /* Convert the macroblock, replicating edge pixels past the image. */
        int sum_cb[64] = {0}, sum_cr[64] = {0};
        for (int j = 0; j < 16; j++) {
          int py = my + j < height ? my + j : height - 1;
          const uint8_t *line = rgb + (size_t)py * (size_t)width * 3;
          for (int i = 0; i < 16; i++) {
            int px = mx + i < width ? mx + i : width - 1;
            const uint8_t *p = line + (size_t)px * 3;
            int r = p[0], g = p[1], b = p[2];
            y[(j >> 3) * 2 + (i >> 3)][(j & 7) * 8 + (i & 7)] = luma(r, g, b);
            int k = (j >> 1) * 8 + (i >> 1);
            sum_cb[k] += chroma_b(r, g, b);
            sum_cr[k] += chroma_r(r, g, b);
          }
        }
        for (int k = 0; k < 64; k++) {
          cb[k] = clamp255((sum_cb[k] + 2) >> 2);
          cr[k] = clamp255((sum_cr[k] + 2) >> 2);
        }
      }
      if (media_buf_reserve(out, MCU_MAX_BYTES) != 0)
        return -1;
      w.p = out->data + out->len;
      for (int b = 0; b < 4; b++)
        code_block(&w, e, 0, y[b], &dc[0]);
      code_block(&w, e, 1, cb, &dc[1]);
      code_block(&w, e, 1, cr, &dc[2]);
      out->len = (size_t)(w.p - out->data);
    }
  }
  if (media_buf_reserve(out, 2) != 0)
    return -1;
  w.p = out->data + out->len;
  if (w.count > 0) /* pad the last byte with ones */
    put_bits(&w, (1u << (8 - w.count)) - 1, 8 - w.count);
  out->len = (size_t)(w.p - out->data);
  media_buf_u16be(out, 0xFFD9);
  return out->failed ? -1 : 0;
}
