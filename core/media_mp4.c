/* A minimal ISO BMFF (ISO/IEC 14496-12) writer for one MJPEG video track. */
#include "media_mp4.h"

/* Opens a box: writes a placeholder size and the type; returns its offset. */
static size_t box_open(media_buf *b, const char *type) {
  size_t at = b->len;
  media_buf_u32be(b, 0);
  media_buf_append(b, type, 4);
  return at;
}

static size_t full_box_open(media_buf *b, const char *type, uint8_t version, uint32_t flags) {
  size_t at = box_open(b, type);
  media_buf_u32be(b, (uint32_t)version << 24 | flags);
  return at;
}

static void box_close(media_buf *b, size_t at) {
  media_buf_patch_u32be(b, at, (uint32_t)(b->len - at));
}

static void matrix(media_buf *b) {
  static const uint32_t unity[9] = {0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000};
  for (int i = 0; i < 9; i++)
    media_buf_u32be(b, unity[i]);
}

static void write_mvhd(media_buf *b, uint32_t duration_ms) {
  size_t at = full_box_open(b, "mvhd", 0, 0);
  media_buf_u32be(b, 0);    /* creation time: none, for reproducible bytes */
  media_buf_u32be(b, 0);    /* modification time */
  media_buf_u32be(b, 1000); /* timescale: milliseconds */
  media_buf_u32be(b, duration_ms);
  media_buf_u32be(b, 0x00010000); /* rate 1.0 */
  media_buf_u16be(b, 0x0100);     /* volume 1.0 */
  media_buf_zeros(b, 10);
  matrix(b);
  media_buf_zeros(b, 24);
  media_buf_u32be(b, 2); /* next track ID */
  box_close(b, at);
}

static void write_tkhd(media_buf *b, const media_mp4_track *t, uint32_t duration_ms) {
  size_t at = full_box_open(b, "tkhd", 0, 3); /* enabled, in movie */
  media_buf_u32be(b, 0);
  media_buf_u32be(b, 0);
  media_buf_u32be(b, 1); /* track ID */
  media_buf_u32be(b, 0);
  media_buf_u32be(b, duration_ms);
  media_buf_zeros(b, 8);
  media_buf_u16be(b, 0); /* layer */
  media_buf_u16be(b, 0); /* alternate group */
  media_buf_u16be(b, 0); /* volume: 0 for video */
  media_buf_u16be(b, 0);
  matrix(b);
  media_buf_u32be(b, (uint32_t)t->width << 16);
  media_buf_u32be(b, (uint32_t)t->height << 16);
  box_close(b, at);
}

static void write_mdhd(media_buf *b, uint32_t timescale, uint32_t duration) {
  size_t at = full_box_open(b, "mdhd", 0, 0);
  media_buf_u32be(b, 0);
  media_buf_u32be(b, 0);
  media_buf_u32be(b, timescale);
  media_buf_u32be(b, duration);
  media_buf_u16be(b, 0x55C4); /* language "und" */
  media_buf_u16be(b, 0);
  box_close(b, at);
}

static void write_hdlr(media_buf *b) {
  size_t at = full_box_open(b, "hdlr", 0, 0);
  media_buf_u32be(b, 0);
  media_buf_append(b, "vide", 4);
  media_buf_zeros(b, 12);
  media_buf_append(b, "VideoHandler", 13); /* with its NUL */
  box_close(b, at);
}

/* An MPEG-4 descriptor header with a 4-byte length, as ffmpeg writes them. */
static void descriptor(media_buf *b, uint8_t tag, uint32_t len) {
  media_buf_u8(b, tag);
  media_buf_u8(b, (uint8_t)(0x80 | ((len >> 21) & 0x7f)));
  media_buf_u8(b, (uint8_t)(0x80 | ((len >> 14) & 0x7f)));
  media_buf_u8(b, (uint8_t)(0x80 | ((len >> 7) & 0x7f)));
  media_buf_u8(b, (uint8_t)(len & 0x7f));
}

static void write_esds(media_buf *b, const media_mp4_track *t, uint32_t max_size) {
  size_t at = full_box_open(b, "esds", 0, 0);
  descriptor(b, 0x03, 3 + 5 + 13 + 5 + 1); /* ES_Descriptor */
  media_buf_u16be(b, 1);                   /* ES_ID */
  media_buf_u8(b, 0);                      /* no dependence, URL or OCR */
  descriptor(b, 0x04, 13);                 /* DecoderConfigDescriptor */
  media_buf_u8(b, 0x6C);                   /* objectTypeIndication: JPEG */
  media_buf_u8(b, 0x04 << 2 | 1);          /* streamType visual, upstream 0, reserved 1 */
  media_buf_u8(b, (uint8_t)(max_size >> 16));
  media_buf_u16be(b, (uint16_t)max_size); /* bufferSizeDB, 24 bits */
  uint64_t seconds_x1000 = (uint64_t)t->frames * 1000 / (uint64_t)t->fps;
  uint64_t avg = seconds_x1000 ? (uint64_t)t->payload_len * 8 * 1000 / seconds_x1000 : 0;
  uint64_t peak = (uint64_t)max_size * 8 * (uint64_t)t->fps;
  media_buf_u32be(b, (uint32_t)(peak > UINT32_MAX ? UINT32_MAX : peak));
  media_buf_u32be(b, (uint32_t)(avg > UINT32_MAX ? UINT32_MAX : avg));
  descriptor(b, 0x06, 1); /* SLConfigDescriptor */
  media_buf_u8(b, 0x02);  /* predefined: MP4 */
  box_close(b, at);
}

