/*
 * Benchmark metrics exactly as `vllm bench serve` computes them
 * (calculate_metrics): per successful request TTFT, TPOT = (E2EL - TTFT) /
 * (output_len - 1) when output_len > 1, ITL per chunk (all requests'
 * concatenated, in request order), E2EL; totals and throughputs over the
 * benchmark duration; goodput; peak output tokens per 1 s bin; peak
 * concurrent requests. Plus the omni audio metrics (audio TTFP, audio RTF =
 * audio generation latency / audio duration (0 if the duration is <= 0),
 * audio duration, audio throughput) and, for coordinated omission, TTFT and
 * E2EL measured from the intended send time. Series are kept in seconds (RTF
 * as a ratio) in request order; stats use numpy's rules (metrics_stats.h).
 * No Lua here.
 */
#ifndef OMNILUA_BENCH_METRICS_H
#define OMNILUA_BENCH_METRICS_H
#include <stddef.h>

#include "metrics_stats.h"

typedef struct bench_req {
  int success;
  double start_s;    /* actual send (any origin, the same for every request) */
  double intended_s; /* intended send, same origin */
  double ttft_s;     /* first token chunk - start */
  double latency_s;  /* last token chunk - start (E2EL) */
  const double *itl_s;
  size_t nitl;
  int prompt_len;         /* input tokens */
  int output_len;         /* output tokens (server usage); <= 0: unknown, the chunk count is used */
  double audio_ttfp_s;    /* first audio chunk - start; < 0: no audio */
  double audio_latency_s; /* last audio chunk - start */
  double audio_duration_s; /* seconds of audio returned */
} bench_req;

typedef struct bench_goodput {
  int has_ttft, has_tpot, has_e2el;
  double ttft_ms, tpot_ms, e2el_ms; /* SLOs: a request is good iff every set value is <= */
} bench_goodput;

enum {
  BM_TTFT,
  BM_TPOT,
  BM_ITL,
  BM_E2EL,
  BM_AUDIO_TTFP,
  BM_AUDIO_RTF,
  BM_AUDIO_DURATION,
  BM_TTFT_INTENDED,
  BM_E2EL_INTENDED,
  BM_COUNT
};

typedef struct bench_series {
  double *v;
  size_t n;
} bench_series;

typedef struct bench_result {
  size_t completed, failed;
  long long total_input, total_output;
  double duration_s;
  double request_throughput, request_goodput; /* goodput: -1 when no SLO was given */
  double output_throughput, total_token_throughput;
  double max_output_tokens_per_s;
  int max_concurrent_requests;
  double audio_throughput; /* seconds of audio per second */
  int *output_lens;        /* per request, 0 for a failure */
  size_t n;
  bench_series series[BM_COUNT];
} bench_result;

/* 0, or -1 out of memory / bad input (duration <= 0 with requests is allowed:
 * throughputs are then 0). g may be NULL (no goodput). */
int bench_compute(const bench_req *reqs, size_t n, double duration_s, const bench_goodput *g,
                  bench_result *out);
void bench_result_free(bench_result *r);

/* "ttft", "tpot", "itl", "e2el", "audio_ttfp", "audio_rtf", "audio_duration",
 * "ttft_intended", "e2el_intended"; -1 for an unknown name. */
const char *bench_metric_name(int m);
int bench_metric_find(const char *name);
/* The result-key suffix and the factor applied to the seconds: "_ms" and 1000
 * for times, "" and 1 for RTF, "_s" and 1 for the audio duration. */
const char *bench_metric_unit(int m);
double bench_metric_scale(int m);

/* Stats of one series, scaled (as the reference: np.mean(seconds) * 1000).
 * 0, or what metrics_stats_compute returns. */
int bench_metric_stats(const bench_result *r, int m, const double *pcts, size_t npcts,
                       metrics_stats *st, double *pct_out);

#endif
