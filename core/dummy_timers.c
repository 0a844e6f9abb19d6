#include "dummy_timers.h"

#include <stdint.h>
#include <stdlib.h>

static void put(dummy_timers *h, size_t i, dummy_timer t) {
  h->t[i] = t;
  *t.pos = i;
}

static void up(dummy_timers *h, size_t i) {
  dummy_timer t = h->t[i];
  while (i > 0 && t.at < h->t[(i - 1) / 2].at) {
    put(h, i, h->t[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  put(h, i, t);
}

static void down(dummy_timers *h, size_t i) {
  dummy_timer t = h->t[i];
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = l;
    if (l >= h->n)
      break;
    if (r < h->n && h->t[r].at < h->t[l].at)
      m = r;
    if (h->t[m].at >= t.at)
      break;
    put(h, i, h->t[m]);
    i = m;
  }
  put(h, i, t);
}

int dummy_timers_set(dummy_timers *h, void *item, size_t *pos, int64_t at) {
  if (*pos != SIZE_MAX && *pos < h->n && h->t[*pos].item == item) {
    int64_t old = h->t[*pos].at;
    h->t[*pos].at = at;
    if (at < old)
      up(h, *pos);
    else
      down(h, *pos);
    return 0;
  }
  if (h->n == h->cap) {
    size_t c = h->cap ? h->cap * 2 : 64;
    dummy_timer *n = realloc(h->t, c * sizeof *n);
    if (!n)
      return -1;
    h->t = n;
    h->cap = c;
  }
  h->t[h->n] = (dummy_timer){at, item, pos};
  *pos = h->n++;
  up(h, h->n - 1);
  return 0;
}

void dummy_timers_remove(dummy_timers *h, size_t *pos) {
  size_t i = *pos;
  if (i == SIZE_MAX || i >= h->n)
    return;
  *pos = SIZE_MAX;
  h->n--;
  if (i == h->n)
    return;
  size_t *moved = h->t[h->n].pos; /* the last timer fills the hole, then finds its place */
  put(h, i, h->t[h->n]);
  up(h, i);
  down(h, *moved);
}

const dummy_timer *dummy_timers_peek(const dummy_timers *h) { return h->n ? &h->t[0] : NULL; }

void *dummy_timers_pop(dummy_timers *h) {
  if (!h->n)
    return NULL;
  void *item = h->t[0].item;
  dummy_timers_remove(h, h->t[0].pos);
  return item;
}

void dummy_timers_free(dummy_timers *h) {
  free(h->t);
  h->t = NULL;
  h->n = h->cap = 0;
}
