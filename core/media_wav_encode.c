/* The canonical PCM16 WAV layout: RIFF header, 16-byte fmt chunk, data. */
#include "media_audio.h"

void media_wav_write_pcm16(const int16_t *samples, size_t frames, int channels, int sample_rate,
                           media_buf *out) {
  uint32_t data = (uint32_t)(frames * (size_t)channels * 2);
  media_buf_reserve(out, 44 + (size_t)data);
  media_buf_append(out, "RIFF", 4);
  media_buf_u32le(out, 36 + data);
  media_buf_append(out, "WAVEfmt ", 8);
  media_buf_u32le(out, 16);
  media_buf_u16le(out, 1); /* PCM */
  media_buf_u16le(out, (uint16_t)channels);
  media_buf_u32le(out, (uint32_t)sample_rate);
  media_buf_u32le(out, (uint32_t)sample_rate * (uint32_t)channels * 2);
  media_buf_u16le(out, (uint16_t)(channels * 2));
  media_buf_u16le(out, 16);
  media_buf_append(out, "data", 4);
  media_buf_u32le(out, data);
  for (size_t i = 0; i < frames * (size_t)channels; i++)
    media_buf_u16le(out, (uint16_t)samples[i]);
}
