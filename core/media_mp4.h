#ifndef OMNILUA_MEDIA_MP4_H
#define OMNILUA_MEDIA_MP4_H
#include <stddef.h>
#include <stdint.h>

#include "media_buf.h"

/* One video track of JPEG frames, stored back to back in `payload`. */
typedef struct {
  int width, height, fps;
  uint32_t frames;
  const uint32_t *sizes; /* frames entries: the size of each JPEG */
  const uint8_t *payload;
  size_t payload_len;
} media_mp4_track;

/* Appends an ISO BMFF (MP4) file to out: ftyp, then moov (mvhd, one trak
 * whose sample entry is 'mp4v' with an esds declaring JPEG, object type
 * 0x6C, as ffmpeg's mp4 muxer writes MJPEG), then mdat with every frame in
 * one chunk. moov comes first so readers can start without seeking. No
 * timestamps: equal tracks give equal bytes. 0, or -1 (out of memory). */
int media_mp4_write(const media_mp4_track *t, media_buf *out);

#endif
