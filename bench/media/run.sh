#!/usr/bin/env bash
# Benchmark: omni.media.video (224x224, 300 frames, the spec's call) against
# OpenCV's cv2.VideoWriter writing the same bouncing-balls frames (MJPG and
# mp4v), in one run. Goal: omnilua <= OpenCV on the first call and <= 1 ms on
# a repeated call. Usage: bench/media/run.sh [path/to/omnilua]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
omnilua="${1:-$here/../../build/omnilua}"
# Debian's python3 has cv2; a pyenv python3 earlier on PATH may not.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
video="$(mktemp --suffix=.mp4)"
trap 'rm -f "$video" /tmp/opencv_bench_MJPG.mp4 /tmp/opencv_bench_mp4v.mp4' EXIT

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, $(uname -m)"
timeout 120 "$omnilua" lua "$here/video.lua" "$video"
if "$py" -c "import cv2" 2>/dev/null; then
  # OpenCV warns that MJPG falls back to the mp4v tag in .mp4 (the codec stays MJPEG).
  OPENCV_LOG_LEVEL=ERROR timeout 300 "$py" "$here/opencv_video.py" "$video" 2>&1 |
    { grep -v "^OpenCV: FFMPEG: \(tag\|fallback\)" || true; }
else
  echo "# OpenCV not available to $py: install python3-opencv" >&2
fi
