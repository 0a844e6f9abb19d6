#include "grow.h"

#include <stdlib.h>

int grow_array(void *pp, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return 0;
  size_t c = *cap ? *cap : 16;
  while (c < need)
    c *= 2;
  void *n = realloc(*(void **)pp, c * elem);
  if (!n)
    return -1;
  *(void **)pp = n;
  *cap = c;
  return 0;
}
