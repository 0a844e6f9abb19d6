/* Media the dummy server returns: speech-like WAV audio, and PNG/JPEG images
 * drawn by the media module (core/media_image.h). */
#ifndef OMNILUA_DUMMY_MEDIA_H
#define OMNILUA_DUMMY_MEDIA_H
#include <stdint.h>

#include "dummy_buf.h"

#define DUMMY_SAMPLE_RATE 24000
#define DUMMY_SECONDS_PER_WORD 0.3 /* ~200 words a minute: plausible speech */

/* A complete WAV file (PCM16 mono, 24 kHz) of `seconds` of a voice-like
 * sound: a buzz whose pitch moves and whose loudness pulses at syllable rate.
 * `t0` (seconds) is where the piece starts in the whole utterance, so pieces
 * of one answer join without clicks. */
void dummy_wav(dbuf *out, double t0, double seconds);
/* A w x h image (white, a few coloured squares with black borders, as the
 * reference's test images: media_image_generate), PNG or JPEG (quality 90)
 * appended to out; -1 if it failed. */
int dummy_image(dbuf *out, int w, int h, int jpeg, uint64_t seed);

#endif
