// client: dials HOST PORT the way an app in a container would, and says in
// one line what happened, so a test can prove a failure is real before it
// asks whyno-port to explain it.
//
//   client [--udp] [--timeout MS] HOST PORT
//
// Prints exactly one line and exits 0 only for the first:
//   connected ADDRESS:PORT FIRST-LINE   (for an HTTP reply, its first body line)
//   empty        connected, but the peer closed without a byte (docker-proxy
//                with nothing behind it: curl's "Empty reply from server")
//   refused | reset | timeout | unresolved | unreachable
// Every address HOST resolves to is tried in order, like curl. When none
// answers, the failure that says most wins: an address that answered
// (empty, reset, refused) over one that was silent (timeout) over one that
// could not be tried (unreachable: no route, or no IPv6 in the container
// for localhost's ::1).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct Outcome {
  const char* word;  // connected, refused, ...
  char line[256];    // connected only: "ADDRESS:PORT FIRST-LINE"
};

static void usage(FILE* out) {
  fputs("usage: client [--udp] [--timeout MS] HOST PORT\n"
        "prints one of: connected ADDRESS:PORT LINE | empty | refused | reset | timeout |\n"
        "               unresolved | unreachable; exit 0 only for connected\n",
        out);
}

static const char* word_for_errno(int error) {
  switch (error) {
    case ECONNREFUSED:
      return "refused";
    case ECONNRESET:
    case EPIPE:
      return "reset";
    case ETIMEDOUT:
    case EAGAIN:
      return "timeout";
    default:
      return "unreachable";  // EHOSTUNREACH, ENETUNREACH, EACCES (rejected), ...
  }
}

static long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

// Waits for events on fd until deadline; returns revents, 0 on timeout.
static short wait_for(int fd, short events, long deadline) {
  for (;;) {
    const long left = deadline - now_ms();
    if (left <= 0) {
      return 0;
    }
    struct pollfd p = {.fd = fd, .events = events};
    const int n = poll(&p, 1, (int)left);
    if (n > 0) {
      return p.revents;
    }
    if (n == 0 || errno != EINTR) {
      return 0;
    }
  }
}

static void format_address(const struct sockaddr* sa, char* out, size_t size) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6* v6 = (const struct sockaddr_in6*)sa;
    inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
    port = ntohs(v6->sin6_port);
    snprintf(out, size, "[%s]:%u", host, port);
  } else {
    const struct sockaddr_in* v4 = (const struct sockaddr_in*)sa;
    inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
    port = ntohs(v4->sin_port);
    snprintf(out, size, "%s:%u", host, port);
  }
}

// The line to show from a reply: an HTTP reply's first body line says who
// answered ("hello from HOSTNAME"), its status line would not.
static void reply_line(char* reply, char* out, size_t size) {
  const char* text = reply;
  if (strncmp(reply, "HTTP/", 5) == 0) {
    const char* body = strstr(reply, "\r\n\r\n");
    if (body != NULL && body[4] != '\0') {
      text = body + 4;
    }
  }
  const size_t len = strcspn(text, "\r\n");
  snprintf(out, size, "%.*s", (int)len, text);
}

static bool has_first_line(const char* reply) {
  if (strncmp(reply, "HTTP/", 5) != 0) {
    return strchr(reply, '\n') != NULL;
  }
  const char* body = strstr(reply, "\r\n\r\n");
  return body != NULL && strchr(body + 4, '\n') != NULL;
}

// Reads until a full line arrived, EOF, an error or the deadline.
static void read_reply(int fd, bool udp, long deadline, const char* address, struct Outcome* o) {
  char reply[2048];
  size_t used = 0;
  const char* silence = "timeout";  // what an answer without a byte means
  for (;;) {
    if (wait_for(fd, POLLIN, deadline) == 0) {
      break;
    }
    const ssize_t n = recv(fd, reply + used, sizeof reply - 1 - used, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        continue;
      }
      if (used == 0) {
        o->word = word_for_errno(errno);
        return;
      }
      break;
    }
    if (n == 0) {
      silence = "empty";
      break;
    }
    used += (size_t)n;
    reply[used] = '\0';
    if (used == sizeof reply - 1) {
      break;
    }
    // A datagram is a whole reply; a stream has to show its first line.
    if (udp || has_first_line(reply)) {
      break;
    }
  }
  if (used == 0) {
    o->word = silence;
    return;
  }
  char line[200];
  reply_line(reply, line, sizeof line);
  o->word = "connected";
  snprintf(o->line, sizeof o->line, "%s %s", address, line);
}

static void try_address(const struct addrinfo* ai, bool udp, const char* host, long timeout_ms,
                        struct Outcome* o) {
  const long deadline = now_ms() + timeout_ms;
  const int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                        ai->ai_protocol);
  if (fd < 0) {
    o->word = "unreachable";
    return;
  }
  char address[INET6_ADDRSTRLEN + 10];
  format_address(ai->ai_addr, address, sizeof address);
  // A connected UDP socket reports the ICMP port unreachable as ECONNREFUSED.
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    o->word = word_for_errno(errno);
    close(fd);
    return;
  }
  if (!udp) {
    if (wait_for(fd, POLLOUT, deadline) == 0) {
      o->word = "timeout";
      close(fd);
      return;
    }
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) {
      o->word = word_for_errno(error);
      close(fd);
      return;
    }
  }
  char request[300];
  const int n = udp ? snprintf(request, sizeof request, "ping\n")
                    : snprintf(request, sizeof request, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host);
  if (send(fd, request, (size_t)n, MSG_NOSIGNAL) < 0) {
    o->word = word_for_errno(errno);
    close(fd);
    return;
  }
  read_reply(fd, udp, deadline, address, o);
  close(fd);
}

// Lower is more telling; see the header comment.
static int rank(const char* word) {
  static const char* const k_order[] = {"connected", "empty", "reset", "refused", "timeout"};
  for (size_t i = 0; i < sizeof k_order / sizeof k_order[0]; ++i) {
    if (strcmp(word, k_order[i]) == 0) {
      return (int)i;
    }
  }
  return 99;
}

int main(int argc, char** argv) {
  bool udp = false;
  long timeout_ms = 3000;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; ++i) {
    if (strcmp(argv[i], "--udp") == 0) {
      udp = true;
    } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
      char* end = NULL;
      timeout_ms = strtol(argv[++i], &end, 10);
      if (*end != '\0' || timeout_ms <= 0 || timeout_ms > 600000) {
        usage(stderr);
        return 2;
      }
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (argc - i != 2) {
    usage(stderr);
    return 2;
  }
  const char* host = argv[i];
  const char* port = argv[i + 1];

  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM};
  struct addrinfo* found = NULL;
  if (getaddrinfo(host, port, &hints, &found) != 0 || found == NULL) {
    puts("unresolved");
    return 1;
  }
  struct Outcome o = {.word = "unreachable"};
  for (const struct addrinfo* ai = found; ai != NULL && strcmp(o.word, "connected") != 0;
       ai = ai->ai_next) {
    struct Outcome attempt = {.word = "unreachable"};
    try_address(ai, udp, host, timeout_ms, &attempt);
    if (rank(attempt.word) < rank(o.word)) {
      o = attempt;
    }
  }
  freeaddrinfo(found);
  if (strcmp(o.word, "connected") == 0) {
    printf("connected %s\n", o.line);
    return 0;
  }
  puts(o.word);
  return 1;
}
