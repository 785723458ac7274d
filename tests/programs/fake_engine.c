// fake_engine: a Docker Engine API stand-in for the Docker 28/29 twin tests
// (tests/e2e/lib_twin.sh). A small poll()-based HTTP/1.1 server on a unix
// socket that answers GET/HEAD requests from files in a directory.
//
//   fake_engine -H unix:///path/docker.sock --answers DIR
//               [--api-version 1.52] [--min-api-version 1.44]
//
// It is installed as .../dockerd so that /proc/PID/comm reads "dockerd", and
// port_holder (tests/programs/port_holder.c) may exec it after taking the
// published ports, so that one process both serves the API and holds them,
// as dockerd does.
//
// Requests:
//   - "/vX.Y" is stripped from the path. X.Y above --api-version answers 400
//     "client version X.Y is too new...", below --min-api-version 400 "...is
//     too old...", as dockerd does. Unversioned paths get --api-version.
//   - The rest maps to a file name ("key"): the path without its leading "/",
//     each "/" as "_", then, when there is a query, "__" and the query with
//     every byte outside [A-Za-z0-9._-] as "_":
//       /containers/json?all=1     -> containers_json__all_1
//       /containers/ID/json        -> containers_ID_json
//       /networks, /info, /version -> networks, info, version
//     A key with a query that has no file falls back to the key without it.
//   - The body is DIR/KEY.json. DIR/KEY@X.Y.json, if present, replaces it
//     for requests of API X.Y or later (the highest such X.Y wins): e.g.
//     info@1.49.json carries FirewallBackend, which /info has from 1.49.
//   - DIR/KEY.status (a number) overrides the status 200.
//   - DIR/_headers: header lines sent with every answer (Api-Version, Server,
//     Docker-Experimental, Ostype, as dockerd's middleware adds them).
//   - /_ping: DIR/_ping.headers adds its own lines; the body is "OK".
//   - No file: 404 {"message":"No such container: ID"} for /containers/ID/...,
//     {"message":"page not found"} otherwise.
// Every request is logged on stderr: "fake_engine: GET /v1.47/info -> info.json 200".
// SIGTERM/SIGINT: removes the socket and exits 0.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum { k_max_clients = 64, k_max_request = 65536, k_max_file = 4 << 20 };

struct Client {
  int fd;
  char* in;
  size_t in_len;
  char* out;
  size_t out_len;
  size_t out_off;
  bool close_after;
};

struct Version {
  unsigned major;
  unsigned minor;
};

static volatile sig_atomic_t g_stop = 0;
static const char* g_dir = NULL;
static struct Version g_max = {1, 52};
static struct Version g_min = {1, 44};

static void note_stop(int signal_number) {
  (void)signal_number;
  g_stop = 1;
}

static void usage(FILE* out) {
  fputs("usage: fake_engine -H unix:///PATH --answers DIR [--api-version X.Y] "
        "[--min-api-version X.Y]\n",
        out);
}

static bool parse_version(const char* text, size_t len, struct Version* version) {
  unsigned major = 0;
  unsigned minor = 0;
  size_t i = 0;
  size_t digits = 0;
  while (i < len && text[i] >= '0' && text[i] <= '9' && digits < 5) {
    major = major * 10 + (unsigned)(text[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || i >= len || text[i] != '.') {
    return false;
  }
  ++i;
  digits = 0;
  while (i < len && text[i] >= '0' && text[i] <= '9' && digits < 5) {
    minor = minor * 10 + (unsigned)(text[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || i != len) {
    return false;
  }
  version->major = major;
  version->minor = minor;
  return true;
}

static int compare_versions(struct Version a, struct Version b) {
  if (a.major != b.major) {
    return a.major < b.major ? -1 : 1;
  }
  if (a.minor != b.minor) {
    return a.minor < b.minor ? -1 : 1;
  }
  return 0;
}

// Reads a whole file; NULL if missing or unreadable. *len gets the size.
static char* read_file(const char* path, size_t* len) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return NULL;
  }
  size_t cap = 4096;
  size_t used = 0;
  char* data = malloc(cap + 1);
  if (!data) {
    close(fd);
    return NULL;
  }
  for (;;) {
    if (used == cap) {
      if (cap >= k_max_file) {
        break;
      }
      cap *= 2;
      char* bigger = realloc(data, cap + 1);
      if (!bigger) {
        free(data);
        close(fd);
        return NULL;
      }
      data = bigger;
    }
    const ssize_t n = read(fd, data + used, cap - used);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    used += (size_t)n;
  }
  close(fd);
  data[used] = '\0';
  *len = used;
  return data;
}

static bool append(struct Client* client, const char* data, size_t len) {
  char* bigger = realloc(client->out, client->out_len + len);
  if (!bigger) {
    return false;
  }
  client->out = bigger;
  memcpy(client->out + client->out_len, data, len);
  client->out_len += len;
  return true;
}

static const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 500: return "Internal Server Error";
    default: return "Unknown";
  }
}

