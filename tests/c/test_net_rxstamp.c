/* Kernel receive timestamps: the wall-to-monotonic conversion and its
 * guards, and on a loopback TCP socket that a read's stamp is when the bytes
 * came, not when they were read. */
#include "check.h"
#include "clock.h"
#include "net_rxstamp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define MS 1000000LL
#define S 1000000000LL

static void test_conversion(void) {
  /* a stamp 3 ms old is 3 ms before the monotonic now */
  CHECK_EQ_INT(rxstamp_to_mono(1000 * S - 3 * MS, 1000 * S, 50 * S), 50 * S - 3 * MS);
  CHECK_EQ_INT(rxstamp_to_mono(1000 * S, 1000 * S, 50 * S), 50 * S); /* just now */
  /* wall clock stepped back after the stamp: from the future, not trusted */
  CHECK_EQ_INT(rxstamp_to_mono(1000 * S + 1, 1000 * S, 50 * S), 50 * S);
  /* stepped forward: older than a minute, not trusted */
  CHECK_EQ_INT(rxstamp_to_mono(1000 * S - 61 * S, 1000 * S, 50 * S), 50 * S);
  CHECK_EQ_INT(rxstamp_to_mono(1000 * S - 59 * S, 1000 * S, 100 * S), 41 * S);
}

static void test_loopback(void) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0);
  CHECK(listen(l, 1) == 0);
  CHECK(getsockname(l, (struct sockaddr *)&a, &al) == 0);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
  int s = accept(l, NULL, NULL);
  CHECK(s >= 0);
  CHECK_EQ_INT(rxstamp_enable(c), 0);
  /* The first socket to ask switches stamping on through a work queue: the
   * packets of the next moment may come unstamped (they get the present). */
  char w;
  CHECK_EQ_INT(write(s, "w", 1), 1);
  clock_sleep_ns(50 * MS);
  int64_t ignored;
  CHECK_EQ_INT(rxstamp_recv(c, &w, 1, &ignored), 1);
  for (int round = 0; round < 3; round++) {
    int64_t before = clock_now_ns();
    CHECK_EQ_INT(write(s, "hello", 5), 5);
    clock_sleep_ns(30 * MS);
    int64_t read_at = clock_now_ns(), at = 0;
    char buf[16];
    CHECK_EQ_INT(rxstamp_recv(c, buf, sizeof buf, &at), 5);
    /* the bytes were there before the read began; the present time (what
     * a read without the stamp gives) would be after it */
    CHECK(at >= before);
    CHECK(at <= read_at);
  }
  /* without the option: the present time */
  int c2 = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(connect(c2, (struct sockaddr *)&a, sizeof a) == 0);
  int s2 = accept(l, NULL, NULL);
  CHECK_EQ_INT(write(s2, "x", 1), 1);
  clock_sleep_ns(10 * MS);
  int64_t read_at = clock_now_ns(), at = 0;
  char b;
  CHECK_EQ_INT(rxstamp_recv(c2, &b, 1, &at), 1);
  CHECK(at >= read_at);
  close(s2);
  CHECK_EQ_INT(rxstamp_recv(c2, &b, 1, &at), 0); /* EOF passes through */
  close(c2);
  close(s);
  close(c);
  close(l);
}

int main(void) {
  int hold = rxstamp_hold(); /* stamping on for the whole test, as the load engine does */
  CHECK(hold >= 0);
  test_conversion();
  test_loopback();
  close(hold);
  return check_summary("test_net_rxstamp");
}
