#ifndef OMNILUA_MEDIA_VIDEO_H
#define OMNILUA_MEDIA_VIDEO_H
#include <stddef.h>
#include <stdint.h>

#include "media_buf.h"

typedef enum {
  MEDIA_VIDEO_BALLS,  /* the reference: 3-8 bouncing balls */
  MEDIA_VIDEO_BALL,   /* one bouncing ball */
  MEDIA_VIDEO_SQUARE, /* one bouncing square */
  MEDIA_VIDEO_SHAPE_COUNT
} media_video_shape;

typedef struct {
  int width, height, frames, fps;
  media_video_shape shape;
  int quality; /* JPEG quality of each frame */
  uint64_t seed;
  int threads; /* encoder threads; 0 picks one per CPU (at most 4) */
} media_video_params;

extern const char *const media_video_shape_names[MEDIA_VIDEO_SHAPE_COUNT];
/* The reference's call: 224x224, 300 frames at 30 fps, bouncing balls. */
void media_video_defaults(media_video_params *p);
int media_video_check(const media_video_params *p, char *err, size_t errlen);
/* Checks, renders, encodes each frame as JPEG and appends an MP4 to out. */
int media_video_generate(const media_video_params *p, media_buf *out, char *err, size_t errlen);

#endif
