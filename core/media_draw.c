/* Raster drawing primitives for the synthetic media (see media_draw.h). */
#include <math.h>
#include <string.h>

#include "media_draw.h"

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static void span(media_canvas *c, int y, int x0, int x1, media_rgb color) {
  uint8_t *p = c->px + ((size_t)y * (size_t)c->width + (size_t)x0) * 3;
  for (int x = x0; x < x1; x++, p += 3) {
    p[0] = color.r;
    p[1] = color.g;
    p[2] = color.b;
  }
}

void media_draw_fill(media_canvas *c, media_rgb color) {
  size_t n = (size_t)c->width * (size_t)c->height;
  if (color.r == color.g && color.g == color.b) {
    memset(c->px, color.r, n * 3);
    return;
  }
  media_draw_rect(c, 0, 0, c->width, c->height, color);
}

void media_draw_rect(media_canvas *c, int x0, int y0, int x1, int y1, media_rgb color) {
  x0 = clampi(x0, 0, c->width);
  x1 = clampi(x1, 0, c->width);
  y0 = clampi(y0, 0, c->height);
  y1 = clampi(y1, 0, c->height);
  for (int y = y0; y < y1; y++)
    span(c, y, x0, x1, color);
}

void media_draw_disc(media_canvas *c, int cx, int cy, int r, media_rgb color) {
  if (r < 0)
    return;
  int y0 = clampi(cy - r, 0, c->height), y1 = clampi(cy + r + 1, 0, c->height);
  for (int y = y0; y < y1; y++) {
    long dy = y - cy;
    /* Half-width of the row: the largest dx with dx^2 + dy^2 <= r^2. */
    long rem = (long)r * r - dy * dy;
    int dx = (int)sqrt((double)rem);
    while ((long)(dx + 1) * (dx + 1) <= rem)
      dx++;
    while (dx > 0 && (long)dx * dx > rem)
      dx--;
    span(c, y, clampi(cx - dx, 0, c->width), clampi(cx + dx + 1, 0, c->width), color);
  }
}

static double edge(double ax, double ay, double bx, double by, double px, double py) {
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}

void media_draw_triangle(media_canvas *c, const double x[3], const double y[3], media_rgb color) {
  double minx = fmin(x[0], fmin(x[1], x[2])), maxx = fmax(x[0], fmax(x[1], x[2]));
  double miny = fmin(y[0], fmin(y[1], y[2])), maxy = fmax(y[0], fmax(y[1], y[2]));
  int x0 = clampi((int)floor(minx), 0, c->width), x1 = clampi((int)ceil(maxx) + 1, 0, c->width);
  int y0 = clampi((int)floor(miny), 0, c->height), y1 = clampi((int)ceil(maxy) + 1, 0, c->height);
  double area = edge(x[0], y[0], x[1], y[1], x[2], y[2]);
  if (area == 0)
    return;
  double s = area > 0 ? 1 : -1;
  for (int py = y0; py < y1; py++) {
    uint8_t *p = c->px + ((size_t)py * (size_t)c->width + (size_t)x0) * 3;
    for (int px = x0; px < x1; px++, p += 3) {
      double cxp = px + 0.5, cyp = py + 0.5;
      if (s * edge(x[0], y[0], x[1], y[1], cxp, cyp) >= 0 &&
          s * edge(x[1], y[1], x[2], y[2], cxp, cyp) >= 0 &&
          s * edge(x[2], y[2], x[0], y[0], cxp, cyp) >= 0) {
        p[0] = color.r;
        p[1] = color.g;
        p[2] = color.b;
      }
    }
  }
}
