#include "net_rxstamp.h"

#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define TRUST_NS ((int64_t)60 * 1000000000)

int rxstamp_enable(int fd) {
  int one = 1;
  return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
}

int rxstamp_hold(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && rxstamp_enable(fd) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

int64_t rxstamp_to_mono(int64_t stamp_wall_ns, int64_t now_wall_ns, int64_t now_mono_ns) {
  int64_t age = now_wall_ns - stamp_wall_ns;
  if (age < 0 || age > TRUST_NS)
    return now_mono_ns;
  return now_mono_ns - age;
}

ssize_t rxstamp_recv(int fd, void *buf, size_t len, int64_t *at) {
  union { /* aligned for struct cmsghdr */
    char buf[CMSG_SPACE(sizeof(struct timespec))];
    struct cmsghdr align;
  } ctl;
  struct iovec iov = {buf, len};
  struct msghdr m = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
  ssize_t n = recvmsg(fd, &m, 0);
  if (n <= 0)
    return n;
  int64_t mono = clock_now_ns();
  *at = mono;
  for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
    if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_TIMESTAMPNS)
      continue;
    struct timespec ts;
    memcpy(&ts, CMSG_DATA(h), sizeof ts);
    int64_t stamp = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    *at = rxstamp_to_mono(stamp, clock_wall_ns(), mono);
  }
  return n;
}
