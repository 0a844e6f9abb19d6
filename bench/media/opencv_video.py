"""OpenCV's time to write the 224x224, 300-frame bouncing-balls video with
cv2.VideoWriter (MJPG and mp4v fourcc): drawing the balls itself (cv2.circle,
same rules as omni.media) and writing omnilua's own frames (decoded first,
untimed). Prints "name seconds" lines for run.sh."""
import sys
import time

import cv2
import numpy as np

W = H = 224
N = 300
FPS = 30


def balls_frames():
    rng = np.random.default_rng(0)
    r = min(W, H) // 8
    balls = []
    for _ in range(int(rng.integers(3, 9))):
        balls.append([int(rng.integers(r, W - r)), int(rng.integers(r, H - r)),
                      int(rng.integers(3, 9)) * (1 if rng.integers(2) else -1),
                      int(rng.integers(3, 9)) * (1 if rng.integers(2) else -1),
                      tuple(int(c) for c in rng.integers(50, 256, 3))])
    for _ in range(N):
        f = np.zeros((H, W, 3), np.uint8)
        for b in balls:
            cv2.circle(f, (b[0], b[1]), r, b[4], -1)
            light = tuple((c + 255) // 2 for c in b[4])
            cv2.circle(f, (b[0] - r // 3, b[1] - r // 3), r // 3, light, -1)
            for i, lim in ((0, W), (1, H)):
                b[i] += b[i + 2]
                if b[i] < r or b[i] > lim - 1 - r:
                    b[i + 2] = -b[i + 2]
                    b[i] = min(max(b[i], r), lim - 1 - r)
        yield f


def write(path, fourcc, frames):
    w = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), FPS, (W, H))
    for f in frames:
        w.write(f)
    w.release()


def best_of(n, fn):
    best = float("inf")
    for _ in range(n):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    ours = sys.argv[1]
    cap = cv2.VideoCapture(ours)
    same = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        same.append(f)
    assert len(same) == N, len(same)
    for fourcc in ("MJPG", "mp4v"):
        out = "/tmp/opencv_bench_%s.mp4" % fourcc
        t = best_of(3, lambda: write(out, fourcc, balls_frames()))
        print("opencv_%s_draw_and_write_best_of_3 %.6f" % (fourcc, t))
        t = best_of(3, lambda: write(out, fourcc, same))
        print("opencv_%s_write_same_frames_best_of_3 %.6f" % (fourcc, t))


main()
