/* The dummy server's pacing, end to end on loopback: a stream's first token
 * comes time-to-first-token after its request, counted from the request's
 * arrival for the first request of a read and from its turn for a pipelined
 * one (which waited for the answer before it); with epoll_pwait2 and with
 * the timerfd that older kernels get. Lower bounds only: tokens may come
 * late on a loaded machine, never early. */
#include "check.h"
#include "clock.h"
#include "dummy_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MS 1000000LL
#define TTFT_MS 80

static const char BODY[] = "{\"model\":\"omni-dummy\",\"stream\":true,\"modalities\":[\"text\"],"
                           "\"messages\":[{\"role\":\"user\",\"content\":\"say two words\"}]}";

static void *serve(void *s) {
  dummy_server_run(s);
  return NULL;
}

static int request(char *out, size_t cap) {
  return snprintf(out, cap,
                  "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  "application/json\r\nContent-Length: %zu\r\n\r\n%s",
                  sizeof BODY - 1, BODY);
}

typedef struct {
  char buf[65536];
  size_t len;
  int64_t at[256]; /* time each read ended at len[i] */
  size_t upto[256];
  int nreads;
} capture;

/* Reads until `answers` chunked responses have ended (or 5 s pass). */
static void read_answers(int fd, capture *cp, int answers) {
  int64_t give_up = clock_now_ns() + 5000 * MS;
  while (clock_now_ns() < give_up && cp->nreads < 256) {
    int ends = 0;
    for (const char *p = cp->buf; (p = strstr(p, "\r\n0\r\n\r\n")) != NULL; p++)
      ends++;
    if (ends >= answers)
      return;
    ssize_t n = recv(fd, cp->buf + cp->len, sizeof cp->buf - 1 - cp->len, 0);
    if (n <= 0)
      return;
    cp->len += (size_t)n;
    cp->buf[cp->len] = '\0';
    cp->at[cp->nreads] = clock_now_ns();
    cp->upto[cp->nreads++] = cp->len;
  }
}

/* When the k-th (0-based) answer's first SSE data line arrived, or -1. */
static int64_t first_data_at(const capture *cp, int k) {
  const char *p = cp->buf;
  for (int i = 0; i <= k; i++)
    if (!(p = strstr(i ? p + 1 : p, "HTTP/1.1 200")))
      return -1;
  if (!(p = strstr(p, "data: ")))
    return -1;
  size_t off = (size_t)(p - cp->buf);
  for (int i = 0; i < cp->nreads; i++)
    if (cp->upto[i] > off)
      return cp->at[i];
  return -1;
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  CHECK(connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
  return fd;
}

static void scenarios(int use_timerfd) {
  dummy_config cfg;
  dummy_config_defaults(&cfg);
  cfg.port = 0;
  cfg.prof.ttft_ms = TTFT_MS;
  cfg.prof.itl_ms = 0;
  cfg.prof.output_tokens = 2;
  char err[256];
  dummy_server *s = dummy_server_new(&cfg, err, sizeof err);
  CHECK(s != NULL);
  if (!s)
    return;
  if (use_timerfd)
    dummy_server_use_timerfd(s);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, serve, s) == 0);
  char rq[512];
  int rl = request(rq, sizeof rq);
  capture *cp = calloc(1, sizeof *cp);

  /* two requests in one write: the second waits for the first's answer */
  int fd = connect_to(dummy_server_port(s));
  char two[1024];
  memcpy(two, rq, (size_t)rl);
  memcpy(two + rl, rq, (size_t)rl);
  int64_t t0 = clock_now_ns();
  CHECK_EQ_INT(send(fd, two, (size_t)rl * 2, 0), rl * 2);
  read_answers(fd, cp, 2);
  int64_t a = first_data_at(cp, 0), b = first_data_at(cp, 1);
  CHECK(a >= t0 + TTFT_MS * MS);
  CHECK(b >= t0 + 2 * TTFT_MS * MS);

  /* the second comes in its own read while the first is answered: its
   * clock starts when its turn comes, not at its arrival */
  memset(cp, 0, sizeof *cp);
  t0 = clock_now_ns();
  CHECK_EQ_INT(send(fd, rq, (size_t)rl, 0), rl);
  clock_sleep_ns(20 * MS);
  CHECK_EQ_INT(send(fd, rq, (size_t)rl, 0), rl);
  read_answers(fd, cp, 2);
  a = first_data_at(cp, 0), b = first_data_at(cp, 1);
  CHECK(a >= t0 + TTFT_MS * MS);
  CHECK(b >= t0 + 2 * TTFT_MS * MS);

  /* keep-alive after a pause: counted from the new request */
  clock_sleep_ns(30 * MS);
  memset(cp, 0, sizeof *cp);
  t0 = clock_now_ns();
  CHECK_EQ_INT(send(fd, rq, (size_t)rl, 0), rl);
  read_answers(fd, cp, 1);
  a = first_data_at(cp, 0);
  CHECK(a >= t0 + TTFT_MS * MS);
  CHECK(strstr(cp->buf, "[DONE]") != NULL);

  close(fd);
  free(cp);
  dummy_server_stop(s);
  pthread_join(th, NULL);
  CHECK_EQ_INT(dummy_server_requests(s), 5);
  dummy_server_free(s);
}

int main(void) {
  scenarios(0);
  scenarios(1);
  return check_summary("test_dummy_pacing");
}
