#ifndef OMNILUA_MEDIA_BUF_H
#define OMNILUA_MEDIA_BUF_H
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer shared by the media encoders. After an allocation
 * failure `failed` is set and every later append is a no-op, so writers can
 * append freely and check once at the end. */
typedef struct {
  uint8_t *data;
  size_t len, cap;
  int failed;
} media_buf;

/* Ensures room for `extra` more bytes; 0 on success, -1 (and failed) if not. */
int media_buf_reserve(media_buf *b, size_t extra);
void media_buf_append(media_buf *b, const void *p, size_t n);
void media_buf_u8(media_buf *b, uint8_t v);
void media_buf_u16le(media_buf *b, uint16_t v);
void media_buf_u32le(media_buf *b, uint32_t v);
void media_buf_u16be(media_buf *b, uint16_t v);
void media_buf_u32be(media_buf *b, uint32_t v);
void media_buf_u64be(media_buf *b, uint64_t v);
void media_buf_zeros(media_buf *b, size_t n);
/* Overwrites 4 bytes at `at` (already written) with v, big-endian. */
void media_buf_patch_u32be(media_buf *b, size_t at, uint32_t v);
void media_buf_free(media_buf *b);

#endif
