// fake_docker_proxy: Docker 28+'s userland proxy (cmd/docker-proxy) for the
// Docker 28/29 twin tests (tests/e2e/lib_twin.sh). Installed as
// .../docker-proxy, so /proc/PID/comm reads "docker-proxy", and started by
// port_holder ("dockerd") with exactly dockerd's argv:
//
//   docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080
//                -container-ip 192.0.2.2 -container-port 80 -use-listen-fd
//
// As in moby's cmd/docker-proxy/main_linux.go: fd 3 is a status pipe to the
// parent ("0\n" once started, "1\n<error>" otherwise); with -use-listen-fd,
// fd 4 is the listening socket dockerd bound (its drop-all filter already
// detached), else the proxy binds -host-ip:-host-port itself. Flags take Go's
// forms: -flag value, -flag=value, --flag. Only tcp is proxied.
//
// Each accepted connection is relayed to -container-ip:-container-port from
// one poll() loop (one process, as the Go proxy is). SIGTERM exits 0.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { k_max_pairs = 128, k_buffer = 16384, k_status_fd = 3, k_listen_fd = 4 };

struct Half {
  char data[k_buffer];
  size_t len;
  size_t off;
  bool eof;       // the reading side is done
  bool shut;      // we shut the writing side down
};

struct Pair {
  int client;
  int upstream;
  bool connecting;
  struct Half to_upstream;  // client -> container
  struct Half to_client;    // container -> client
};

static volatile sig_atomic_t g_stop = 0;

static void note_stop(int signal_number) {
  (void)signal_number;
  g_stop = 1;
}

static void report(const char* status) {
  if (fcntl(k_status_fd, F_GETFD) < 0) {
    return;
  }
  (void)!write(k_status_fd, status, strlen(status));
  close(k_status_fd);
}

static void fail_start(const char* message) {
  char text[512];
  snprintf(text, sizeof text, "1\n%s", message);
  fprintf(stderr, "docker-proxy: %s\n", message);
  report(text);
  exit(1);
}

static bool parse_addr(const char* ip, long port, struct sockaddr_storage* addr, socklen_t* len) {
  memset(addr, 0, sizeof *addr);
  struct sockaddr_in* v4 = (struct sockaddr_in*)addr;
  struct sockaddr_in6* v6 = (struct sockaddr_in6*)addr;
  if (port < 0 || port > 65535) {
    return false;
  }
  if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    *len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    *len = sizeof *v6;
    return true;
  }
  return false;
}

// Go's flag package: "-name value", "-name=value", "--name value".
static const char* flag_value(int argc, char** argv, int* i, const char* name) {
  const char* arg = argv[*i];
  if (arg[0] != '-') {
    return NULL;
  }
  arg += arg[1] == '-' ? 2 : 1;
  const size_t len = strlen(name);
  if (strncmp(arg, name, len) != 0) {
    return NULL;
  }
  if (arg[len] == '=') {
    return arg + len + 1;
  }
  if (arg[len] == '\0' && *i + 1 < argc) {
    ++*i;
    return argv[*i];
  }
  return NULL;
}

static bool flag_bool(const char* arg, const char* name) {
  if (arg[0] != '-') {
    return false;
  }
  arg += arg[1] == '-' ? 2 : 1;
  const size_t len = strlen(name);
  return strncmp(arg, name, len) == 0 && (arg[len] == '\0' || strcmp(arg + len, "=true") == 0);
}

static void set_nonblock(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static void close_pair(struct Pair* pair) {
  if (pair->client >= 0) {
    close(pair->client);
  }
  if (pair->upstream >= 0) {
    close(pair->upstream);
  }
  memset(pair, 0, sizeof *pair);
  pair->client = -1;
  pair->upstream = -1;
}

// Moves bytes from `from` into half, and from half to `to`. False on error.
static bool pump(int from, int to, struct Half* half, short from_events, short to_events) {
  if (!half->eof && half->len == 0 && (from_events & (POLLIN | POLLHUP | POLLERR))) {
    const ssize_t n = recv(from, half->data, sizeof half->data, 0);
    if (n > 0) {
      half->len = (size_t)n;
      half->off = 0;
    } else if (n == 0) {
      half->eof = true;
    } else if (errno != EAGAIN && errno != EINTR) {
      return false;
    }
  }
  (void)to_events;
  while (half->off < half->len) {
    const ssize_t n = send(to, half->data + half->off, half->len - half->off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) {
        break;
      }
      return false;
    }
    half->off += (size_t)n;
  }
  if (half->off == half->len) {
    half->len = half->off = 0;
    if (half->eof && !half->shut) {
      shutdown(to, SHUT_WR);
      half->shut = true;
    }
  }
  return true;
}

