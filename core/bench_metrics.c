#include "bench_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
  const char *name, *unit;
  double scale;
} METRICS[BM_COUNT] = {
    {"ttft", "_ms", 1000},       {"tpot", "_ms", 1000},          {"itl", "_ms", 1000},
    {"e2el", "_ms", 1000},       {"audio_ttfp", "_ms", 1000},    {"audio_rtf", "", 1},
    {"audio_duration", "_s", 1}, {"ttft_intended", "_ms", 1000}, {"e2el_intended", "_ms", 1000},
};

const char *bench_metric_name(int m) { return m >= 0 && m < BM_COUNT ? METRICS[m].name : NULL; }
const char *bench_metric_unit(int m) { return m >= 0 && m < BM_COUNT ? METRICS[m].unit : NULL; }
double bench_metric_scale(int m) { return m >= 0 && m < BM_COUNT ? METRICS[m].scale : 0; }
int bench_metric_find(const char *name) {
  for (int m = 0; m < BM_COUNT; m++)
    if (strcmp(METRICS[m].name, name) == 0)
      return m;
  return -1;
}

static int push(bench_series *s, double v) {
  /* series are sized up front except ITL, which grows */
  s->v[s->n++] = v;
  return 0;
}

static int output_len_of(const bench_req *q) {
  return q->output_len > 0 ? q->output_len : (int)q->nitl + 1;
}

typedef struct edge {
  double t;
  int d; /* +1 start, -1 end */
} edge;

static int edge_cmp(const void *a, const void *b) {
  const edge *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->d - y->d; /* ends first: intervals are half-open */
}

/* Peak output tokens per 1 s bin and peak overlap of [start, start + E2EL). */
static int peaks(const bench_req *reqs, size_t n, bench_result *out) {
  double t0 = INFINITY, t1 = -INFINITY;
  size_t ok = 0;
  for (size_t i = 0; i < n; i++)
    if (reqs[i].success) {
      ok++;
      if (reqs[i].start_s < t0)
        t0 = reqs[i].start_s;
      if (reqs[i].start_s + reqs[i].latency_s > t1)
        t1 = reqs[i].start_s + reqs[i].latency_s;
    }
  if (ok == 0)
    return 0;
  size_t nbins = (size_t)ceil(t1 - t0) + 1;
  double *bins = calloc(nbins, sizeof *bins);
  edge *ev = malloc(2 * ok * sizeof *ev);
  if (!bins || !ev) {
    free(bins);
    free(ev);
    return -1;
  }
  size_t ne = 0;
  for (size_t i = 0; i < n; i++) {
    const bench_req *q = &reqs[i];
    if (!q->success)
      continue;
    double t = q->start_s + q->ttft_s;
    for (size_t k = 0;; k++) {
      double b = floor(t - t0);
      if (b >= 0 && b < (double)nbins)
        bins[(size_t)b] += 1;
      if (k == q->nitl)
        break;
      t += q->itl_s[k];
    }
    ev[ne++] = (edge){q->start_s, +1};
    ev[ne++] = (edge){q->start_s + q->latency_s, -1};
  }
  for (size_t b = 0; b < nbins; b++)
    if (bins[b] > out->max_output_tokens_per_s)
      out->max_output_tokens_per_s = bins[b];
  qsort(ev, ne, sizeof *ev, edge_cmp);
  int cur = 0;
  for (size_t i = 0; i < ne; i++) {
    cur += ev[i].d;
    if (cur > out->max_concurrent_requests)
      out->max_concurrent_requests = cur;
  }
  free(bins);
  free(ev);
  return 0;
}

