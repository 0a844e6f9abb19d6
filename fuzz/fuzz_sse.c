/* libFuzzer target: the incremental SSE parser, fed the input in pieces whose
 * sizes come from the input itself, so split points are explored too. */
#include <stddef.h>
#include <stdint.h>

#include "sse_parse.h"

static int on_event(void *ud, const char *event, size_t event_len, const char *data,
                    size_t data_len) {
  (void)event;
  (void)data;
  *(size_t *)ud += event_len + data_len;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  size_t step = 1 + data[0] % 17, total = 0;
  sse_parser p;
  sse_init(&p, 4096, on_event, &total);
  for (size_t i = 1; i < size; i += step) {
    size_t n = size - i < step ? size - i : step;
    if (sse_feed(&p, (const char *)data + i, n) != SSE_OK)
      break;
  }
  sse_finish(&p);
  sse_free(&p);
  size_t bad;
  sse_utf8_valid((const char *)data, size, &bad);
  return 0;
}
