/* The generators: same parameters give the same bytes (and the bytes this
 * test pins, so a change of output on any machine is noticed); parameter
 * checks; images decode back; the MP4's boxes nest and index every frame. */
#include <stdlib.h>

#include "check.h"
#include "media_audio.h"
#include "media_image.h"
#include "media_image_decode.h"
#include "media_rng.h"
#include "media_video.h"

/* FNV-1a of the default image, audio and video. If the generators change on
 * purpose, update these; if they differ on another machine, the output is
 * not reproducible there (libm, libstb version) and that must be looked at. */
#define IMAGE_HASH 0x58460198bdb46b59ULL
#define AUDIO_HASH 0x57f113d3ad70e7abULL
#define VIDEO_HASH 0xa20acfedba2e7372ULL

static uint64_t fnv1a(const media_buf *b) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < b->len; i++)
    h = (h ^ b->data[i]) * 0x100000001b3ULL;
  return h;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Finds the box at `path` ("moov/trak/mdia/...") inside [p, p+n); walks
 * every level checking that box sizes nest exactly. */
static const uint8_t *find_box(const uint8_t *p, size_t n, const char *path, uint32_t *size) {
  size_t at = 0;
  while (at + 8 <= n) {
    uint32_t s = be32(p + at);
    if (s < 8 || at + s > n)
      return NULL;
    if (memcmp(p + at + 4, path, 4) == 0) {
      if (path[4] == 0) {
        *size = s;
        return p + at;
      }
      return find_box(p + at + 8, s - 8, path + 5, size);
    }
    at += s;
  }
  return NULL;
}

static void check_mp4(const media_buf *b, int frames, int width, int fps) {
  uint32_t s;
  const uint8_t *box;
  CHECK(find_box(b->data, b->len, "ftyp", &s) == b->data);
  CHECK((box = find_box(b->data, b->len, "moov/mvhd", &s)) != NULL);
  if (box)
    CHECK_EQ_INT(be32(box + 24), (uint32_t)((uint64_t)frames * 1000 / (uint64_t)fps));
  CHECK((box = find_box(b->data, b->len, "moov/trak/tkhd", &s)) != NULL);
  if (box)
    CHECK_EQ_INT(be32(box + 84) >> 16, width);
  CHECK((box = find_box(b->data, b->len, "moov/trak/mdia/mdhd", &s)) != NULL);
  if (box) {
    CHECK_EQ_INT(be32(box + 20), fps);
    CHECK_EQ_INT(be32(box + 24), frames);
  }
  const uint8_t *stsz = find_box(b->data, b->len, "moov/trak/mdia/minf/stbl/stsz", &s);
  const uint8_t *stco = find_box(b->data, b->len, "moov/trak/mdia/minf/stbl/stco", &s);
  const uint8_t *mdat = find_box(b->data, b->len, "mdat", &s);
  CHECK(stsz && stco && mdat);
  if (!stsz || !stco || !mdat)
    return;
  CHECK_EQ_INT(be32(stsz + 16), frames);
  /* Every sample lies inside mdat and starts with a JPEG SOI marker. */
  size_t off = be32(stco + 16);
  CHECK_EQ_INT(off, (size_t)(mdat - b->data) + 8);
  for (int i = 0; i < frames; i++) {
    uint32_t len = be32(stsz + 20 + 4 * (size_t)i);
    CHECK(off + len <= b->len);
    if (off + len > b->len)
      return;
    CHECK(b->data[off] == 0xFF && b->data[off + 1] == 0xD8);
    media_image_info info;
    char err[200];
    if (i == 0 || i == frames - 1) {
      CHECK_EQ_INT(media_image_decode(b->data + off, len, &info, err, sizeof err), 0);
      CHECK_EQ_INT(info.width, width);
    }
    off += len;
  }
  CHECK_EQ_INT(off, b->len);
}

