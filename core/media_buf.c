/* Growable byte buffer for the media encoders (see media_buf.h). */
#include <stdlib.h>
#include <string.h>

#include "media_buf.h"

int media_buf_reserve(media_buf *b, size_t extra) {
  if (b->failed)
    return -1;
  if (extra <= b->cap - b->len)
    return 0;
  if (extra > SIZE_MAX / 2 - b->len) {
    b->failed = 1;
    return -1;
  }
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < extra)
    cap *= 2;
  uint8_t *p = realloc(b->data, cap);
  if (!p) {
    b->failed = 1;
    return -1;
  }
  b->data = p;
  b->cap = cap;
  return 0;
}

void media_buf_append(media_buf *b, const void *p, size_t n) {
  if (n == 0 || media_buf_reserve(b, n) != 0)
    return;
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void media_buf_u8(media_buf *b, uint8_t v) { media_buf_append(b, &v, 1); }

void media_buf_u16le(media_buf *b, uint16_t v) {
  uint8_t s[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  media_buf_append(b, s, 2);
}

void media_buf_u32le(media_buf *b, uint32_t v) {
  uint8_t s[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  media_buf_append(b, s, 4);
}

void media_buf_u16be(media_buf *b, uint16_t v) {
  uint8_t s[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  media_buf_append(b, s, 2);
}

void media_buf_u32be(media_buf *b, uint32_t v) {
  uint8_t s[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  media_buf_append(b, s, 4);
}

void media_buf_u64be(media_buf *b, uint64_t v) {
  media_buf_u32be(b, (uint32_t)(v >> 32));
  media_buf_u32be(b, (uint32_t)v);
}

void media_buf_zeros(media_buf *b, size_t n) {
  if (n == 0 || media_buf_reserve(b, n) != 0)
    return;
  memset(b->data + b->len, 0, n);
  b->len += n;
}

void media_buf_patch_u32be(media_buf *b, size_t at, uint32_t v) {
  if (b->failed || at + 4 > b->len)
    return;
  b->data[at] = (uint8_t)(v >> 24);
  b->data[at + 1] = (uint8_t)(v >> 16);
  b->data[at + 2] = (uint8_t)(v >> 8);
  b->data[at + 3] = (uint8_t)v;
}

void media_buf_free(media_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = 0;
}
