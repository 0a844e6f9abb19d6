#ifndef OMNILUA_MEDIA_AUDIO_H
#define OMNILUA_MEDIA_AUDIO_H
#include <stddef.h>
#include <stdint.h>

#include "media_buf.h"

typedef enum {
  MEDIA_AUDIO_RAIN,
  MEDIA_AUDIO_TONE,
  MEDIA_AUDIO_WHITE,
  MEDIA_AUDIO_PINK,
  MEDIA_AUDIO_CHIRP,
  MEDIA_AUDIO_SILENCE,
  MEDIA_AUDIO_KIND_COUNT
} media_audio_kind;

typedef struct {
  double seconds;
  int sample_rate, channels;
  media_audio_kind kind;
  double frequency;     /* tone frequency, or where a chirp starts (Hz) */
  double frequency_end; /* where a chirp ends (Hz) */
  double amplitude;     /* peak of tone/chirp/noise, 0..1 (rain peaks at 0.8) */
  uint64_t seed;
} media_audio_params;

/* Kind names in enum order ("rain", "tone", "white", "pink", "chirp", "silence"). */
extern const char *const media_audio_kind_names[MEDIA_AUDIO_KIND_COUNT];
/* The reference's audio: 5 s of mono "rain" at 48 kHz, seed 0. */
void media_audio_defaults(media_audio_params *p);
/* Frames (samples per channel) the parameters give: round(seconds * rate). */
long media_audio_frames(const media_audio_params *p);
int media_audio_check(const media_audio_params *p, char *err, size_t errlen);
/* Checks, synthesises and appends a WAV file (PCM16) to out. */
int media_audio_generate(const media_audio_params *p, media_buf *out, char *err, size_t errlen);

/* Appends a canonical 44-byte-header PCM16 WAV of interleaved samples. */
void media_wav_write_pcm16(const int16_t *samples, size_t frames, int channels, int sample_rate,
                           media_buf *out);

#endif
