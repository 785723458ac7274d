// server: a tiny static TCP/UDP server for the end-to-end tests.
//
// It reproduces the seed's python server (and its mistakes) without an
// interpreter in the image: bind to 0.0.0.0 or 127.0.0.1, dual-stack or
// V6ONLY, a small backlog, or an app that never accepts.
//
//   server [OPTION...] SPEC [OPTION...] [SPEC [OPTION...]]...
//   SPEC: tcp:ADDRESS:PORT or udp:ADDRESS:PORT (IPv6 in brackets: tcp:[::]:3000)
//
// Options before the first SPEC are defaults for every SPEC; an option after
// a SPEC changes that SPEC only. --delay-start is always global.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { k_max_specs = 32 };

struct Spec {
  bool udp;
  bool v6only;
  bool no_accept;
  int backlog;
  char address[64];
  unsigned port;
  struct sockaddr_storage addr;
  socklen_t addr_len;
  int fd;
};

struct Settings {
  bool v6only;
  bool no_accept;
  int backlog;
};

static volatile sig_atomic_t g_stop = 0;

static void note_stop(int signal_number) {
  (void)signal_number;
  g_stop = 1;
}

static void usage(FILE* out) {
  fputs("usage: server [OPTION...] SPEC [OPTION...] [SPEC [OPTION...]]...\n"
        "  SPEC              tcp:ADDRESS:PORT or udp:ADDRESS:PORT; IPv6 in brackets: tcp:[::]:3000\n"
        "  --v6only          set IPV6_V6ONLY=1 on IPv6 sockets (default: explicitly 0)\n"
        "  --backlog N       listen(2) backlog for TCP (default 128)\n"
        "  --no-accept       listen but never accept (TCP) or never read (UDP): a hung app\n"
        "  --delay-start MS  wait MS milliseconds before binding anything (global)\n"
        "Options before the first SPEC apply to every SPEC; after a SPEC, to that SPEC only.\n"
        "TCP: each connection gets \"HTTP/1.0 200 OK\\r\\n\\r\\nhello from HOSTNAME\\n\".\n"
        "UDP: each datagram is answered with \"hello from HOSTNAME\\n\". SIGTERM exits 0.\n",
        out);
}

static bool parse_number(const char* text, long min, long max, long* value) {
  char* end = NULL;
  errno = 0;
  const long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
    return false;
  }
  *value = v;
  return true;
}

// "tcp:127.0.0.1:3000" or "udp:[::]:53" into spec->addr.
static bool parse_spec(const char* text, struct Spec* spec) {
  if (strncmp(text, "tcp:", 4) == 0) {
    spec->udp = false;
  } else if (strncmp(text, "udp:", 4) == 0) {
    spec->udp = true;
  } else {
    return false;
  }
  const char* rest = text + 4;
  const char* colon = strrchr(rest, ':');
  if (colon == NULL || colon == rest) {
    return false;
  }
  long port = 0;
  if (!parse_number(colon + 1, 1, 65535, &port)) {
    return false;
  }
  spec->port = (unsigned)port;
  size_t len = (size_t)(colon - rest);
  const char* start = rest;
  if (rest[0] == '[' && colon[-1] == ']') {
    start = rest + 1;
    len -= 2;
  }
  if (len == 0 || len >= sizeof spec->address) {
    return false;
  }
  memcpy(spec->address, start, len);
  spec->address[len] = '\0';

  memset(&spec->addr, 0, sizeof spec->addr);
  struct sockaddr_in* v4 = (struct sockaddr_in*)&spec->addr;
  struct sockaddr_in6* v6 = (struct sockaddr_in6*)&spec->addr;
  if (inet_pton(AF_INET, spec->address, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)spec->port);
    spec->addr_len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, spec->address, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)spec->port);
    spec->addr_len = sizeof *v6;
    return true;
  }
  return false;
}

static void print_listening(const struct Spec* spec) {
  const bool v6 = spec->addr.ss_family == AF_INET6;
  printf("listening %s %s%s%s:%u\n", spec->udp ? "udp" : "tcp", v6 ? "[" : "", spec->address,
         v6 ? "]" : "", spec->port);
  fflush(stdout);
}

