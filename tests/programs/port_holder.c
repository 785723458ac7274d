// port_holder: how Docker 28+'s dockerd holds a published host port, for
// the Docker 28/29 twin tests (tests/e2e/lib_twin.sh). Installed as
// .../dockerd, so /proc/PID/comm reads "dockerd".
//
//   dockerd [--proxy PATH] [--backlog N] --hold SPEC [--hold SPEC]...
//           [-- PROGRAM ARGS...]
//   SPEC: tcp:HOSTIP:HOSTPORT:CONTAINERIP:CONTAINERPORT (IPv6 in brackets,
//         e.g. tcp:[::]:8080:192.0.2.2:80), or udp:... (bound, no proxy)
//
// For each SPEC, as moby's portallocator/osallocator_linux.go and
// portmappers/nat do: socket, SO_REUSEADDR (tcp), a drop-all classic BPF
// filter (SO_ATTACH_FILTER, "ret #0"), IPV6_V6ONLY=1 on IPv6, bind, and
// listen (tcp; --backlog, default -1 = somaxconn). Then:
//   - with --proxy: the filter is detached (SO_DETACH_FILTER) and PROGRAM
//     docker-proxy is started with fd 3 = a status pipe and fd 4 = the
//     socket, argv "PATH -proto P -host-ip H -host-port HP -container-ip C
//     -container-port CP -use-listen-fd" (as portmapper/proxy_linux.go
//     builds it), PR_SET_PDEATHSIG SIGTERM; once it wrote "0\n", our copy of
//     the socket is closed;
//   - without --proxy (userland-proxy: false): the socket stays ours, with
//     its filter: it listens, yet never completes a handshake.
// Prints "holding PROTO ADDR:PORT fd N" or "proxy PID PROTO ADDR:PORT" per
// SPEC, then "ready", and then either execs PROGRAM (after "--", keeping the
// held sockets open: the twin execs fake_engine, so one "dockerd" process
// serves the API and owns the ports, as the real one does) or waits for
// SIGTERM, which it passes on to its proxies.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { k_max_specs = 16 };

// <linux/filter.h>, which musl-gcc's headers lack.
struct sock_filter {
  uint16_t code;
  uint8_t jt;
  uint8_t jf;
  uint32_t k;
};
struct sock_fprog {
  unsigned short len;
  struct sock_filter* filter;
};
#define BPF_RET 0x06
#define BPF_K 0x00
#ifndef SO_ATTACH_FILTER
#define SO_ATTACH_FILTER 26
#endif
#ifndef SO_DETACH_FILTER
#define SO_DETACH_FILTER 27
#endif

struct Spec {
  bool udp;
  char host_ip[64];
  unsigned host_port;
  char container_ip[64];
  unsigned container_port;
  int fd;
  pid_t proxy;
};

static volatile sig_atomic_t g_stop = 0;

static void note_stop(int signal_number) {
  (void)signal_number;
  g_stop = 1;
}

static void note_child(int signal_number) {
  (void)signal_number;
}

static void usage(FILE* out) {
  fputs("usage: dockerd [--proxy PATH] [--backlog N] --hold "
        "tcp|udp:HOSTIP:HOSTPORT:CONTAINERIP:CONTAINERPORT... [-- PROGRAM ARGS...]\n",
        out);
}

// "[::]" or "0.0.0.0" then ":PORT"; advances *text past what it read.
static bool take_host_port(const char** text, char* ip, size_t ip_size, unsigned* port) {
  const char* p = *text;
  const char* end;
  if (*p == '[') {
    end = strchr(p, ']');
    if (!end || end[1] != ':') {
      return false;
    }
    ++p;
  } else {
    end = strchr(p, ':');
    if (!end) {
      return false;
    }
  }
  const size_t len = (size_t)(end - p);
  if (len == 0 || len >= ip_size) {
    return false;
  }
  memcpy(ip, p, len);
  ip[len] = '\0';
  p = end + (*end == ']' ? 2 : 1);
  char* after = NULL;
  const long value = strtol(p, &after, 10);
  if (after == p || value < 1 || value > 65535) {
    return false;
  }
  *port = (unsigned)value;
  *text = *after == ':' ? after + 1 : after;
  return true;
}

