/* Base64 encoding and strict decoding (see media_base64.h). */
#include <stdio.h>

#include "media_base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t media_base64_encoded_len(size_t n) {
  if (n / 3 >= SIZE_MAX / 4 - 1)
    return SIZE_MAX;
  return (n + 2) / 3 * 4;
}

void media_base64_encode(const uint8_t *in, size_t n, char *out) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    *out++ = alphabet[v >> 18];
    *out++ = alphabet[(v >> 12) & 63];
    *out++ = alphabet[(v >> 6) & 63];
    *out++ = alphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = (uint32_t)in[i] << 16;
    *out++ = alphabet[v >> 18];
    *out++ = alphabet[(v >> 12) & 63];
    *out++ = '=';
    *out++ = '=';
  } else if (n - i == 2) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
    *out++ = alphabet[v >> 18];
    *out++ = alphabet[(v >> 12) & 63];
    *out++ = alphabet[(v >> 6) & 63];
    *out++ = '=';
  }
}

static int value_of(unsigned char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

static int bad_char(const char *in, size_t at, char *err, size_t errlen) {
  unsigned char c = (unsigned char)in[at];
  if (c == '=')
    snprintf(err, errlen, "base64: '=' at offset %zu is not final padding", at);
  else if (c >= 0x21 && c < 0x7f)
    snprintf(err, errlen, "base64: invalid character '%c' at offset %zu", c, at);
  else
    snprintf(err, errlen, "base64: invalid byte 0x%02x at offset %zu", c, at);
  return -1;
}

int media_base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len, char *err,
                        size_t errlen) {
  if (n % 4 != 0) {
    snprintf(err, errlen, "base64: length %zu is not a multiple of 4", n);
    return -1;
  }
  size_t pad = 0;
  if (n >= 4 && in[n - 1] == '=')
    pad = in[n - 2] == '=' ? 2 : 1;
  size_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    int last = i + 4 == n;
    int v[4];
    for (size_t k = 0; k < 4; k++) {
      if (last && k >= 4 - pad) {
        v[k] = 0;
        continue;
      }
      v[k] = value_of((unsigned char)in[i + k]);
      if (v[k] < 0)
        return bad_char(in, i + k, err, errlen);
    }
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    if (last && pad == 2 && (v[1] & 15) != 0) {
      snprintf(err, errlen, "base64: non-zero bits before the padding at offset %zu", i + 1);
      return -1;
    }
    if (last && pad == 1 && (v[2] & 3) != 0) {
      snprintf(err, errlen, "base64: non-zero bits before the padding at offset %zu", i + 2);
      return -1;
    }
    out[o++] = (uint8_t)(w >> 16);
    if (!(last && pad == 2))
      out[o++] = (uint8_t)(w >> 8);
    if (!(last && pad >= 1))
      out[o++] = (uint8_t)w;
  }
  *out_len = o;
  return 0;
}