int main(int argc, char** argv) {
  const char* proto = "tcp";
  const char* host_ip = "0.0.0.0";
  const char* container_ip = "0.0.0.0";
  long host_port = -1;
  long container_port = -1;
  bool use_listen_fd = false;
  for (int i = 1; i < argc; ++i) {
    const char* value;
    if ((value = flag_value(argc, argv, &i, "proto"))) {
      proto = value;
    } else if ((value = flag_value(argc, argv, &i, "host-ip"))) {
      host_ip = value;
    } else if ((value = flag_value(argc, argv, &i, "host-port"))) {
      host_port = strtol(value, NULL, 10);
    } else if ((value = flag_value(argc, argv, &i, "container-ip"))) {
      container_ip = value;
    } else if ((value = flag_value(argc, argv, &i, "container-port"))) {
      container_port = strtol(value, NULL, 10);
    } else if (flag_bool(argv[i], "use-listen-fd")) {
      use_listen_fd = true;
    } else if (flag_bool(argv[i], "v") || flag_bool(argv[i], "version")) {
      printf("docker-proxy (commit whyno-twin) version fake\n");
      return 0;
    } else {
      fail_start("flag provided but not defined");
    }
  }
  if (strcmp(proto, "tcp") != 0) {
    fail_start("this fake docker-proxy proxies tcp only");
  }
  struct sockaddr_storage target;
  socklen_t target_len = 0;
  if (!parse_addr(container_ip, container_port, &target, &target_len)) {
    fail_start("bad -container-ip or -container-port");
  }

  int listener = -1;
  if (use_listen_fd) {
    if (fcntl(k_listen_fd, F_GETFD) < 0) {
      fail_start("-use-listen-fd given, but fd 4 is not open");
    }
    // Go's net.FileListener dups the fd; the original is closed.
    listener = fcntl(k_listen_fd, F_DUPFD_CLOEXEC, 5);
    close(k_listen_fd);
  } else {
    struct sockaddr_storage host;
    socklen_t host_len = 0;
    if (!parse_addr(host_ip, host_port, &host, &host_len)) {
      fail_start("bad -host-ip or -host-port");
    }
    listener = socket(host.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (host.ss_family == AF_INET6) {
      setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (bind(listener, (struct sockaddr*)&host, host_len) != 0 || listen(listener, 4096) != 0) {
      char message[256];
      snprintf(message, sizeof message, "failed to listen on %s:%ld: %s", host_ip, host_port,
               strerror(errno));
      fail_start(message);
    }
  }
  if (listener < 0) {
    fail_start("no listening socket");
  }
  set_nonblock(listener);

  struct sigaction on_stop = {.sa_handler = note_stop};
  sigaction(SIGTERM, &on_stop, NULL);
  sigaction(SIGINT, &on_stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  report("0\n");

  static struct Pair pairs[k_max_pairs];
  for (int i = 0; i < k_max_pairs; ++i) {
    pairs[i].client = pairs[i].upstream = -1;
  }
  struct pollfd polls[1 + 2 * k_max_pairs];
  int owner[1 + 2 * k_max_pairs];
  while (!g_stop) {
    nfds_t n = 0;
    polls[n] = (struct pollfd){.fd = listener, .events = POLLIN};
    owner[n++] = -1;
    for (int i = 0; i < k_max_pairs; ++i) {
      struct Pair* pair = &pairs[i];
      if (pair->client < 0) {
        continue;
      }
      short client_events = 0;
      short upstream_events = 0;
      if (pair->connecting) {
        upstream_events = POLLOUT;
      } else {
        if (!pair->to_upstream.eof && pair->to_upstream.len == 0) client_events |= POLLIN;
        if (pair->to_upstream.len > 0) upstream_events |= POLLOUT;
        if (!pair->to_client.eof && pair->to_client.len == 0) upstream_events |= POLLIN;
        if (pair->to_client.len > 0) client_events |= POLLOUT;
      }
      polls[n] = (struct pollfd){.fd = pair->client, .events = client_events};
      owner[n++] = i;
      polls[n] = (struct pollfd){.fd = pair->upstream, .events = upstream_events};
      owner[n++] = i;
    }
    if (poll(polls, n, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (polls[0].revents & POLLIN) {
      for (;;) {
        const int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
          break;
        }
        int slot = -1;
        for (int i = 0; i < k_max_pairs; ++i) {
          if (pairs[i].client < 0) {
            slot = i;
            break;
          }
        }
        const int up = slot < 0 ? -1
                                : socket(target.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
                                                               SOCK_NONBLOCK, 0);
        if (up < 0) {
          close(fd);
          continue;
        }
        struct Pair* pair = &pairs[slot];
        memset(pair, 0, sizeof *pair);
        pair->client = fd;
        pair->upstream = up;
        if (connect(up, (struct sockaddr*)&target, target_len) == 0) {
          pair->connecting = false;
        } else if (errno == EINPROGRESS) {
          pair->connecting = true;
        } else {
          close_pair(pair);
        }
      }
    }
    for (nfds_t p = 1; p + 1 < n; p += 2) {
      struct Pair* pair = &pairs[owner[p]];
      const short client_events = polls[p].revents;
      const short upstream_events = polls[p + 1].revents;
      if (pair->client < 0 || (client_events == 0 && upstream_events == 0)) {
        continue;
      }
      if (pair->connecting) {
        if (upstream_events == 0) {
          continue;
        }
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(pair->upstream, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error != 0) {
          close_pair(pair);  // as the Go proxy: the client's connection is closed
          continue;
        }
        pair->connecting = false;
        continue;
      }
      if (!pump(pair->client, pair->upstream, &pair->to_upstream, client_events,
                upstream_events) ||
          !pump(pair->upstream, pair->client, &pair->to_client, upstream_events,
                client_events)) {
        close_pair(pair);
        continue;
      }
      if (pair->to_upstream.shut && pair->to_client.shut) {
        close_pair(pair);
      }
    }
  }
  return 0;
}