static bool parse_spec(const char* text, struct Spec* spec) {
  memset(spec, 0, sizeof *spec);
  spec->fd = -1;
  if (strncmp(text, "tcp:", 4) == 0) {
    spec->udp = false;
  } else if (strncmp(text, "udp:", 4) == 0) {
    spec->udp = true;
  } else {
    return false;
  }
  text += 4;
  if (!take_host_port(&text, spec->host_ip, sizeof spec->host_ip, &spec->host_port)) {
    return false;
  }
  if (!take_host_port(&text, spec->container_ip, sizeof spec->container_ip,
                      &spec->container_port)) {
    return false;
  }
  return *text == '\0';
}

static bool make_addr(const char* ip, unsigned port, struct sockaddr_storage* addr,
                      socklen_t* len) {
  memset(addr, 0, sizeof *addr);
  struct sockaddr_in* v4 = (struct sockaddr_in*)addr;
  struct sockaddr_in6* v6 = (struct sockaddr_in6*)addr;
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

static bool hold(struct Spec* spec, int backlog) {
  struct sockaddr_storage addr;
  socklen_t len = 0;
  if (!make_addr(spec->host_ip, spec->host_port, &addr, &len)) {
    fprintf(stderr, "dockerd: bad host address %s\n", spec->host_ip);
    return false;
  }
  const int fd = socket(addr.ss_family, (spec->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
                        spec->udp ? IPPROTO_UDP : IPPROTO_TCP);
  if (fd < 0) {
    fprintf(stderr, "dockerd: socket: %s\n", strerror(errno));
    return false;
  }
  const int one = 1;
  if (!spec->udp) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  // bpf.RetConstant{Val: 0}: the kernel drops every packet for this socket.
  struct sock_filter drop_all[] = {{.code = BPF_RET | BPF_K, .jt = 0, .jf = 0, .k = 0}};
  struct sock_fprog program = {.len = 1, .filter = drop_all};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
    fprintf(stderr, "dockerd: SO_ATTACH_FILTER: %s\n", strerror(errno));
    close(fd);
    return false;
  }
  if (addr.ss_family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  if (spec->udp) {
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  }
  if (bind(fd, (struct sockaddr*)&addr, len) != 0) {
    fprintf(stderr, "dockerd: failed to bind host port %s:%u/%s: %s\n", spec->host_ip,
            spec->host_port, spec->udp ? "udp" : "tcp", strerror(errno));
    close(fd);
    return false;
  }
  if (!spec->udp && listen(fd, backlog) != 0) {
    fprintf(stderr, "dockerd: listen: %s\n", strerror(errno));
    close(fd);
    return false;
  }
  spec->fd = fd;
  return true;
}

static bool start_proxy(struct Spec* spec, const char* proxy_path) {
  const int ignored = 0;  // the value is ignored, but must be an int
  if (setsockopt(spec->fd, SOL_SOCKET, SO_DETACH_FILTER, &ignored, sizeof ignored) != 0) {
    fprintf(stderr, "dockerd: SO_DETACH_FILTER: %s\n", strerror(errno));
    return false;
  }
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) {
    return false;
  }
  char host_port[16];
  char container_port[16];
  snprintf(host_port, sizeof host_port, "%u", spec->host_port);
  snprintf(container_port, sizeof container_port, "%u", spec->container_port);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    return false;
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) {
      _exit(1);
    }
    // ExtraFiles: fd 3 the status pipe, fd 4 the listening socket. Both are
    // moved out of the way first: the socket itself may well be fd 3.
    const int sock = fcntl(spec->fd, F_DUPFD, 10);
    const int pipe_fd = fcntl(status_pipe[1], F_DUPFD, 10);
    if (sock < 0 || pipe_fd < 0 || dup2(pipe_fd, 3) < 0 || dup2(sock, 4) < 0) {
      _exit(1);
    }
    close(sock);
    close(pipe_fd);
    char* argv[] = {(char*)proxy_path, "-proto", spec->udp ? "udp" : "tcp", "-host-ip",
                    spec->host_ip, "-host-port", host_port, "-container-ip",
                    spec->container_ip, "-container-port", container_port, "-use-listen-fd",
                    NULL};
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(proxy_path, argv);
    _exit(127);
  }
  close(status_pipe[1]);
  char status[256] = "";
  ssize_t got = 0;
  for (;;) {
    const ssize_t n = read(status_pipe[0], status + got, sizeof status - 1 - (size_t)got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    got += n;
  }
  close(status_pipe[0]);
  status[got] = '\0';
  if (strncmp(status, "0\n", 2) != 0) {
    fprintf(stderr, "dockerd: docker-proxy failed to start: %s\n", status);
    kill(pid, SIGTERM);
    return false;
  }
  spec->proxy = pid;
  close(spec->fd);  // dockerd closes its copy once the proxy runs
  spec->fd = -1;
  return true;
}

