// hostile_engine: a fake Docker Engine API on a unix socket that misbehaves
// on purpose, for tests/e2e/hostile_engine.sh.
//
//   hostile_engine SOCKET MODE DATADIR
//
// DATADIR holds the bodies of a well-behaved engine (prepared by
// tests/e2e/lib_hostile.sh from tests/fixtures/engine/): containers.json,
// networks.json, version.json, info.json, and inspect/<64-hex-id>.json.
// MODE says how to spoil the conversation (see usage()). The misbehaviour is
// all here; the data in DATADIR is the same for every mode.
//
// One thread, poll(), non-blocking sockets, keep-alive, any number of
// concurrent connections. Prints "listening SOCKET" once it accepts, then one
// "request PATH" line per request (non-printable bytes as \xNN). SIGTERM or
// SIGINT: removes SOCKET and exits 0. It also ends itself after 300 s, so a
// test killed with SIGKILL cannot leave it behind for long.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

enum { k_max_conns = 128, k_in_cap = 16384, k_lifetime_s = 300 };

// huge: a 70 MiB container list, over the client's 64 MiB cap.
static const size_t k_huge_bytes = (size_t)70 << 20;
// api_huge_error: the size of the 500's JSON body.
static const size_t k_huge_error_bytes = (size_t)1 << 20;

enum Mode {
  m_ok,
  m_chunked,
  m_malformed,
  m_huge,
  m_hang_after_accept,
  m_hang_mid_body,
  m_truncated,
  m_control_names,
  m_control_names_utf8,
  m_api_1_12,
  m_api_0_0,
  m_api_garbage,
  m_api_missing,
  m_api_huge_error,
  m_bad_id,
};

static const char* const k_mode_names[] = {
    "ok",          "chunked",       "malformed",          "huge",           "hang_after_accept",
    "hang_mid_body", "truncated",   "control_names",      "control_names_utf8", "api_1_12",
    "api_0_0",     "api_garbage",   "api_missing",        "api_huge_error", "bad_id",
};

enum After { after_keep, after_close, after_stall };

struct Conn {
  int fd;
  char in[k_in_cap];
  size_t in_len;
  bool busy;     // a response is being sent
  bool stalled;  // answers nothing more; input is read and dropped
  char* out;     // head and (part of) the body
  size_t out_len;
  size_t out_sent;
  size_t gen_pos;  // huge: bytes of the generated body sent so far
  size_t gen_total;
  enum After after;
};

static volatile sig_atomic_t g_stop = 0;
static enum Mode g_mode = m_ok;
static const char* g_dir = NULL;
static struct Conn g_conns[k_max_conns];
static char g_huge_unit[1024];
static size_t g_huge_unit_len = 0;

static void note_stop(int signal_number) {
  (void)signal_number;
  g_stop = 1;
}

static void usage(FILE* out) {
  fputs("usage: hostile_engine SOCKET MODE DATADIR\n"
        "MODE (what goes wrong):\n"
        "  ok                  nothing: the recorded Docker 20.10 answers\n"
        "  chunked             every body Transfer-Encoding: chunked, in odd chunk sizes\n"
        "  malformed           the container list is not JSON\n"
        "  huge                the container list is 70 MiB of JSON, streamed\n"
        "  hang_after_accept   requests are read, never answered\n"
        "  hang_mid_body       the list sends its headers and half its body, then stalls\n"
        "  truncated           the list's Content-Length exceeds what is sent; then close\n"
        "  control_names       engine-web's Name and Image, and every State.Error, hold\n"
        "                      ESC, C1 CSI, U+202E, U+200B, OSC+BEL and a raw 0xFF byte\n"
        "  control_names_utf8  the same without the 0xFF (valid UTF-8, valid JSON)\n"
        "  api_1_12, api_0_0, api_garbage   Api-Version: 1.12, 0.0, banana\n"
        "  api_missing         no Api-Version nor Server header; /version answers 404\n"
        "  api_huge_error      the list answers HTTP 500 with a 1 MiB JSON message\n"
        "                      full of control characters\n"
        "  bad_id              the list holds the ids ../../../../etc/passwd, abc/def?x=1\n",
        out);
}