// Header lines from a file, each normalised to end in CRLF.
static void append_header_file(struct Client* client, const char* name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  size_t len = 0;
  char* text = read_file(path, &len);
  if (!text) {
    return;
  }
  char* line = text;
  while (*line) {
    char* end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    size_t content = n;
    if (content > 0 && line[content - 1] == '\r') {
      --content;
    }
    if (content > 0) {
      append(client, line, content);
      append(client, "\r\n", 2);
    }
    if (!end) {
      break;
    }
    line = end + 1;
  }
  free(text);
}

static void respond(struct Client* client, bool head, int status, const char* content_type,
                    const char* extra_headers_file, const char* body, size_t body_len) {
  char line[512];
  int n = snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", status, reason(status));
  append(client, line, (size_t)n);
  append_header_file(client, "_headers");
  if (extra_headers_file) {
    append_header_file(client, extra_headers_file);
  }
  char date[64];
  const time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  n = snprintf(line, sizeof line, "Content-Type: %s\r\nDate: %s\r\nContent-Length: %zu\r\n%s\r\n",
               content_type, date, body_len, client->close_after ? "Connection: close\r\n" : "");
  append(client, line, (size_t)n);
  if (!head) {
    append(client, body, body_len);
  }
}

static void respond_message(struct Client* client, bool head, int status, const char* message) {
  char body[1024];
  const int n = snprintf(body, sizeof body, "{\"message\":\"%s\"}\n", message);
  respond(client, head, status, "application/json", NULL, body, (size_t)n);
}

// path+query -> key, as described at the top.
static void make_key(const char* path, size_t path_len, const char* query, size_t query_len,
                     char* key, size_t size) {
  size_t k = 0;
  for (size_t i = 0; i < path_len && k + 1 < size; ++i) {
    if (i == 0 && path[i] == '/') {
      continue;
    }
    key[k++] = path[i] == '/' ? '_' : path[i];
  }
  if (query && query_len > 0 && k + 3 < size) {
    key[k++] = '_';
    key[k++] = '_';
    for (size_t i = 0; i < query_len && k + 1 < size; ++i) {
      const char c = query[i];
      const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      key[k++] = plain ? c : '_';
    }
  }
  key[k] = '\0';
}

static bool safe_key(const char* key) {
  if (key[0] == '\0' || key[0] == '.' || strstr(key, "..")) {
    return false;
  }
  for (const char* p = key; *p; ++p) {
    if (*p == '/' || *p == '\\') {
      return false;
    }
  }
  return true;
}

// The file for key at version: KEY@X.Y.json with the highest X.Y <= version,
// else KEY.json. Writes its name into name; false if none exists.
static bool pick_file(const char* key, struct Version version, char* name, size_t size) {
  char path[4096];
  bool found = false;
  struct Version best = {0, 0};
  DIR* dir = opendir(g_dir);
  if (dir) {
    const size_t key_len = strlen(key);
    struct dirent* entry;
    while ((entry = readdir(dir)) != NULL) {
      const char* file = entry->d_name;
      const size_t len = strlen(file);
      if (len <= key_len + 6 || strncmp(file, key, key_len) != 0 || file[key_len] != '@' ||
          strcmp(file + len - 5, ".json") != 0) {
        continue;
      }
      struct Version v;
      if (!parse_version(file + key_len + 1, len - key_len - 6, &v)) {
        continue;
      }
      if (compare_versions(v, version) <= 0 && (!found || compare_versions(v, best) > 0)) {
        best = v;
        found = true;
        snprintf(name, size, "%s", file);
      }
    }
    closedir(dir);
  }
  if (found) {
    return true;
  }
  snprintf(name, size, "%s.json", key);
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  return access(path, R_OK) == 0;
}