static void write_stsd(media_buf *b, const media_mp4_track *t, uint32_t max_size) {
  size_t at = full_box_open(b, "stsd", 0, 0);
  media_buf_u32be(b, 1);
  size_t entry = box_open(b, "mp4v"); /* VisualSampleEntry */
  media_buf_zeros(b, 6);
  media_buf_u16be(b, 1); /* data reference index */
  media_buf_zeros(b, 16);
  media_buf_u16be(b, (uint16_t)t->width);
  media_buf_u16be(b, (uint16_t)t->height);
  media_buf_u32be(b, 0x00480000); /* 72 dpi */
  media_buf_u32be(b, 0x00480000);
  media_buf_u32be(b, 0);
  media_buf_u16be(b, 1); /* frames per sample */
  static const char name[32] = "\x0c"
                               "omnilua JPEG"; /* Pascal string, 32 bytes */
  media_buf_append(b, name, 32);
  media_buf_u16be(b, 0x0018); /* depth: colour, no alpha */
  media_buf_u16be(b, 0xFFFF); /* pre_defined -1 */
  write_esds(b, t, max_size);
  box_close(b, entry);
  box_close(b, at);
}

static void write_stbl(media_buf *b, const media_mp4_track *t, uint64_t mdat_payload_at) {
  uint32_t max_size = 0;
  for (uint32_t i = 0; i < t->frames; i++)
    max_size = t->sizes[i] > max_size ? t->sizes[i] : max_size;
  size_t at = box_open(b, "stbl");
  write_stsd(b, t, max_size);

  size_t stts = full_box_open(b, "stts", 0, 0); /* every frame lasts one tick */
  media_buf_u32be(b, 1);
  media_buf_u32be(b, t->frames);
  media_buf_u32be(b, 1);
  box_close(b, stts);

  size_t stsc = full_box_open(b, "stsc", 0, 0); /* one chunk holds every frame */
  media_buf_u32be(b, 1);
  media_buf_u32be(b, 1);
  media_buf_u32be(b, t->frames);
  media_buf_u32be(b, 1);
  box_close(b, stsc);

  size_t stsz = full_box_open(b, "stsz", 0, 0);
  media_buf_u32be(b, 0); /* sizes differ: one entry each */
  media_buf_u32be(b, t->frames);
  for (uint32_t i = 0; i < t->frames; i++)
    media_buf_u32be(b, t->sizes[i]);
  box_close(b, stsz);

  size_t stco = full_box_open(b, "stco", 0, 0);
  media_buf_u32be(b, 1);
  media_buf_u32be(b, (uint32_t)mdat_payload_at);
  box_close(b, stco);
  box_close(b, at); /* stss is absent: every JPEG frame is a sync sample */
}

static void write_moov(media_buf *b, const media_mp4_track *t, uint64_t mdat_payload_at) {
  uint32_t duration_ms = (uint32_t)((uint64_t)t->frames * 1000 / (uint64_t)t->fps);
  size_t moov = box_open(b, "moov");
  write_mvhd(b, duration_ms);
  size_t trak = box_open(b, "trak");
  write_tkhd(b, t, duration_ms);
  size_t mdia = box_open(b, "mdia");
  write_mdhd(b, (uint32_t)t->fps, t->frames); /* timescale = fps: a frame is one tick */
  write_hdlr(b);
  size_t minf = box_open(b, "minf");
  size_t vmhd = full_box_open(b, "vmhd", 0, 1);
  media_buf_zeros(b, 8); /* graphics mode, opcolor */
  box_close(b, vmhd);
  size_t dinf = box_open(b, "dinf");
  size_t dref = full_box_open(b, "dref", 0, 0);
  media_buf_u32be(b, 1);
  size_t url = full_box_open(b, "url ", 0, 1); /* data in this file */
  box_close(b, url);
  box_close(b, dref);
  box_close(b, dinf);
  write_stbl(b, t, mdat_payload_at);
  box_close(b, minf);
  box_close(b, mdia);
  box_close(b, trak);
  box_close(b, moov);
}

int media_mp4_write(const media_mp4_track *t, media_buf *out) {
  size_t start = out->len;
  size_t ftyp = box_open(out, "ftyp");
  media_buf_append(out, "isom", 4);
  media_buf_u32be(out, 0x200);
  media_buf_append(out, "isomiso2mp41", 12);
  box_close(out, ftyp);

  /* moov precedes mdat; its size does not depend on the chunk offset it
   * holds (one stco entry; the offset stays far below 4 GiB as only ftyp
   * and moov precede it), so write it once to learn the offset, then again. */
  size_t moov_at = out->len;
  int large = (uint64_t)t->payload_len + 8 > UINT32_MAX;
  write_moov(out, t, 0);
  uint64_t payload_at = (uint64_t)(out->len - start) + (large ? 16 : 8);
  out->len = moov_at;
  write_moov(out, t, payload_at);

  if (large) {
    media_buf_u32be(out, 1);
    media_buf_append(out, "mdat", 4);
    media_buf_u64be(out, (uint64_t)t->payload_len + 16);
  } else {
    media_buf_u32be(out, (uint32_t)(t->payload_len + 8));
    media_buf_append(out, "mdat", 4);
  }
  media_buf_append(out, t->payload, t->payload_len);
  return out->failed ? -1 : 0;
}