static void* xmalloc(size_t size) {
  void* p = malloc(size == 0 ? 1 : size);
  if (p == NULL) {
    fputs("hostile_engine: out of memory\n", stderr);
    exit(1);
  }
  return p;
}

// --- bodies ----------------------------------------------------------------

struct Buf {
  char* data;
  size_t len;
  size_t cap;
};

static void buf_add(struct Buf* b, const void* data, size_t len) {
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap == 0 ? 4096 : b->cap;
    while (b->len + len + 1 > cap) {
      cap *= 2;
    }
    char* grown = xmalloc(cap);
    if (b->data != NULL) {
      memcpy(grown, b->data, b->len);
      free(b->data);
    }
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
}

static void buf_str(struct Buf* b, const char* text) { buf_add(b, text, strlen(text)); }

static void buf_printf(struct Buf* b, const char* format, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct Buf* b, const char* format, ...) {
  char line[512];
  va_list args;
  va_start(args, format);
  const int n = vsnprintf(line, sizeof line, format, args);
  va_end(args);
  if (n > 0) {
    buf_add(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  }
}

// The whole file DATADIR/NAME; false when it cannot be read.
static bool read_data(const char* name, struct Buf* out) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  char chunk[65536];
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      close(fd);
      return n == 0;
    }
    buf_add(out, chunk, (size_t)n);
  }
}

// Every occurrence of FROM in B replaced by TO.
static void replace_all(struct Buf* b, const char* from, const char* to) {
  const size_t from_len = strlen(from);
  struct Buf out = {0};
  size_t i = 0;
  while (i < b->len) {
    const char* hit = memmem(b->data + i, b->len - i, from, from_len);
    if (hit == NULL) {
      break;
    }
    buf_add(&out, b->data + i, (size_t)(hit - (b->data + i)));
    buf_str(&out, to);
    i = (size_t)(hit - b->data) + from_len;
  }
  buf_add(&out, b->data + i, b->len - i);
  free(b->data);
  *b = out;
}

// Text for a JSON string (already JSON-encoded): ESC as \u001b (a raw one
// would make the JSON invalid), the rest as raw UTF-8 bytes.
static void hostile_text(struct Buf* b, const char* tag) {
  buf_str(b, tag);
  buf_str(b, "\\u001b[31mred\\u001b[0m");   // ESC sequence (SGR)
  buf_str(b, "\xc2\x9b" "2J");              // C1 CSI, U+009B: clear screen
  buf_str(b, "\xe2\x80\xae" "gpj.exe");     // U+202E RIGHT-TO-LEFT OVERRIDE
  buf_str(b, "\xe2\x80\x8b" "zw");          // U+200B ZERO WIDTH SPACE
  buf_str(b, "\\u001b]0;pwned\\u0007");     // OSC: set the terminal title
  if (g_mode == m_control_names) {
    buf_str(b, "\xff" "ff");                // not UTF-8 at all
  }
  buf_str(b, "-end");
}

// control_names*: every container's State.Error starts with hostile text
// (engine-conflict's is shown in the verdict); engine-web, which holds host
// port 8080, gets a hostile Name and Config.Image too.
static void spoil_inspect(struct Buf* body) {
  if (g_mode != m_control_names && g_mode != m_control_names_utf8) {
    return;
  }
  struct Buf error = {0};
  buf_str(&error, "\"Error\":\"");
  hostile_text(&error, "engine error ");
  buf_str(&error, " ");
  replace_all(body, "\"Error\":\"", error.data);
  free(error.data);
  if (memmem(body->data, body->len, "\"Name\":\"/engine-web\"", 20) == NULL) {
    return;
  }
  struct Buf name = {0}, image = {0};
  buf_str(&name, "\"Name\":\"/");
  hostile_text(&name, "engine-web-");
  buf_str(&name, "\"");
  buf_str(&image, "\"Image\":\"");
  hostile_text(&image, "bb-");
  buf_str(&image, "\"");
  replace_all(body, "\"Name\":\"/engine-web\"", name.data);
  replace_all(body, "\"Image\":\"bb\"", image.data);
  free(name.data);
  free(image.data);
}