static int status_for(const char* key) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.status", g_dir, key);
  size_t len = 0;
  char* text = read_file(path, &len);
  if (!text) {
    return 200;
  }
  const int status = atoi(text);
  free(text);
  return status >= 100 && status <= 599 ? status : 200;
}

static void handle_request(struct Client* client, const char* method, const char* target,
                           size_t target_len) {
  const bool head = strcmp(method, "HEAD") == 0;
  const char* query = memchr(target, '?', target_len);
  size_t path_len = query ? (size_t)(query - target) : target_len;
  size_t query_len = query ? target_len - path_len - 1 : 0;
  if (query) {
    ++query;
  }
  const char* path = target;
  struct Version version = g_max;
  char shown[600];
  snprintf(shown, sizeof shown, "%.*s", (int)target_len, target);

  if (strcmp(method, "GET") != 0 && !head) {
    fprintf(stderr, "fake_engine: %s %s -> 405\n", method, shown);
    respond_message(client, head, 405, "this fake engine only answers GET and HEAD");
    return;
  }
  // "/v1.47/..." -> version 1.47, path "/...".
  if (path_len > 2 && path[0] == '/' && path[1] == 'v') {
    const char* slash = memchr(path + 1, '/', path_len - 1);
    const size_t vlen = slash ? (size_t)(slash - path - 2) : path_len - 2;
    struct Version asked;
    if (parse_version(path + 2, vlen, &asked)) {
      char message[256];
      if (compare_versions(asked, g_max) > 0) {
        snprintf(message, sizeof message,
                 "client version %u.%u is too new. Maximum supported API version is %u.%u",
                 asked.major, asked.minor, g_max.major, g_max.minor);
        fprintf(stderr, "fake_engine: %s %s -> 400 (too new)\n", method, shown);
        respond_message(client, head, 400, message);
        return;
      }
      if (compare_versions(asked, g_min) < 0) {
        snprintf(message, sizeof message,
                 "client version %u.%u is too old. Minimum supported API version is %u.%u, "
                 "please upgrade your client to a newer version",
                 asked.major, asked.minor, g_min.major, g_min.minor);
        fprintf(stderr, "fake_engine: %s %s -> 400 (too old)\n", method, shown);
        respond_message(client, head, 400, message);
        return;
      }
      version = asked;
      path += 2 + vlen;
      path_len -= 2 + vlen;
    }
  }
  if (path_len == 6 && memcmp(path, "/_ping", 6) == 0) {
    fprintf(stderr, "fake_engine: %s %s -> _ping 200\n", method, shown);
    respond(client, head, 200, "text/plain; charset=utf-8", "_ping.headers", "OK", 2);
    return;
  }

  char key[1024];
  char name[1200];
  make_key(path, path_len, query, query_len, key, sizeof key);
  bool found = safe_key(key) && pick_file(key, version, name, sizeof name);
  if (!found && query) {
    make_key(path, path_len, NULL, 0, key, sizeof key);
    found = safe_key(key) && pick_file(key, version, name, sizeof name);
  }
  if (!found) {
    char message[700];
    if (path_len > 12 && memcmp(path, "/containers/", 12) == 0 &&
        memcmp(path + 12, "json", path_len - 12 < 4 ? path_len - 12 : 4) != 0) {
      const char* id = path + 12;
      const char* end = memchr(id, '/', path_len - 12);
      const int id_len = end ? (int)(end - id) : (int)(path_len - 12);
      snprintf(message, sizeof message, "No such container: %.*s", id_len, id);
    } else {
      snprintf(message, sizeof message, "page not found");
    }
    fprintf(stderr, "fake_engine: %s %s -> 404\n", method, shown);
    respond_message(client, head, 404, message);
    return;
  }
  char file[4096];
  snprintf(file, sizeof file, "%s/%s", g_dir, name);
  size_t len = 0;
  char* body = read_file(file, &len);
  if (!body) {
    fprintf(stderr, "fake_engine: %s %s -> %s unreadable, 500\n", method, shown, name);
    respond_message(client, head, 500, "answer file unreadable");
    return;
  }
  const int status = status_for(key);
  fprintf(stderr, "fake_engine: %s %s -> %s %d\n", method, shown, name, status);
  respond(client, head, status, "application/json", NULL, body, len);
  free(body);
}

