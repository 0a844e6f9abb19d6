#ifndef OMNILUA_MEDIA_LIMITS_H
#define OMNILUA_MEDIA_LIMITS_H

/* The allowed ranges of the synthetic media parameters. The core checks them
 * before allocating anything; omni.media reads the same numbers through
 * omni.core.media.limits so its messages quote exactly these. */
#define MEDIA_IMAGE_MAX_SIDE 8192
#define MEDIA_IMAGE_MAX_PIXELS (4096L * 4096L) /* width * height */
#define MEDIA_QUALITY_MIN 1
#define MEDIA_QUALITY_MAX 100

#define MEDIA_VIDEO_MIN_SIDE 16
#define MEDIA_VIDEO_MAX_SIDE 4096
#define MEDIA_VIDEO_MAX_FRAMES 100000
#define MEDIA_VIDEO_MAX_PIXELS (1L << 30) /* width * height * frames */
#define MEDIA_VIDEO_MAX_FPS 240

#define MEDIA_AUDIO_MAX_SECONDS 3600
#define MEDIA_AUDIO_MIN_RATE 8000
#define MEDIA_AUDIO_MAX_RATE 192000
#define MEDIA_AUDIO_MAX_CHANNELS 8
#define MEDIA_AUDIO_MAX_SAMPLES (1L << 26) /* seconds * sample_rate * channels */

/* Decoded images larger than this are refused before stb_image allocates. */
#define MEDIA_DECODE_MAX_PIXELS (1L << 26)

#endif