static void bad_id_list(struct Buf* list) {
  // The hostile ids first, then the real list.
  struct Buf out = {0};
  buf_str(&out,
          "[{\"Id\":\"../../../../etc/passwd\",\"Names\":[\"/passwd\"],\"Image\":\"bb\","
          "\"State\":\"running\",\"Status\":\"Up 1 second\",\"Ports\":[],\"Labels\":{}},"
          "{\"Id\":\"abc/def?x=1\",\"Names\":[\"/query\"],\"Image\":\"bb\","
          "\"State\":\"running\",\"Status\":\"Up 1 second\",\"Ports\":[],\"Labels\":{}},");
  const char* open = memchr(list->data, '[', list->len);
  if (open != NULL) {
    buf_add(&out, open + 1, list->len - (size_t)(open + 1 - list->data));
  } else {
    buf_str(&out, "{}]");
  }
  free(list->data);
  *list = out;
}

static void huge_error_body(struct Buf* body) {
  static const char k_piece[] =
      "engine meltdown \\u001b[2J\\u001b[31mboom\\u001b[0m \\u009b?25l \\u202e"
      "\\u200bgnirts \\u0000\\u0007\\u007f\\t\\r\\n ";
  buf_str(body, "{\"message\":\"");
  while (body->len + sizeof k_piece + 3 < k_huge_error_bytes) {
    buf_str(body, k_piece);
  }
  buf_str(body, "end\"}\n");
}

// --- huge: the generated 70 MiB list -----------------------------------------
// "[" UNIT ("," UNIT)* SPACES "]", exactly k_huge_bytes long.

static void huge_init(void) {
  static const char k_unit[] =
      "{\"Id\":\"%064x\",\"Names\":[\"/filler\"],\"Image\":\"bb\","
      "\"ImageID\":\"sha256:734dbc393c38409753823d6a2d8ab0ca0ccda14a5c539148c5c14575b173dd77\","
      "\"Command\":\"/bin/busybox sleep 3600\",\"Created\":1795376720,\"Ports\":[],"
      "\"Labels\":{},\"State\":\"exited\",\"Status\":\"Exited (0) 5 seconds ago\","
      "\"HostConfig\":{\"NetworkMode\":\"default\"},\"NetworkSettings\":{\"Networks\":{}},"
      "\"Mounts\":[]}";
  g_huge_unit[0] = ',';
  const int n = snprintf(g_huge_unit + 1, sizeof g_huge_unit - 1, k_unit, 0xdeadu);
  g_huge_unit_len = (size_t)n + 1;  // with the leading comma
}

static size_t huge_fill(size_t pos, char* out, size_t cap) {
  const size_t period = g_huge_unit_len;
  const size_t units = (k_huge_bytes - 2) / period;  // the first drops its comma
  const size_t units_end = 1 + units * period - 1;  // "[" + units, minus one comma
  size_t n = 0;
  while (n < cap && pos < k_huge_bytes) {
    if (pos == 0) {
      out[n++] = '[';
      ++pos;
    } else if (pos == k_huge_bytes - 1) {
      out[n++] = ']';
      ++pos;
    } else if (pos < units_end) {
      const size_t offset = (pos - 1 + 1) % period;  // +1: the skipped comma
      size_t run = period - offset;
      if (run > cap - n) {
        run = cap - n;
      }
      if (run > units_end - pos) {
        run = units_end - pos;
      }
      memcpy(out + n, g_huge_unit + offset, run);
      n += run;
      pos += run;
    } else {
      out[n++] = ' ';
      ++pos;
    }
  }
  return n;
}

// --- responses -------------------------------------------------------------

static const char* api_version_header(void) {
  switch (g_mode) {
    case m_api_1_12: return "1.12";
    case m_api_0_0: return "0.0";
    case m_api_garbage: return "banana";
    case m_api_missing: return NULL;
    default: return "1.41";
  }
}

static void engine_headers(struct Buf* head) {
  const char* api = api_version_header();
  if (api != NULL) {
    buf_printf(head, "Api-Version: %s\r\n", api);
  }
  buf_str(head, "Docker-Experimental: false\r\nOstype: linux\r\n");
  if (g_mode != m_api_missing) {
    buf_str(head, "Server: Docker/20.10.24+dfsg1 (linux)\r\n");
  }
  buf_str(head, "Date: Sun, 22 Nov 2026 19:45:12 GMT\r\n");
}

static const char* reason_of(int status) {
  switch (status) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 500: return "Internal Server Error";
    default: return "Whatever";
  }
}