int bench_compute(const bench_req *reqs, size_t n, double duration_s, const bench_goodput *g,
                  bench_result *out) {
  memset(out, 0, sizeof *out);
  out->n = n;
  out->duration_s = duration_s;
  out->request_goodput = -1;
  size_t nitl = 0;
  for (size_t i = 0; i < n; i++)
    if (reqs[i].success)
      nitl += reqs[i].nitl;
  out->output_lens = calloc(n ? n : 1, sizeof *out->output_lens);
  for (int m = 0; m < BM_COUNT; m++) {
    size_t cap = m == BM_ITL ? nitl : n;
    out->series[m].v = malloc((cap ? cap : 1) * sizeof(double));
    if (!out->series[m].v || !out->output_lens) {
      bench_result_free(out);
      return -1;
    }
  }
  size_t good = 0;
  double audio_total = 0;
  for (size_t i = 0; i < n; i++) {
    const bench_req *q = &reqs[i];
    if (!q->success) {
      out->failed++;
      continue;
    }
    int olen = output_len_of(q);
    out->output_lens[i] = olen;
    out->completed++;
    out->total_input += q->prompt_len;
    out->total_output += olen;
    double tpot = 0;
    if (olen > 1) {
      tpot = (q->latency_s - q->ttft_s) / (olen - 1);
      push(&out->series[BM_TPOT], tpot);
    }
    for (size_t k = 0; k < q->nitl; k++)
      push(&out->series[BM_ITL], q->itl_s[k]);
    push(&out->series[BM_TTFT], q->ttft_s);
    push(&out->series[BM_E2EL], q->latency_s);
    double late = q->start_s - q->intended_s; /* queueing and dispatch delay */
    push(&out->series[BM_TTFT_INTENDED], q->ttft_s + late);
    push(&out->series[BM_E2EL_INTENDED], q->latency_s + late);
    if (q->audio_ttfp_s >= 0) {
      push(&out->series[BM_AUDIO_TTFP], q->audio_ttfp_s);
      push(&out->series[BM_AUDIO_DURATION], q->audio_duration_s);
      push(&out->series[BM_AUDIO_RTF],
           q->audio_duration_s > 0 ? q->audio_latency_s / q->audio_duration_s : 0);
      audio_total += q->audio_duration_s;
    }
    if (g) { /* the reference compares the SLO in seconds with the value in seconds */
      int ok = 1;
      if (g->has_ttft && !(g->ttft_ms / 1000 >= q->ttft_s))
        ok = 0;
      if (g->has_tpot && !(g->tpot_ms / 1000 >= tpot))
        ok = 0;
      if (g->has_e2el && !(g->e2el_ms / 1000 >= q->latency_s))
        ok = 0;
      good += (size_t)ok;
    }
  }
  if (duration_s > 0) {
    out->request_throughput = out->completed / duration_s;
    out->output_throughput = out->total_output / duration_s;
    out->total_token_throughput = (out->total_input + out->total_output) / duration_s;
    out->audio_throughput = audio_total / duration_s;
    if (g)
      out->request_goodput = good / duration_s;
  } else if (g) {
    out->request_goodput = 0;
  }
  if (peaks(reqs, n, out) != 0) {
    bench_result_free(out);
    return -1;
  }
  return 0;
}

void bench_result_free(bench_result *r) {
  for (int m = 0; m < BM_COUNT; m++) {
    free(r->series[m].v);
    r->series[m].v = NULL;
    r->series[m].n = 0;
  }
  free(r->output_lens);
  r->output_lens = NULL;
}

int bench_metric_stats(const bench_result *r, int m, const double *pcts, size_t npcts,
                       metrics_stats *st, double *pct_out) {
  const bench_series *s = &r->series[m];
  double zero = 0; /* np.mean(values or 0): an empty list counts as [0] */
  int rc = s->n ? metrics_stats_compute(s->v, s->n, pcts, npcts, st, pct_out)
                : metrics_stats_compute(&zero, 1, pcts, npcts, st, pct_out);
  if (rc != 0)
    return rc;
  double k = bench_metric_scale(m);
  if (s->n == 0)
    st->count = 0;
  st->mean *= k;
  st->median *= k;
  st->std *= k;
  st->min *= k;
  st->max *= k;
  for (size_t i = 0; i < npcts; i++)
    pct_out[i] *= k;
  return 0;
}