static bool header_is(const char* line, size_t len, const char* name, const char* value) {
  const size_t name_len = strlen(name);
  if (len <= name_len || strncasecmp(line, name, name_len) != 0 || line[name_len] != ':') {
    return false;
  }
  const char* v = line + name_len + 1;
  size_t v_len = len - name_len - 1;
  while (v_len > 0 && (*v == ' ' || *v == '\t')) {
    ++v;
    --v_len;
  }
  return v_len >= strlen(value) && strncasecmp(v, value, strlen(value)) == 0;
}

// Handles every complete request in the input buffer. False: drop the client.
static bool process_input(struct Client* client) {
  for (;;) {
    if (client->close_after) {
      client->in_len = 0;
      return true;
    }
    char* end = memmem(client->in, client->in_len, "\r\n\r\n", 4);
    if (!end) {
      return client->in_len < k_max_request;
    }
    const size_t header_len = (size_t)(end - client->in) + 4;
    char* line_end = memmem(client->in, header_len, "\r\n", 2);
    const size_t line_len = (size_t)(line_end - client->in);
    char request_line[4096];
    if (line_len >= sizeof request_line) {
      return false;
    }
    memcpy(request_line, client->in, line_len);
    request_line[line_len] = '\0';
    char* method = request_line;
    char* target = strchr(method, ' ');
    if (!target) {
      return false;
    }
    *target++ = '\0';
    char* proto = strchr(target, ' ');
    if (!proto) {
      return false;
    }
    *proto++ = '\0';
    bool keep_alive = strcmp(proto, "HTTP/1.1") == 0;
    size_t content_length = 0;
    // Headers: Connection and Content-Length matter; the rest is ignored.
    char* line = line_end + 2;
    while (line < client->in + header_len - 2) {
      char* next = memmem(line, (size_t)(client->in + header_len - line), "\r\n", 2);
      const size_t len = (size_t)(next - line);
      if (header_is(line, len, "Connection", "close")) {
        keep_alive = false;
      } else if (header_is(line, len, "Connection", "keep-alive")) {
        keep_alive = true;
      } else if (len > 15 && strncasecmp(line, "Content-Length:", 15) == 0) {
        content_length = (size_t)strtoul(line + 15, NULL, 10);
      }
      line = next + 2;
    }
    if (client->in_len < header_len + content_length) {
      return header_len + content_length < k_max_request;
    }
    client->close_after = !keep_alive;
    handle_request(client, method, target, strlen(target));
    const size_t used = header_len + content_length;
    memmove(client->in, client->in + used, client->in_len - used);
    client->in_len -= used;
  }
}

static int listen_unix(const char* path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    fprintf(stderr, "fake_engine: socket: %s\n", strerror(errno));
    return -1;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    fprintf(stderr, "fake_engine: socket path too long: %s\n", path);
    close(fd);
    return -1;
  }
  strcpy(addr.sun_path, path);
  unlink(path);
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
    fprintf(stderr, "fake_engine: bind/listen %s: %s\n", path, strerror(errno));
    close(fd);
    return -1;
  }
  chmod(path, 0660);
  return fd;
}

static void drop_client(struct Client* client) {
  close(client->fd);
  free(client->in);
  free(client->out);
  memset(client, 0, sizeof *client);
  client->fd = -1;
}