// Odd chunk sizes, hex in either case, an extension now and then.
static void add_chunked(struct Buf* out, const char* body, size_t len) {
  static const size_t k_sizes[] = {1, 3, 7, 2, 13, 5, 31, 17, 11, 127, 61, 4093, 9, 509};
  size_t i = 0, k = 0;
  while (i < len) {
    size_t size = k_sizes[k % (sizeof k_sizes / sizeof k_sizes[0])];
    if (size > len - i) {
      size = len - i;
    }
    buf_printf(out, k % 2 == 0 ? "%zx" : "%zX", size);
    if (k % 5 == 4) {
      buf_str(out, ";hostile=yes");
    }
    buf_str(out, "\r\n");
    buf_add(out, body + i, size);
    buf_str(out, "\r\n");
    i += size;
    ++k;
  }
  buf_str(out, "0\r\n\r\n");
}

// Queues a response on C. SEND_BODY: how much of BODY goes out (less than
// LEN for the stalling and truncating modes).
static void respond(struct Conn* c, int status, const char* type, const struct Buf* body,
                    size_t send_body, enum After after) {
  struct Buf out = {0};
  buf_printf(&out, "HTTP/1.1 %d %s\r\n", status, reason_of(status));
  engine_headers(&out);
  buf_printf(&out, "Content-Type: %s\r\n", type);
  if (g_mode == m_chunked) {
    buf_str(&out, "Transfer-Encoding: chunked\r\n\r\n");
    add_chunked(&out, body->data, body->len);
  } else {
    buf_printf(&out, "Content-Length: %zu\r\n\r\n", body->len);
    buf_add(&out, body->data, send_body);
  }
  c->out = out.data;
  c->out_len = out.len;
  c->out_sent = 0;
  c->busy = true;
  c->after = after;
}

static void respond_json(struct Conn* c, int status, struct Buf* body) {
  respond(c, status, "application/json", body, body->len, after_keep);
}

static void respond_message(struct Conn* c, int status, const char* message) {
  struct Buf body = {0};
  buf_printf(&body, "{\"message\":\"%s\"}\n", message);
  respond_json(c, status, &body);
  free(body.data);
}

static void respond_file(struct Conn* c, const char* name) {
  struct Buf body = {0};
  if (!read_data(name, &body)) {
    free(body.data);
    respond_message(c, 404, "page not found");
    return;
  }
  respond_json(c, 200, &body);
  free(body.data);
}

static void respond_list(struct Conn* c) {
  struct Buf body = {0};
  switch (g_mode) {
    case m_malformed:
      buf_str(&body, "[{\"Id\": \"abc");
      respond_json(c, 200, &body);
      break;
    case m_huge: {
      struct Buf head = {0};
      buf_str(&head, "HTTP/1.1 200 OK\r\n");
      engine_headers(&head);
      buf_printf(&head, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                 k_huge_bytes);
      c->out = head.data;
      c->out_len = head.len;
      c->out_sent = 0;
      c->gen_pos = 0;
      c->gen_total = k_huge_bytes;
      c->busy = true;
      c->after = after_keep;
      break;
    }
    case m_api_huge_error:
      huge_error_body(&body);
      respond_json(c, 500, &body);
      break;
    case m_hang_mid_body:
    case m_truncated:
      if (!read_data("containers.json", &body)) {
        respond_message(c, 500, "hostile_engine: no containers.json");
        break;
      }
      respond(c, 200, "application/json", &body, body.len / 2,
              g_mode == m_truncated ? after_close : after_stall);
      break;
    case m_bad_id:
      if (read_data("containers.json", &body)) {
        bad_id_list(&body);
        respond_json(c, 200, &body);
      } else {
        respond_message(c, 500, "hostile_engine: no containers.json");
      }
      break;
    default:
      respond_file(c, "containers.json");
      break;
  }
  free(body.data);
}

static bool is_hex_id(const char* text, size_t len) {
  if (len != 64) {
    return false;
  }
  for (size_t i = 0; i < len; ++i) {
    if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f'))) {
      return false;
    }
  }
  return true;
}

