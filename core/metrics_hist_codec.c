/*
 * Histogram <-> text, so histograms travel inside result JSON and
 * `omnilua merge` can join client hosts. Layout (then base64):
 *   "OMH1" | digits | resolution (8 bytes, IEEE 754 little-endian) | highest
 *   | total | sum_ticks | min_ticks | max_ticks | clamped | counts_len
 *   | counts as zigzag LEB128 varints, a run of k empty buckets written as -k
 * (HdrHistogram's V2 encoding does the same zero-run trick). A latency
 * histogram is mostly empty buckets, so it stays a few hundred bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_hist.h"

typedef struct buf {
  unsigned char *p;
  size_t len, cap;
  int oom;
} buf;

static void put(buf *b, const void *data, size_t n) {
  if (b->oom)
    return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + n)
      cap *= 2;
    unsigned char *p = realloc(b->p, cap);
    if (p == NULL) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}

static void put_uvarint(buf *b, uint64_t v) {
  unsigned char tmp[10];
  size_t n = 0;
  do {
    tmp[n] = (unsigned char)(v & 0x7f);
    v >>= 7;
    if (v)
      tmp[n] |= 0x80;
    n++;
  } while (v);
  put(b, tmp, n);
}

static void put_svarint(buf *b, int64_t v) {
  put_uvarint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); /* zigzag */
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int metrics_hist_encode(const metrics_hist *h, char **out, size_t *len) {
  buf b = {0};
  put(&b, "OMH1", 4);
  put_uvarint(&b, (uint64_t)h->digits);
  unsigned char res[8];
  uint64_t bits;
  memcpy(&bits, &h->resolution, 8);
  for (int i = 0; i < 8; i++)
    res[i] = (unsigned char)(bits >> (8 * i));
  put(&b, res, 8);
  put_uvarint(&b, (uint64_t)h->highest);
  put_uvarint(&b, (uint64_t)h->total);
  put_uvarint(&b, h->sum_ticks);
  put_uvarint(&b, (uint64_t)(h->total ? h->min_ticks : 0));
  put_uvarint(&b, (uint64_t)h->max_ticks);
  put_uvarint(&b, (uint64_t)h->clamped);
  put_uvarint(&b, (uint64_t)h->counts_len);
  for (size_t i = 0; i < h->counts_len;) {
    size_t run = 0;
    while (i + run < h->counts_len && h->counts[i + run] == 0)
      run++;
    if (run > 0) {
      put_svarint(&b, -(int64_t)run);
      i += run;
    } else {
      put_svarint(&b, h->counts[i++]);
    }
  }
  if (b.oom) {
    free(b.p);
    return -2;
  }
  size_t n = ((b.len + 2) / 3) * 4;
  char *s = malloc(n + 1);
  if (s == NULL) {
    free(b.p);
    return -2;
  }
  size_t k = 0;
  for (size_t i = 0; i < b.len; i += 3) {
    uint32_t v = (uint32_t)b.p[i] << 16;
    if (i + 1 < b.len)
      v |= (uint32_t)b.p[i + 1] << 8;
    if (i + 2 < b.len)
      v |= b.p[i + 2];
    s[k++] = B64[(v >> 18) & 63];
    s[k++] = B64[(v >> 12) & 63];
    s[k++] = i + 1 < b.len ? B64[(v >> 6) & 63] : '=';
    s[k++] = i + 2 < b.len ? B64[v & 63] : '=';
  }
  s[k] = '\0';
  free(b.p);
  *out = s;
  *len = k;
  return 0;
}

static int b64_value(int c) {
  const char *p = c ? strchr(B64, c) : NULL;
  return p ? (int)(p - B64) : -1;
}

typedef struct reader {
  const unsigned char *p;
  size_t len, pos;
  int bad;
} reader;

static uint64_t get_uvarint(reader *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (r->pos >= r->len) {
      r->bad = 1;
      return 0;
    }
    unsigned char c = r->p[r->pos++];
    v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80))
      return v;
  }
  r->bad = 1;
  return 0;
}

static int fail(char *err, size_t cap, const char *why) {
  snprintf(err, cap, "invalid histogram: %s", why);
  return -1;
}

int metrics_hist_decode(const char *text, size_t len, metrics_hist *h, char *err, size_t cap) {
  memset(h, 0, sizeof *h);
  if (len % 4 != 0 || len < 8)
    return fail(err, cap, "not base64 of a histogram");
  unsigned char *raw = malloc(len / 4 * 3);
  if (raw == NULL)
    return fail(err, cap, "out of memory");
  size_t n = 0;
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    for (int j = 0; j < 4; j++) {
      v[j] = text[i + j] == '=' && i + 4 == len && j >= 2 ? 0 : b64_value(text[i + j]);
      if (v[j] < 0) {
        free(raw);
        return fail(err, cap, "not base64 of a histogram");
      }
    }
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    raw[n++] = (unsigned char)(w >> 16);
    if (text[i + 2] != '=')
      raw[n++] = (unsigned char)(w >> 8);
    if (text[i + 3] != '=')
      raw[n++] = (unsigned char)w;
  }
  reader r = {raw, n, 0, 0};
  if (n < 12 || memcmp(raw, "OMH1", 4) != 0) {
    free(raw);
    return fail(err, cap, "missing OMH1 header");
  }
  r.pos = 4;
  int digits = (int)get_uvarint(&r);
  uint64_t bits = 0;
  for (int i = 0; i < 8 && r.pos < r.len; i++)
    bits |= (uint64_t)r.p[r.pos++] << (8 * i);
  double resolution;
  memcpy(&resolution, &bits, 8);
  uint64_t highest = get_uvarint(&r), total = get_uvarint(&r), sum = get_uvarint(&r);
  uint64_t minv = get_uvarint(&r), maxv = get_uvarint(&r), clamped = get_uvarint(&r);
  uint64_t counts_len = get_uvarint(&r);
  if (r.bad || metrics_hist_init(h, digits, resolution, (double)highest * resolution) != 0 ||
      (uint64_t)h->highest != highest || h->counts_len != counts_len) {
    free(raw);
    metrics_hist_free(h);
    return fail(err, cap, "bad settings");
  }
  int64_t seen = 0;
  for (size_t i = 0; i < h->counts_len && !r.bad;) {
    uint64_t z = get_uvarint(&r);
    int64_t v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
    if (v < 0) {
      if ((uint64_t)(-v) > h->counts_len - i)
        r.bad = 1;
      else
        i += (size_t)(-v);
    } else {
      h->counts[i++] = v;
      seen += v;
    }
  }
  free(raw);
  if (r.bad || r.pos != r.len || (uint64_t)seen != total || maxv > highest || minv > maxv) {
    metrics_hist_free(h);
    return fail(err, cap, r.bad ? "truncated counts" : "counts do not add up");
  }
  h->total = (int64_t)total;
  h->sum_ticks = sum;
  h->min_ticks = total ? (int64_t)minv : INT64_MAX;
  h->max_ticks = (int64_t)maxv;
  h->clamped = (int64_t)clamped;
  return 0;
}