int main(int argc, char** argv) {
  struct Spec specs[k_max_specs];
  size_t count = 0;
  const char* proxy_path = NULL;
  int backlog = -1;
  char** program = NULL;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (strcmp(arg, "--") == 0) {
      if (i + 1 < argc) {
        program = &argv[i + 1];
      }
      break;
    } else if (strcmp(arg, "--proxy") == 0 && i + 1 < argc) {
      proxy_path = argv[++i];
    } else if (strcmp(arg, "--backlog") == 0 && i + 1 < argc) {
      backlog = atoi(argv[++i]);
    } else if (strcmp(arg, "--hold") == 0 && i + 1 < argc && count < k_max_specs &&
               parse_spec(argv[i + 1], &specs[count])) {
      ++count;
      ++i;
    } else if (strcmp(arg, "--help") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "dockerd: bad argument '%s'\n", arg);
      usage(stderr);
      return 2;
    }
  }
  struct sigaction on_stop = {.sa_handler = note_stop};
  sigaction(SIGTERM, &on_stop, NULL);
  sigaction(SIGINT, &on_stop, NULL);
  struct sigaction on_child = {.sa_handler = note_child};
  sigaction(SIGCHLD, &on_child, NULL);

  for (size_t i = 0; i < count; ++i) {
    struct Spec* spec = &specs[i];
    if (!hold(spec, backlog)) {
      return 1;
    }
    const bool v6 = strchr(spec->host_ip, ':') != NULL;
    if (proxy_path && !spec->udp) {
      if (!start_proxy(spec, proxy_path)) {
        return 1;
      }
      printf("proxy %d %s %s%s%s:%u\n", (int)spec->proxy, spec->udp ? "udp" : "tcp",
             v6 ? "[" : "", spec->host_ip, v6 ? "]" : "", spec->host_port);
    } else {
      printf("holding %s %s%s%s:%u fd %d\n", spec->udp ? "udp" : "tcp", v6 ? "[" : "",
             spec->host_ip, v6 ? "]" : "", spec->host_port, spec->fd);
    }
  }
  printf("ready\n");
  fflush(stdout);

  if (program) {
    for (size_t i = 0; i < count; ++i) {
      if (specs[i].fd >= 0) {
        fcntl(specs[i].fd, F_SETFD, 0);  // held across exec
      }
    }
    execv(program[0], program);
    fprintf(stderr, "dockerd: exec %s: %s\n", program[0], strerror(errno));
    return 127;
  }
  while (!g_stop) {
    pause();
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  }
  for (size_t i = 0; i < count; ++i) {
    if (specs[i].proxy > 0) {
      kill(specs[i].proxy, SIGTERM);
    }
  }
  return 0;
}
