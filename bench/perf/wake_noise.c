/* The machine's own scheduling noise, to read the fidelity figures against:
 * a thread that asks to wake every millisecond (absolute deadlines on
 * CLOCK_MONOTONIC, 1 ns timer slack, as the dummy's) records how late each
 * wake-up comes. No tool on the machine paces a token better than this.
 * Usage: wake_noise SECONDS  -> "wake-up lateness: p50 .. p99 .. max .. ms" */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 2;
  size_t cap = (size_t)(seconds * 1000) + 1, n = 0;
  long long *late = malloc(cap * sizeof *late);
  if (!late || seconds <= 0)
    return 2;
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  long long due = now_ns();
  while (n < cap) {
    due += 1000000;
    struct timespec ts = {due / 1000000000, due % 1000000000};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    late[n++] = now_ns() - due;
  }
  qsort(late, n, sizeof *late, by_value);
  printf("wake-up lateness: p50 %.3f p99 %.3f max %.3f ms\n", late[n / 2] / 1e6,
         late[n * 99 / 100] / 1e6, late[n - 1] / 1e6);
  free(late);
  return 0;
}