int main(void) {
  char err[200];

  /* Defaults reproduce the reference and are pinned. */
  media_image_params ip;
  media_image_defaults(&ip);
  media_buf a = {0}, b = {0};
  CHECK_EQ_INT(media_image_generate(&ip, &a, err, sizeof err), 0);
  CHECK_EQ_INT(media_image_generate(&ip, &b, err, sizeof err), 0);
  CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
  printf("image  %zu bytes, fnv1a %016llx\n", a.len, (unsigned long long)fnv1a(&a));
  CHECK(fnv1a(&a) == IMAGE_HASH);
  media_image_info info;
  CHECK_EQ_INT(media_image_decode(a.data, a.len, &info, err, sizeof err), 0);
  CHECK_EQ_STR(info.format, "jpeg");
  CHECK_EQ_INT(info.width, 224);
  CHECK_EQ_INT(info.height, 224);
  CHECK_EQ_INT(info.channels, 3);
  /* A truncated JPEG is caught. */
  CHECK_EQ_INT(media_image_decode(a.data, a.len / 2, &info, err, sizeof err), -1);
  CHECK(strstr(err, "truncated JPEG") != NULL);
  media_buf_free(&a);
  media_buf_free(&b);

  /* A different seed gives different bytes; every shape and PNG decode. */
  for (int shape = 0; shape < MEDIA_SHAPE_COUNT; shape++) {
    ip.shape = (media_shape)shape;
    ip.format = MEDIA_FORMAT_PNG;
    ip.width = 97;
    ip.height = 61;
    ip.seed = 5;
    CHECK_EQ_INT(media_image_generate(&ip, &a, err, sizeof err), 0);
    CHECK_EQ_INT(media_image_decode(a.data, a.len, &info, err, sizeof err), 0);
    CHECK_EQ_STR(info.format, "png");
    CHECK_EQ_INT(info.width, 97);
    CHECK_EQ_INT(info.height, 61);
    ip.seed = 6;
    CHECK_EQ_INT(media_image_generate(&ip, &b, err, sizeof err), 0);
    CHECK(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
    CHECK_EQ_INT(media_image_decode(a.data, a.len - 20, &info, err, sizeof err), -1);
    media_buf_free(&a);
    media_buf_free(&b);
  }
  /* A 1x1 image works. */
  ip.width = ip.height = 1;
  CHECK_EQ_INT(media_image_generate(&ip, &a, err, sizeof err), 0);
  media_buf_free(&a);

  media_audio_params ap;
  media_audio_defaults(&ap);
  CHECK_EQ_INT(media_audio_generate(&ap, &a, err, sizeof err), 0);
  CHECK_EQ_INT(media_audio_generate(&ap, &b, err, sizeof err), 0);
  CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
  CHECK_EQ_INT(a.len, 44 + 5 * 48000 * 2);
  printf("audio  %zu bytes, fnv1a %016llx\n", a.len, (unsigned long long)fnv1a(&a));
  CHECK(fnv1a(&a) == AUDIO_HASH);
  media_buf_free(&a);
  media_buf_free(&b);

  media_video_params vp;
  media_video_defaults(&vp);
  vp.threads = 1;
  CHECK_EQ_INT(media_video_generate(&vp, &a, err, sizeof err), 0);
  vp.threads = 3; /* threads change the speed, never the bytes */
  CHECK_EQ_INT(media_video_generate(&vp, &b, err, sizeof err), 0);
  CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
  printf("video  %zu bytes, fnv1a %016llx\n", a.len, (unsigned long long)fnv1a(&a));
  CHECK(fnv1a(&a) == VIDEO_HASH);
  check_mp4(&a, 300, 224, 30);
  media_buf_free(&a);
  media_buf_free(&b);
  vp.width = 17;
  vp.height = 33;
  vp.frames = 1;
  vp.fps = 7;
  vp.shape = MEDIA_VIDEO_SQUARE;
  CHECK_EQ_INT(media_video_generate(&vp, &a, err, sizeof err), 0);
  check_mp4(&a, 1, 17, 7);
  media_buf_free(&a);

  /* Out-of-range parameters are refused before anything is allocated. */
  media_image_defaults(&ip);
  ip.width = 100000;
  CHECK_EQ_INT(media_image_generate(&ip, &a, err, sizeof err), -1);
  CHECK_EQ_STR(err, "width must be in [1, 8192], got 100000");
  CHECK(a.data == NULL);
  ip.width = 8192;
  ip.height = 8192;
  CHECK_EQ_INT(media_image_check(&ip, err, sizeof err), -1);
  CHECK_EQ_STR(err, "width * height must be at most 16777216, got 67108864");
  media_video_defaults(&vp);
  vp.frames = 1000000000;
  CHECK_EQ_INT(media_video_generate(&vp, &a, err, sizeof err), -1);
  CHECK_EQ_STR(err, "frames must be in [1, 100000], got 1000000000");
  vp.frames = 0;
  CHECK_EQ_INT(media_video_check(&vp, err, sizeof err), -1);
  media_audio_defaults(&ap);
  ap.seconds = -1;
  CHECK_EQ_INT(media_audio_check(&ap, err, sizeof err), -1);
  CHECK_EQ_STR(err, "seconds must be in (0, 3600], got -1");
  ap.seconds = 0.00001;
  CHECK_EQ_INT(media_audio_check(&ap, err, sizeof err), -1);
  ap.seconds = 1;
  ap.frequency = 24000;
  CHECK_EQ_INT(media_audio_check(&ap, err, sizeof err), -1);
  CHECK_EQ_STR(err, "frequency must be in (0, 24000) at sample_rate 48000, got 24000");
  CHECK(a.data == NULL);

  /* Image decoding never crashes on garbage or mutated files. */
  media_image_defaults(&ip);
  ip.width = ip.height = 32;
  media_buf png = {0}, jpg = {0};
  ip.format = MEDIA_FORMAT_PNG;
  media_image_generate(&ip, &png, err, sizeof err);
  ip.format = MEDIA_FORMAT_JPEG;
  media_image_generate(&ip, &jpg, err, sizeof err);
  media_rng rng;
  media_rng_seed(&rng, 9);
  for (int round = 0; round < 4000; round++) {
    const media_buf *src = round % 2 ? &png : &jpg;
    uint8_t *copy = malloc(src->len);
    memcpy(copy, src->data, src->len);
    for (int k = media_rng_int(&rng, 1, 8); k > 0; k--)
      copy[media_rng_int(&rng, 0, (int)src->len - 1)] = (uint8_t)media_rng_int(&rng, 0, 255);
    size_t n = (size_t)media_rng_int(&rng, 0, (int)src->len);
    media_image_decode(copy, n, &info, err, sizeof err);
    free(copy);
  }
  media_buf_free(&png);
  media_buf_free(&jpg);
  return check_summary("test_media_generate");
}
