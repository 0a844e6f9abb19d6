/* Synthetic audio: the reference's "rain" (smoothed noise plus decaying
 * sine drops, an echo, peak 0.8), tones, white and pink noise, chirps and
 * silence, synthesised per channel from a seed and written as PCM16 WAV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "media_audio.h"
#include "media_limits.h"
#include "media_rng.h"

const char *const media_audio_kind_names[MEDIA_AUDIO_KIND_COUNT] = {"rain", "tone",  "white",
                                                                    "pink", "chirp", "silence"};

void media_audio_defaults(media_audio_params *p) {
  *p = (media_audio_params){.seconds = 5,
                            .sample_rate = 48000,
                            .channels = 1,
                            .kind = MEDIA_AUDIO_RAIN,
                            .frequency = 440,
                            .frequency_end = 4000,
                            .amplitude = 0.5};
}

long media_audio_frames(const media_audio_params *p) {
  return (long)floor(p->seconds * p->sample_rate + 0.5);
}

int media_audio_check(const media_audio_params *p, char *err, size_t errlen) {
  if (!(p->seconds > 0 && p->seconds <= MEDIA_AUDIO_MAX_SECONDS)) {
    snprintf(err, errlen, "seconds must be in (0, %d], got %g", MEDIA_AUDIO_MAX_SECONDS,
             p->seconds);
    return -1;
  }
  if (p->sample_rate < MEDIA_AUDIO_MIN_RATE || p->sample_rate > MEDIA_AUDIO_MAX_RATE) {
    snprintf(err, errlen, "sample_rate must be in [%d, %d], got %d", MEDIA_AUDIO_MIN_RATE,
             MEDIA_AUDIO_MAX_RATE, p->sample_rate);
    return -1;
  }
  if (p->channels < 1 || p->channels > MEDIA_AUDIO_MAX_CHANNELS) {
    snprintf(err, errlen, "channels must be in [1, %d], got %d", MEDIA_AUDIO_MAX_CHANNELS,
             p->channels);
    return -1;
  }
  long frames = media_audio_frames(p);
  if (frames < 1) {
    snprintf(err, errlen, "seconds %g is less than one sample at %d Hz", p->seconds,
             p->sample_rate);
    return -1;
  }
  if (frames * p->channels > MEDIA_AUDIO_MAX_SAMPLES) {
    snprintf(err, errlen, "seconds * sample_rate * channels must be at most %ld, got %ld",
             MEDIA_AUDIO_MAX_SAMPLES, frames * p->channels);
    return -1;
  }
  if ((unsigned)p->kind >= MEDIA_AUDIO_KIND_COUNT) {
    snprintf(err, errlen, "unknown kind %d", (int)p->kind);
    return -1;
  }
  double nyquist = p->sample_rate / 2.0;
  if (!(p->frequency > 0 && p->frequency < nyquist)) {
    snprintf(err, errlen, "frequency must be in (0, %g) at sample_rate %d, got %g", nyquist,
             p->sample_rate, p->frequency);
    return -1;
  }
  if (!(p->frequency_end > 0 && p->frequency_end < nyquist)) {
    snprintf(err, errlen, "frequency_end must be in (0, %g) at sample_rate %d, got %g", nyquist,
             p->sample_rate, p->frequency_end);
    return -1;
  }
  if (!(p->amplitude >= 0 && p->amplitude <= 1)) {
    snprintf(err, errlen, "amplitude must be in [0, 1], got %g", p->amplitude);
    return -1;
  }
  return 0;
}

/* Rain, per channel: noise smoothed by an 8-sample moving average at RMS
 * 0.02, plus 10 drops a second (500-5000 Hz sine, 10-50 ms, amplitude 0.15,
 * exponential decay). Oscillators run by rotation so each sample costs a few
 * multiplications and no libm call. */
static void rain(const media_audio_params *p, media_rng *rng, float *y, long n) {
  enum { SMOOTH = 8 };
  double ring[SMOOTH] = {0}, sum = 0;
  double scale = 0.02 * sqrt(3.0) * sqrt((double)SMOOTH) / SMOOTH;
  for (long i = 0; i < n; i++) {
    double x = media_rng_range(rng, -1, 1);
    sum += x - ring[i % SMOOTH];
    ring[i % SMOOTH] = x;
    y[i] = (float)(sum * scale);
  }
  long drops = (long)floor(p->seconds * 10 + 0.5);
  for (long d = 0; d < drops; d++) {
    long start = (long)(media_rng_unit(rng) * (double)n);
    double f = media_rng_range(rng, 500, 5000), dur = media_rng_range(rng, 0.010, 0.050);
    long len = (long)(dur * p->sample_rate);
    double w = 2 * M_PI * f / p->sample_rate, cw = cos(w), sw = sin(w);
    double decay = exp(-5.0 / (dur * p->sample_rate)), env = 0.15, re = 1, im = 0;
    for (long i = 0; i < len && start + i < n; i++) {
      y[start + i] += (float)(env * im);
      double r2 = re * cw - im * sw;
      im = re * sw + im * cw;
      re = r2;
      env *= decay;
    }
  }
}

