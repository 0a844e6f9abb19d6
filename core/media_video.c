/* Synthetic video: bouncing balls on black, as the reference draws them
 * (3-8 balls of radius min(w,h)/8, 3-8 px/frame, colour channels 50-255,
 * a highlight), each frame a JPEG (media_jpeg.c), muxed into MP4. The motion is simulated
 * first; frames are then independent, so several threads encode them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "media_draw.h"
#include "media_jpeg.h"
#include "media_limits.h"
#include "media_mp4.h"
#include "media_rng.h"
#include "media_video.h"

const char *const media_video_shape_names[MEDIA_VIDEO_SHAPE_COUNT] = {"balls", "ball", "square"};

void media_video_defaults(media_video_params *p) {
  *p = (media_video_params){.width = 224,
                            .height = 224,
                            .frames = 300,
                            .fps = 30,
                            .shape = MEDIA_VIDEO_BALLS,
                            .quality = 85};
}

int media_video_check(const media_video_params *p, char *err, size_t errlen) {
  if (p->width < MEDIA_VIDEO_MIN_SIDE || p->width > MEDIA_VIDEO_MAX_SIDE) {
    snprintf(err, errlen, "width must be in [%d, %d], got %d", MEDIA_VIDEO_MIN_SIDE,
             MEDIA_VIDEO_MAX_SIDE, p->width);
    return -1;
  }
  if (p->height < MEDIA_VIDEO_MIN_SIDE || p->height > MEDIA_VIDEO_MAX_SIDE) {
    snprintf(err, errlen, "height must be in [%d, %d], got %d", MEDIA_VIDEO_MIN_SIDE,
             MEDIA_VIDEO_MAX_SIDE, p->height);
    return -1;
  }
  if (p->frames < 1 || p->frames > MEDIA_VIDEO_MAX_FRAMES) {
    snprintf(err, errlen, "frames must be in [1, %d], got %d", MEDIA_VIDEO_MAX_FRAMES, p->frames);
    return -1;
  }
  long pixels = (long)p->width * p->height * p->frames;
  if (pixels > MEDIA_VIDEO_MAX_PIXELS) {
    snprintf(err, errlen, "width * height * frames must be at most %ld, got %ld",
             MEDIA_VIDEO_MAX_PIXELS, pixels);
    return -1;
  }
  if (p->fps < 1 || p->fps > MEDIA_VIDEO_MAX_FPS) {
    snprintf(err, errlen, "fps must be in [1, %d], got %d", MEDIA_VIDEO_MAX_FPS, p->fps);
    return -1;
  }
  if ((unsigned)p->shape >= MEDIA_VIDEO_SHAPE_COUNT) {
    snprintf(err, errlen, "unknown shape %d", (int)p->shape);
    return -1;
  }
  if (p->quality < MEDIA_QUALITY_MIN || p->quality > MEDIA_QUALITY_MAX) {
    snprintf(err, errlen, "quality must be in [%d, %d], got %d", MEDIA_QUALITY_MIN,
             MEDIA_QUALITY_MAX, p->quality);
    return -1;
  }
  if (p->threads < 0) {
    snprintf(err, errlen, "threads must be >= 0, got %d", p->threads);
    return -1;
  }
  return 0;
}

typedef struct {
  int x, y, vx, vy;
  media_rgb color;
} mover;

enum { MAX_MOVERS = 8 };

typedef struct {
  const media_video_params *p;
  int n, r;
  const mover *track; /* frames * n positions */
  const media_jpeg *jpeg;
  /* per worker */
  int first, last;
  media_buf out;
  uint32_t *sizes;
  int failed;
} job;

static void bounce(int *pos, int *v, int lo, int hi) {
  *pos += *v;
  if (*pos < lo) {
    *pos = 2 * lo - *pos;
    *v = -*v;
  } else if (*pos > hi) {
    *pos = 2 * hi - *pos;
    *v = -*v;
  }
  *pos = *pos < lo ? lo : *pos > hi ? hi : *pos; /* a box smaller than one step */
}

/* Simulates the motion: positions of every mover in every frame. */
static mover *simulate(const media_video_params *p, int *n_out, int *r_out) {
  media_rng rng;
  media_rng_seed(&rng, p->seed);
  int m = p->width < p->height ? p->width : p->height, r = m / 8;
  int n = p->shape == MEDIA_VIDEO_BALLS ? media_rng_int(&rng, 3, 8) : 1;
  mover ms[MAX_MOVERS];
  for (int i = 0; i < n; i++) {
    mover *b = &ms[i];
    b->x = media_rng_int(&rng, r, p->width - 1 - r);
    b->y = media_rng_int(&rng, r, p->height - 1 - r);
    b->vx = media_rng_int(&rng, 3, 8) * (media_rng_int(&rng, 0, 1) ? 1 : -1);
    b->vy = media_rng_int(&rng, 3, 8) * (media_rng_int(&rng, 0, 1) ? 1 : -1);
    b->color =
        (media_rgb){(uint8_t)media_rng_int(&rng, 50, 255), (uint8_t)media_rng_int(&rng, 50, 255),
                    (uint8_t)media_rng_int(&rng, 50, 255)};
  }
  mover *track = malloc((size_t)p->frames * (size_t)n * sizeof *track);
  if (!track)
    return NULL;
  for (int f = 0; f < p->frames; f++) {
    for (int i = 0; i < n; i++) {
      track[(size_t)f * (size_t)n + (size_t)i] = ms[i];
      bounce(&ms[i].x, &ms[i].vx, r, p->width - 1 - r);
      bounce(&ms[i].y, &ms[i].vy, r, p->height - 1 - r);
    }
  }
  *n_out = n;
  *r_out = r;
  return track;
}

