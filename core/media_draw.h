#ifndef OMNILUA_MEDIA_DRAW_H
#define OMNILUA_MEDIA_DRAW_H
#include <stdint.h>

/* Raster drawing on an RGB8 canvas, clipped to its bounds: enough to paint
 * the synthetic images and video frames (hard edges, integer coordinates). */
typedef struct {
  uint8_t r, g, b;
} media_rgb;

typedef struct {
  uint8_t *px; /* width * height * 3 bytes, row-major RGB */
  int width, height;
} media_canvas;

void media_draw_fill(media_canvas *c, media_rgb color);
/* Fills x in [x0, x1), y in [y0, y1). */
void media_draw_rect(media_canvas *c, int x0, int y0, int x1, int y1, media_rgb color);
/* Fills the disc of pixels whose centre lies within r of (cx, cy). */
void media_draw_disc(media_canvas *c, int cx, int cy, int r, media_rgb color);
/* Fills the triangle with vertices (x[i], y[i]), either winding. */
void media_draw_triangle(media_canvas *c, const double x[3], const double y[3], media_rgb color);

#endif