static void tone(const media_audio_params *p, float *y, long n) {
  for (long i = 0; i < n; i++)
    y[i] = (float)(p->amplitude * sin(2 * M_PI * p->frequency * (double)i / p->sample_rate));
}

static void chirp(const media_audio_params *p, float *y, long n) {
  double T = (double)n / p->sample_rate, k = (p->frequency_end - p->frequency) / (2 * T);
  for (long i = 0; i < n; i++) {
    double t = (double)i / p->sample_rate;
    y[i] = (float)(p->amplitude * sin(2 * M_PI * (p->frequency * t + k * t * t)));
  }
}

static void white(const media_audio_params *p, media_rng *rng, float *y, long n) {
  for (long i = 0; i < n; i++)
    y[i] = (float)(p->amplitude * media_rng_range(rng, -1, 1));
}

/* Paul Kellet's economy pink filter: within 0.05 dB of 1/f above 9 Hz. */
static void pink(const media_audio_params *p, media_rng *rng, float *y, long n) {
  double b0 = 0, b1 = 0, b2 = 0;
  for (long i = 0; i < n; i++) {
    double w = media_rng_range(rng, -1, 1);
    b0 = 0.99765 * b0 + w * 0.0990460;
    b1 = 0.96300 * b1 + w * 0.2965164;
    b2 = 0.57000 * b2 + w * 1.0526913;
    double v = (b0 + b1 + b2 + w * 0.1848) * 0.25;
    y[i] = (float)(p->amplitude * (v > 1 ? 1 : v < -1 ? -1 : v));
  }
}

static void finish_rain(const media_audio_params *p, float *y, long n) {
  /* A 100 ms echo (feed-forward, so walk backwards) on clips over 2 s. */
  long d = (long)(0.1 * p->sample_rate);
  if (p->seconds > 2)
    for (long i = n - 1; i >= d; i--)
      y[i] += 0.3f * y[i - d];
  float peak = 0;
  for (long i = 0; i < n; i++)
    peak = fabsf(y[i]) > peak ? fabsf(y[i]) : peak;
  if (peak > 0)
    for (long i = 0; i < n; i++)
      y[i] *= 0.8f / peak;
}

static int16_t to_pcm16(float v) {
  double s = floor((double)v * 32767 + 0.5);
  return (int16_t)(s > 32767 ? 32767 : s < -32768 ? -32768 : s);
}

int media_audio_generate(const media_audio_params *p, media_buf *out, char *err, size_t errlen) {
  if (media_audio_check(p, err, errlen) != 0)
    return -1;
  long n = media_audio_frames(p);
  int ch = p->channels;
  float *y = malloc((size_t)n * sizeof *y);
  int16_t *pcm = malloc((size_t)n * (size_t)ch * sizeof *pcm);
  if (!y || !pcm) {
    free(y);
    free(pcm);
    snprintf(err, errlen, "out of memory for %ld samples", n * ch);
    return -1;
  }
  media_rng rng;
  media_rng_seed(&rng, p->seed);
  for (int c = 0; c < ch; c++) {
    switch (p->kind) {
    case MEDIA_AUDIO_RAIN:
      rain(p, &rng, y, n);
      finish_rain(p, y, n);
      break;
    case MEDIA_AUDIO_TONE:
      tone(p, y, n);
      break;
    case MEDIA_AUDIO_WHITE:
      white(p, &rng, y, n);
      break;
    case MEDIA_AUDIO_PINK:
      pink(p, &rng, y, n);
      break;
    case MEDIA_AUDIO_CHIRP:
      chirp(p, y, n);
      break;
    default:
      for (long i = 0; i < n; i++)
        y[i] = 0;
      break;
    }
    for (long i = 0; i < n; i++)
      pcm[(size_t)i * (size_t)ch + (size_t)c] = to_pcm16(y[i]);
  }
  free(y);
  media_wav_write_pcm16(pcm, (size_t)n, ch, p->sample_rate, out);
  free(pcm);
  if (out->failed) {
    snprintf(err, errlen, "out of memory for a %ld-frame WAV", n);
    return -1;
  }
  return 0;
}