int main(int argc, char** argv) {
  const char* socket_path = NULL;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : NULL;
    if ((strcmp(arg, "-H") == 0 || strcmp(arg, "--host") == 0) && value) {
      if (strncmp(value, "unix://", 7) != 0) {
        fprintf(stderr, "fake_engine: -H takes unix:///PATH\n");
        return 2;
      }
      socket_path = value + 7;
      ++i;
    } else if (strcmp(arg, "--answers") == 0 && value) {
      g_dir = value;
      ++i;
    } else if (strcmp(arg, "--api-version") == 0 && value &&
               parse_version(value, strlen(value), &g_max)) {
      ++i;
    } else if (strcmp(arg, "--min-api-version") == 0 && value &&
               parse_version(value, strlen(value), &g_min)) {
      ++i;
    } else if (strcmp(arg, "--help") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "fake_engine: bad argument '%s'\n", arg);
      usage(stderr);
      return 2;
    }
  }
  if (!socket_path || !g_dir) {
    usage(stderr);
    return 2;
  }
  struct sigaction on_stop = {.sa_handler = note_stop};
  sigaction(SIGTERM, &on_stop, NULL);
  sigaction(SIGINT, &on_stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  // docker-proxy children (started by port_holder before it exec'd us) are
  // reaped automatically.
  signal(SIGCHLD, SIG_IGN);

  const int listener = listen_unix(socket_path);
  if (listener < 0) {
    return 1;
  }
  printf("serving %s from %s (API %u.%u, min %u.%u)\n", socket_path, g_dir, g_max.major,
         g_max.minor, g_min.major, g_min.minor);
  fflush(stdout);

  struct Client clients[k_max_clients];
  for (int i = 0; i < k_max_clients; ++i) {
    memset(&clients[i], 0, sizeof clients[i]);
    clients[i].fd = -1;
  }
  struct pollfd polls[k_max_clients + 1];
  int owner[k_max_clients + 1];
  while (!g_stop) {
    nfds_t n = 0;
    polls[n] = (struct pollfd){.fd = listener, .events = POLLIN};
    owner[n++] = -1;
    for (int i = 0; i < k_max_clients; ++i) {
      if (clients[i].fd < 0) {
        continue;
      }
      short events = POLLIN;
      if (clients[i].out_off < clients[i].out_len) {
        events |= POLLOUT;
      }
      polls[n] = (struct pollfd){.fd = clients[i].fd, .events = events};
      owner[n++] = i;
    }
    if (poll(polls, n, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      fprintf(stderr, "fake_engine: poll: %s\n", strerror(errno));
      break;
    }
    for (nfds_t p = 0; p < n; ++p) {
      if (polls[p].revents == 0) {
        continue;
      }
      if (owner[p] < 0) {
        const int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
          continue;
        }
        int slot = -1;
        for (int i = 0; i < k_max_clients; ++i) {
          if (clients[i].fd < 0) {
            slot = i;
            break;
          }
        }
        if (slot < 0) {
          close(fd);
          continue;
        }
        clients[slot].fd = fd;
        clients[slot].in = malloc(k_max_request);
        if (!clients[slot].in) {
          drop_client(&clients[slot]);
        }
        continue;
      }
      struct Client* client = &clients[owner[p]];
      if (polls[p].revents & POLLIN) {
        const ssize_t got = read(client->fd, client->in + client->in_len,
                                 k_max_request - client->in_len);
        if (got <= 0) {
          if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
          }
          drop_client(client);
          continue;
        }
        client->in_len += (size_t)got;
        if (!process_input(client)) {
          drop_client(client);
          continue;
        }
      } else if (polls[p].revents & (POLLERR | POLLHUP | POLLNVAL)) {
        drop_client(client);
        continue;
      }
      while (client->out_off < client->out_len) {
        const ssize_t sent = send(client->fd, client->out + client->out_off,
                                  client->out_len - client->out_off, MSG_NOSIGNAL);
        if (sent <= 0) {
          if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
          }
          drop_client(client);
          break;
        }
        client->out_off += (size_t)sent;
      }
      if (client->fd >= 0 && client->out_off == client->out_len) {
        free(client->out);
        client->out = NULL;
        client->out_len = client->out_off = 0;
        if (client->close_after) {
          drop_client(client);
        }
      }
    }
  }
  unlink(socket_path);
  return 0;
}