static void paint_frame(const job *j, media_canvas *c, int f) {
  static const media_rgb black = {0, 0, 0};
  media_draw_fill(c, black);
  for (int i = 0; i < j->n; i++) {
    const mover *b = &j->track[(size_t)f * (size_t)j->n + (size_t)i];
    if (j->p->shape == MEDIA_VIDEO_SQUARE) {
      media_draw_rect(c, b->x - j->r, b->y - j->r, b->x + j->r + 1, b->y + j->r + 1, b->color);
      continue;
    }
    media_draw_disc(c, b->x, b->y, j->r, b->color);
    /* The highlight: a lighter disc towards the top left, as if lit. */
    media_rgb light = {(uint8_t)((b->color.r + 255) / 2), (uint8_t)((b->color.g + 255) / 2),
                       (uint8_t)((b->color.b + 255) / 2)};
    media_draw_disc(c, b->x - j->r / 3, b->y - j->r / 3, j->r / 3, light);
  }
}

static void *encode_range(void *arg) {
  job *j = arg;
  const media_video_params *p = j->p;
  uint8_t *px = malloc((size_t)p->width * (size_t)p->height * 3);
  if (!px) {
    j->failed = 1;
    return NULL;
  }
  media_canvas c = {px, p->width, p->height};
  for (int f = j->first; f < j->last && !j->failed; f++) {
    paint_frame(j, &c, f);
    size_t before = j->out.len;
    if (media_jpeg_encode(j->jpeg, px, p->width, p->height, &j->out) != 0)
      j->failed = 1;
    j->sizes[f] = (uint32_t)(j->out.len - before);
  }
  free(px);
  return NULL;
}

static int pick_threads(const media_video_params *p) {
  long n = p->threads;
  if (n == 0) {
    n = sysconf(_SC_NPROCESSORS_ONLN);
    n = n < 1 ? 1 : n > 4 ? 4 : n;
  }
  if (n > p->frames)
    n = p->frames;
  /* Below ~16 frames a thread costs more than it saves. */
  if ((long)p->frames * p->width * p->height < 16L * 224 * 224)
    n = 1;
  return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

int media_video_generate(const media_video_params *p, media_buf *out, char *err, size_t errlen) {
  if (media_video_check(p, err, errlen) != 0)
    return -1;
  int n = 0, r = 0;
  mover *track = simulate(p, &n, &r);
  uint32_t *sizes = malloc((size_t)p->frames * sizeof *sizes);
  int threads = pick_threads(p);
  media_jpeg jpeg;
  media_jpeg_init(&jpeg, p->quality);
  job *jobs = calloc((size_t)threads, sizeof *jobs);
  pthread_t *tids = calloc((size_t)threads, sizeof *tids);
  int failed = !track || !sizes || !jobs || !tids;
  int started = 0;
  for (int t = 0; !failed && t < threads; t++) {
    jobs[t] = (job){.p = p, .n = n, .r = r, .track = track, .jpeg = &jpeg, .sizes = sizes};
    jobs[t].first = (int)((long)p->frames * t / threads);
    jobs[t].last = (int)((long)p->frames * (t + 1) / threads);
    /* Thread 0 is this one; the others are started first. */
    if (t > 0) {
      if (pthread_create(&tids[t], NULL, encode_range, &jobs[t]) != 0) {
        jobs[t].failed = 1;
        break;
      }
      started = t;
    }
  }
  if (!failed)
    encode_range(&jobs[0]);
  for (int t = 1; t <= started; t++)
    pthread_join(tids[t], NULL);

  media_buf payload = {0};
  for (int t = 0; !failed && t < threads; t++) {
    failed |= jobs[t].failed;
    media_buf_append(&payload, jobs[t].out.data, jobs[t].out.len);
  }
  failed |= payload.failed;
  if (!failed) {
    media_mp4_track track_desc = {p->width, p->height,    p->fps,     (uint32_t)p->frames,
                                  sizes,    payload.data, payload.len};
    failed = media_mp4_write(&track_desc, out) != 0;
  }
  for (int t = 0; jobs && t < threads; t++)
    media_buf_free(&jobs[t].out);
  media_buf_free(&payload);
  free(jobs);
  free(tids);
  free(sizes);
  free(track);
  if (failed)
    snprintf(err, errlen, "encoding the %dx%d, %d-frame video failed (out of memory?)", p->width,
             p->height, p->frames);
  return failed ? -1 : 0;
}