static void log_request(const char* method, const char* path) {
  printf("request %s ", method);
  for (const unsigned char* p = (const unsigned char*)path; *p != '\0'; ++p) {
    if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
      putchar(*p);
    } else {
      printf("\\x%02x", *p);
    }
  }
  putchar('\n');
  fflush(stdout);
}

static void route(struct Conn* c, const char* method, const char* path) {
  log_request(method, path);
  if (g_mode == m_hang_after_accept) {
    c->stalled = true;  // read it, never answer
    return;
  }
  if (strcmp(method, "GET") != 0) {
    respond_message(c, 405, "only GET here");
    return;
  }
  if (strcmp(path, "/_ping") == 0) {
    struct Buf body = {0};
    buf_str(&body, "OK");
    respond(c, 200, "text/plain; charset=utf-8", &body, body.len, after_keep);
    free(body.data);
    return;
  }
  // /v1.41/... or unversioned.
  const char* rest = path;
  if (rest[0] == '/' && rest[1] == 'v') {
    const char* slash = strchr(rest + 1, '/');
    rest = slash != NULL ? slash : "";
  }
  const size_t query_at = strcspn(rest, "?");
  char endpoint[2048];
  snprintf(endpoint, sizeof endpoint, "%.*s", (int)query_at, rest);

  if (strcmp(endpoint, "/containers/json") == 0) {
    respond_list(c);
  } else if (strcmp(endpoint, "/networks") == 0) {
    respond_file(c, "networks.json");
  } else if (strcmp(endpoint, "/version") == 0) {
    if (g_mode == m_api_missing) {
      respond_message(c, 404, "page not found");
    } else {
      respond_file(c, "version.json");
    }
  } else if (strcmp(endpoint, "/info") == 0) {
    respond_file(c, "info.json");
  } else if (strncmp(endpoint, "/containers/", 12) == 0 && strlen(endpoint) > 17 &&
             strcmp(endpoint + strlen(endpoint) - 5, "/json") == 0) {
    const char* id = endpoint + 12;
    const size_t id_len = strlen(id) - 5;
    struct Buf body = {0};
    char name[128];
    snprintf(name, sizeof name, "inspect/%.*s.json", (int)id_len, id);
    if (is_hex_id(id, id_len) && read_data(name, &body)) {
      spoil_inspect(&body);
      respond_json(c, 200, &body);
    } else {
      respond_message(c, 404, "No such container: hostile");
    }
    free(body.data);
  } else {
    respond_message(c, 404, "page not found");
  }
}

// --- connections -------------------------------------------------------------

static void conn_close(struct Conn* c) {
  close(c->fd);
  free(c->out);
  memset(c, 0, sizeof *c);
  c->fd = -1;
}

// Answers the next complete request in C's input, if there is one.
static void conn_serve(struct Conn* c) {
  while (!c->busy && !c->stalled && c->fd >= 0) {
    char* end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (end == NULL) {
      if (c->in_len == sizeof c->in) {
        conn_close(c);  // a request head over 16 KiB: not ours to read
      }
      return;
    }
    *end = '\0';
    char method[16] = "", path[8192] = "";
    if (sscanf(c->in, "%15s %8191s", method, path) != 2) {
      conn_close(c);
      return;
    }
    const size_t used = (size_t)(end + 4 - c->in);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    route(c, method, path);
  }
}

static void conn_read(struct Conn* c) {
  char drop[4096];
  for (;;) {
    char* into = c->stalled ? drop : c->in + c->in_len;
    const size_t room = c->stalled ? sizeof drop : sizeof c->in - c->in_len;
    if (room == 0) {
      break;
    }
    const ssize_t n = recv(c->fd, into, room, 0);
    if (n > 0) {
      if (!c->stalled) {
        c->in_len += (size_t)n;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    }
    conn_close(c);  // EOF or error: the client is gone
    return;
  }
  conn_serve(c);
}

static void conn_write(struct Conn* c) {
  static char chunk[1 << 18];
  for (;;) {
    const char* data;
    size_t len;
    bool generated = false;
    if (c->out_sent < c->out_len) {
      data = c->out + c->out_sent;
      len = c->out_len - c->out_sent;
    } else if (c->gen_pos < c->gen_total) {
      len = huge_fill(c->gen_pos, chunk, sizeof chunk);
      data = chunk;
      generated = true;
    } else {
      break;
    }
    const ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    }
    if (n < 0) {
      conn_close(c);  // the client hung up (the huge body: it gave up at its cap)
      return;
    }
    if (generated) {
      c->gen_pos += (size_t)n;
    } else {
      c->out_sent += (size_t)n;
    }
  }
  // Everything queued is out.
  free(c->out);
  c->out = NULL;
  c->out_len = c->out_sent = c->gen_pos = c->gen_total = 0;
  c->busy = false;
  switch (c->after) {
    case after_close:
      conn_close(c);
      return;
    case after_stall:
      c->stalled = true;
      return;
    case after_keep:
      conn_serve(c);
      return;
  }
}

