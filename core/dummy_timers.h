/* A binary min-heap of deadlines for the dummy server: one entry per
 * connection waiting for its next chunk, so 1,000 streams cost one timerfd
 * and O(log n) per chunk, never a thread each. Each item remembers its slot
 * (`*pos`) so it can be moved or removed. */
#ifndef OMNILUA_DUMMY_TIMERS_H
#define OMNILUA_DUMMY_TIMERS_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  int64_t at;
  void *item;
  size_t *pos; /* the item's slot, kept up to date; SIZE_MAX when out of the heap */
} dummy_timer;

typedef struct {
  dummy_timer *t;
  size_t n, cap;
} dummy_timers;

/* Adds or moves the item's timer; -1 on allocation failure. */
int dummy_timers_set(dummy_timers *h, void *item, size_t *pos, int64_t at);
void dummy_timers_remove(dummy_timers *h, size_t *pos);
/* The earliest timer, or NULL. */
const dummy_timer *dummy_timers_peek(const dummy_timers *h);
/* Removes and returns the earliest item. */
void *dummy_timers_pop(dummy_timers *h);
void dummy_timers_free(dummy_timers *h);

#endif