static bool open_spec(struct Spec* spec) {
  const int family = spec->addr.ss_family;
  spec->fd = socket(family, (spec->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
  if (spec->fd < 0) {
    fprintf(stderr, "server: socket: %s\n", strerror(errno));
    return false;
  }
  const int one = 1;
  setsockopt(spec->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET6) {
    // Explicit either way: the kernel default (bindv6only sysctl) must not
    // decide what a scenario tests.
    const int v6only = spec->v6only ? 1 : 0;
    if (setsockopt(spec->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0) {
      fprintf(stderr, "server: IPV6_V6ONLY: %s\n", strerror(errno));
      return false;
    }
  }
  if (bind(spec->fd, (const struct sockaddr*)&spec->addr, spec->addr_len) != 0) {
    fprintf(stderr, "server: bind %s:%s:%u: %s\n", spec->udp ? "udp" : "tcp", spec->address,
            spec->port, strerror(errno));
    return false;
  }
  if (!spec->udp && listen(spec->fd, spec->backlog) != 0) {
    fprintf(stderr, "server: listen: %s\n", strerror(errno));
    return false;
  }
  print_listening(spec);
  return true;
}

static void greeting(char* buffer, size_t size) {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  snprintf(buffer, size, "hello from %s\n", host);
}

static void serve_tcp(int listener, const char* hello) {
  const int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) {
    return;
  }
  char reply[400];
  const int n = snprintf(reply, sizeof reply, "HTTP/1.0 200 OK\r\n\r\n%s", hello);
  // Bounded: a silent client must not stall the other listeners for long.
  const struct timeval timeout = {.tv_sec = 1, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  (void)!send(fd, reply, (size_t)n, MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
  // Drain the request until the client closes: closing with unread data
  // would send a reset, and curl would report that instead of our reply.
  char sink[512];
  while (recv(fd, sink, sizeof sink, 0) > 0) {
  }
  close(fd);
}

static void serve_udp(int fd, const char* hello) {
  char buffer[512];
  struct sockaddr_storage peer;
  socklen_t peer_len = sizeof peer;
  const ssize_t n =
      recvfrom(fd, buffer, sizeof buffer, MSG_DONTWAIT, (struct sockaddr*)&peer, &peer_len);
  if (n >= 0) {
    sendto(fd, hello, strlen(hello), 0, (const struct sockaddr*)&peer, peer_len);
  }
}

// Waits up to ms for SIGTERM/SIGINT, which are blocked. Returns true if one came.
static bool wait_for_signal(const sigset_t* stop, long ms) {
  struct timespec delay = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
  return sigtimedwait(stop, NULL, &delay) > 0;
}

int main(int argc, char** argv) {
  struct Spec specs[k_max_specs];
  size_t count = 0;
  struct Settings defaults = {.v6only = false, .no_accept = false, .backlog = 128};
  long delay_ms = 0;

  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    struct Spec* last = count > 0 ? &specs[count - 1] : NULL;
    long value = 0;
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(arg, "--v6only") == 0) {
      if (last) {
        last->v6only = true;
      } else {
        defaults.v6only = true;
      }
    } else if (strcmp(arg, "--no-accept") == 0) {
      if (last) {
        last->no_accept = true;
      } else {
        defaults.no_accept = true;
      }
    } else if (strcmp(arg, "--backlog") == 0 && i + 1 < argc &&
               parse_number(argv[i + 1], 0, 65535, &value)) {
      ++i;
      if (last) {
        last->backlog = (int)value;
      } else {
        defaults.backlog = (int)value;
      }
    } else if (strcmp(arg, "--delay-start") == 0 && i + 1 < argc &&
               parse_number(argv[i + 1], 0, 3600000, &value)) {
      ++i;
      delay_ms = value;
    } else if (arg[0] != '-' && count < k_max_specs && parse_spec(arg, &specs[count])) {
      specs[count].v6only = defaults.v6only;
      specs[count].no_accept = defaults.no_accept;
      specs[count].backlog = defaults.backlog;
      specs[count].fd = -1;
      ++count;
    } else {
      fprintf(stderr, "server: bad argument '%s'\n", arg);
      usage(stderr);
      return 2;
    }
  }
  if (count == 0) {
    usage(stderr);
    return 2;
  }

  // As PID 1 in a container, the kernel drops signals that have no handler,
  // so install one. The stop signals stay blocked except inside ppoll, so a
  // signal arriving between two loop iterations is not lost.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigprocmask(SIG_BLOCK, &stop, NULL);
  struct sigaction on_stop = {.sa_handler = note_stop};
  sigaction(SIGTERM, &on_stop, NULL);
  sigaction(SIGINT, &on_stop, NULL);

  if (delay_ms > 0 && wait_for_signal(&stop, delay_ms)) {
    return 0;
  }
  for (size_t i = 0; i < count; ++i) {
    if (!open_spec(&specs[i])) {
      return 1;
    }
  }

  char hello[300];
  greeting(hello, sizeof hello);
  struct pollfd polls[k_max_specs];
  size_t served[k_max_specs];
  nfds_t polled = 0;
  for (size_t i = 0; i < count; ++i) {
    if (!specs[i].no_accept) {
      polls[polled] = (struct pollfd){.fd = specs[i].fd, .events = POLLIN};
      served[polled] = i;
      ++polled;
    }
  }
  sigset_t none;
  sigemptyset(&none);
  while (!g_stop) {
    if (ppoll(polls, polled, NULL, &none) < 0) {
      if (errno == EINTR) {
        continue;
      }
      fprintf(stderr, "server: poll: %s\n", strerror(errno));
      return 1;
    }
    for (nfds_t p = 0; p < polled; ++p) {
      if ((polls[p].revents & POLLIN) == 0) {
        continue;
      }
      const struct Spec* spec = &specs[served[p]];
      if (spec->udp) {
        serve_udp(spec->fd, hello);
      } else {
        serve_tcp(spec->fd, hello);
      }
    }
  }
  return 0;
}