static int listen_on(const char* path) {
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (strlen(path) >= sizeof addr.sun_path) {
    fprintf(stderr, "hostile_engine: socket path too long: %s\n", path);
    return -1;
  }
  strcpy(addr.sun_path, path);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    fprintf(stderr, "hostile_engine: socket: %s\n", strerror(errno));
    return -1;
  }
  if (bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
    fprintf(stderr, "hostile_engine: bind/listen %s: %s\n", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

int main(int argc, char** argv) {
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    usage(stdout);
    return 0;
  }
  if (argc != 4) {
    usage(stderr);
    return 2;
  }
  const char* socket_path = argv[1];
  bool known = false;
  for (size_t i = 0; i < sizeof k_mode_names / sizeof k_mode_names[0]; ++i) {
    if (strcmp(argv[2], k_mode_names[i]) == 0) {
      g_mode = (enum Mode)i;
      known = true;
    }
  }
  if (!known) {
    fprintf(stderr, "hostile_engine: unknown mode '%s'\n", argv[2]);
    usage(stderr);
    return 2;
  }
  g_dir = argv[3];
  struct stat st;
  if (stat(g_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "hostile_engine: %s is not a directory\n", g_dir);
    return 2;
  }
  huge_init();

  struct sigaction stop;
  memset(&stop, 0, sizeof stop);
  stop.sa_handler = note_stop;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);
  sigaction(SIGALRM, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);
  alarm(k_lifetime_s);

  const int listener = listen_on(socket_path);
  if (listener < 0) {
    return 1;
  }
  for (int i = 0; i < k_max_conns; ++i) {
    g_conns[i].fd = -1;
  }
  printf("listening %s mode %s\n", socket_path, k_mode_names[g_mode]);
  fflush(stdout);

  struct pollfd fds[k_max_conns + 1];
  int owner[k_max_conns + 1];
  while (!g_stop) {
    nfds_t n = 0;
    fds[n].fd = listener;
    fds[n].events = POLLIN;
    owner[n++] = -1;
    for (int i = 0; i < k_max_conns; ++i) {
      struct Conn* c = &g_conns[i];
      if (c->fd < 0) {
        continue;
      }
      fds[n].fd = c->fd;
      fds[n].events = POLLIN;
      if (c->busy) {
        fds[n].events |= POLLOUT;
      }
      owner[n++] = i;
    }
    const int ready = poll(fds, n, 200);
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      fprintf(stderr, "hostile_engine: poll: %s\n", strerror(errno));
      break;
    }
    for (nfds_t k = 1; k < n; ++k) {
      struct Conn* c = &g_conns[owner[k]];
      if (c->fd < 0 || fds[k].revents == 0) {
        continue;
      }
      if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
        conn_read(c);
      }
      if (c->fd >= 0 && c->busy && (fds[k].revents & POLLOUT)) {
        conn_write(c);
      }
    }
    if (fds[0].revents & POLLIN) {
      for (;;) {
        const int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
          break;
        }
        int slot = -1;
        for (int i = 0; i < k_max_conns && slot < 0; ++i) {
          if (g_conns[i].fd < 0) {
            slot = i;
          }
        }
        if (slot < 0) {
          close(fd);  // full: the client sees a reset
          continue;
        }
        memset(&g_conns[slot], 0, sizeof g_conns[slot]);
        g_conns[slot].fd = fd;
      }
    }
  }
  for (int i = 0; i < k_max_conns; ++i) {
    if (g_conns[i].fd >= 0) {
      conn_close(&g_conns[i]);
    }
  }
  close(listener);
  unlink(socket_path);
  return 0;
}
