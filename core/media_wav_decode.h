#ifndef OMNILUA_MEDIA_WAV_DECODE_H
#define OMNILUA_MEDIA_WAV_DECODE_H
#include <stddef.h>
#include <stdint.h>

/* What a WAV file says about itself, after checking that it is consistent:
 * for validating the audio a server returns. */
typedef struct {
  int format; /* 1 PCM, 3 IEEE float (WAVE_FORMAT_EXTENSIBLE resolved) */
  int channels, sample_rate, bits;
  uint64_t frames;
  double duration; /* seconds */
  size_t data_offset, data_size;
  double peak, rms; /* of all samples, full scale = 1 */
} media_wav_info;

/* Parses and checks the RIFF/WAVE structure of bytes[0..n): PCM 8/16/24/32
 * or float 32/64; rejects truncated files and headers whose sizes or rates
 * disagree. Never reads outside the buffer. 0, or -1 with a reason. */
int media_wav_decode(const uint8_t *bytes, size_t n, media_wav_info *info, char *err,
                     size_t errlen);

#endif
