/* Arrival schedules: rescaling to n / rate, fixed gaps, all at once, seeds,
 * and the gamma sampler's mean and variance. Also the load chunk parser and
 * the joined-audio duration. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../core/load_engine.h"
#include "../../core/load_internal.h"
#include "../../core/load_schedule.h"
#include "check.h"

static void schedules(void) {
  double t[1000], u[1000];
  char err[128];
  CHECK_EQ_INT(load_schedule(1000, 10, 1, 42, t, err, sizeof err), 0);
  CHECK(t[999] == 100.0); /* rescaled: the last one is exactly n / rate */
  int ascending = 1;
  for (int i = 1; i < 1000; i++)
    ascending &= t[i] >= t[i - 1];
  CHECK(ascending);
  CHECK(t[0] > 0); /* request 0 waits its gap too */
  CHECK_EQ_INT(load_schedule(1000, 10, 1, 42, u, err, sizeof err), 0);
  CHECK(memcmp(t, u, sizeof t) == 0); /* same seed, same schedule */
  CHECK_EQ_INT(load_schedule(1000, 10, 1, 43, u, err, sizeof err), 0);
  CHECK(memcmp(t, u, sizeof t) != 0);
  CHECK_EQ_INT(load_schedule(4, 2, INFINITY, 0, t, err, sizeof err), 0);
  CHECK_NEAR(t[0], 0.5, 0);
  CHECK_NEAR(t[3], 2.0, 0);
  CHECK_EQ_INT(load_schedule(3, INFINITY, 1, 0, t, err, sizeof err), 0);
  CHECK(t[0] == 0 && t[2] == 0);
  CHECK_EQ_INT(load_schedule(3, 0, 1, 0, t, err, sizeof err), -1);
  CHECK(strstr(err, "rate") != NULL);
  CHECK_EQ_INT(load_schedule(3, 1, -1, 0, t, err, sizeof err), -1);
  CHECK(strstr(err, "burstiness") != NULL);
  CHECK_EQ_INT(load_schedule(3, NAN, 1, 0, t, err, sizeof err), -1);
}

static void gamma_moments(double shape) {
  load_rng g;
  load_rng_seed(&g, 7);
  double scale = 1 / (5 * shape), s = 0, s2 = 0; /* mean 1/5, variance 1/(25 shape) */
  int n = 200000;
  for (int i = 0; i < n; i++) {
    double x = load_rng_gamma(&g, shape, scale);
    s += x;
    s2 += x * x;
  }
  double mean = s / n, var = s2 / n - mean * mean;
  CHECK_NEAR(mean, 0.2, 0.004);
  CHECK_NEAR(var / (0.04 / shape), 1.0, 0.05);
}

static void chunks(void) {
  load_record r = {0};
  r.prompt_tokens = r.completion_tokens = -1;
  const char *c1 = "{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}";
  const char *c2 = "{\"choices\":[{\"delta\":{\"content\":null}}]}"; /* still a token chunk */
  const char *u = "{\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}";
  CHECK_EQ_INT(load_chunk_event(&r, c1, strlen(c1), 100, 1), 1);
  CHECK_EQ_INT(load_chunk_event(&r, c2, strlen(c2), 250, 1), 1);
  CHECK_EQ_INT(load_chunk_event(&r, u, strlen(u), 300, 1), 0);
  CHECK_EQ_INT(load_chunk_event(&r, "[DONE]", 6, 400, 1), 0);
  CHECK_EQ_INT(load_chunk_event(&r, "not json", 8, 500, 1), 0);
  CHECK_EQ_INT((long long)r.ntok, 2);
  CHECK_EQ_INT(r.tok_ns[1], 250);
  CHECK_EQ_INT(r.prompt_tokens, 7);
  CHECK_EQ_INT(r.completion_tokens, 2);
  CHECK_EQ_STR(r.text, "Hi");
  const char *e = "{\"error\":{\"message\":\"boom\"}}";
  CHECK_EQ_INT(load_chunk_event(&r, e, strlen(e), 600, 1), -1);
  CHECK(strstr(r.error, "boom") != NULL);
  load_record_clear(&r);
}

/* A 16-bit mono WAV of `frames` frames at `rate`, base64-encoded. */
static void wav(unsigned char *out, int frames, int rate) {
  uint32_t data = (uint32_t)frames * 2;
  unsigned char h[44] = {'R', 'I', 'F', 'F', 0,  0, 0, 0, 'W', 'A', 'V', 'E',
                         'f', 'm', 't', ' ', 16, 0, 0, 0, 1,   0,   1,   0};
  uint32_t riff = 36 + data, br = (uint32_t)rate * 2;
  memcpy(h + 4, &riff, 4);
  memcpy(h + 24, &rate, 4);
  memcpy(h + 28, &br, 4);
  h[32] = 2;
  h[34] = 16;
  memcpy(h + 36, "data", 4);
  memcpy(h + 40, &data, 4);
  memcpy(out, h, 44);
  memset(out + 44, 0, data);
}

static void audio(void) {
  unsigned char buf[2 * (44 + 4000) + 1600];
  wav(buf, 2000, 8000);                   /* 0.25 s */
  wav(buf + 44 + 4000, 2000, 8000);       /* another complete WAV: 0.25 s */
  memset(buf + 2 * (44 + 4000), 0, 1600); /* headerless PCM after it: 0.1 s */
  char err[128];
  double s = load_audio_seconds(buf, 2 * (44 + 4000) + 1600, err, sizeof err);
  CHECK_NEAR(s, 0.6, 1e-12);
  CHECK_EQ_STR(err, "");
  CHECK_NEAR(load_audio_seconds((const unsigned char *)"garbage!", 8, err, sizeof err), 0, 0);
  CHECK(strstr(err, "RIFF") != NULL);
}

int main(void) {
  schedules();
  gamma_moments(1.0);
  gamma_moments(0.5);
  gamma_moments(4.0);
  chunks();
  audio();
  return check_summary("test_load_schedule");
}
