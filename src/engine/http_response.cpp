#include "http_response.hpp"
#include "whyno/util/words.hpp"

#include <optional>
#include <utility>
#include <vector>

namespace whyno::engine {

namespace {

constexpr std::string_view k_crlf = "\r\n";
// A chunk-size line or a trailer is a few bytes; a peer that sends more
// without a line end is not speaking HTTP.
constexpr std::size_t k_max_line = 8192;

/// Decimal digits only; values past `cap` read as cap + 1 (too large either way).
std::optional<std::size_t> parse_decimal(std::string_view s, std::size_t cap) {
  if (s.empty()) {
    return std::nullopt;
  }
  std::size_t value = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::size_t>(c - '0');
    if (value > cap) {
      return cap + 1;
    }
  }
  return value;
}

std::optional<std::size_t> parse_hex(std::string_view s, std::size_t cap) {
  if (s.empty()) {
    return std::nullopt;
  }
  std::size_t value = 0;
  for (const char c : s) {
    const char l = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    std::size_t digit = 0;
    if (l >= '0' && l <= '9') {
      digit = static_cast<std::size_t>(l - '0');
    } else if (l >= 'a' && l <= 'f') {
      digit = static_cast<std::size_t>(l - 'a' + 10);
    } else {
      return std::nullopt;
    }
    value = value * 16 + digit;
    if (value > cap) {
      return cap + 1;
    }
  }
  return value;
}

ParsedResponse invalid(std::string problem) {
  ParsedResponse out;
  out.state = ParsedResponse::State::invalid;
  out.problem = std::move(problem);
  return out;
}

ParsedResponse too_large() {
  ParsedResponse out;
  out.state = ParsedResponse::State::too_large;
  return out;
}

ParsedResponse incomplete(std::size_t needed = 0) {
  ParsedResponse out;
  out.needed = needed;
  return out;
}

struct Head {
  int minor = 1;  // HTTP/1.minor
  long status = 0;
  std::optional<std::size_t> length;
  bool chunked = false;
  bool close = false;
  bool keep_alive = false;
};

/// The status line and headers of `block` (which ends with the empty line).
std::optional<std::string> parse_head(std::string_view block, std::size_t max_bytes, Head& head) {
  const std::size_t first_end = block.find(k_crlf);
  const std::string_view status_line = block.substr(0, first_end);
  // "HTTP/1.1 200 OK": the reason phrase may be empty or absent.
  if (status_line.size() < 12 || !status_line.starts_with("HTTP/1.") || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return "its status line is not HTTP/1.x";
  }
  if (status_line[7] != '0' && status_line[7] != '1') {
    return "its status line is not HTTP/1.x";
  }
  head.minor = status_line[7] - '0';
  const auto status = parse_decimal(status_line.substr(9, 3), 999);
  if (!status || *status < 100) {
    return "its status code is not one";
  }
  head.status = static_cast<long>(*status);
  std::size_t at = first_end + k_crlf.size();
  while (at < block.size()) {
    const std::size_t end = block.find(k_crlf, at);
    const std::string_view line = block.substr(at, end - at);
    at = end + k_crlf.size();
    if (line.empty()) {
      break;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t') {
      return "a header line is malformed";
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trimmed(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      const auto length = parse_decimal(value, max_bytes);
      if (!length || (head.length && *head.length != *length)) {
        return "its Content-Length is not one number";
      }
      head.length = length;
    } else if (iequals(name, "Transfer-Encoding")) {
      // Only chunked, the coding HTTP/1.1 servers use for bodies of
      // unknown length; gzip and the like are never asked for.
      if (!iequals(value, "chunked")) {
        return "it uses a transfer coding other than chunked";
      }
      head.chunked = true;
    } else if (iequals(name, "Connection")) {
      std::string_view tokens = value;
      while (!tokens.empty()) {
        const std::size_t comma = tokens.find(',');
        const std::string_view token = trimmed(tokens.substr(0, comma));
        head.close = head.close || iequals(token, "close");
        head.keep_alive = head.keep_alive || iequals(token, "keep-alive");
        tokens = comma == std::string_view::npos ? std::string_view() : tokens.substr(comma + 1);
      }
    }
  }
  return std::nullopt;
}

/// A chunked body from `start`: the decoded body and the end of the
/// message, or why not yet (or not at all).
ParsedResponse parse_chunked(std::string_view bytes, std::size_t start, std::size_t max_bytes,
                             ParsedResponse out) {
  std::vector<std::pair<std::size_t, std::size_t>> chunks;  // offset, size
  std::size_t total = 0;
  std::size_t at = start;
  while (true) {
    const std::size_t end = bytes.find(k_crlf, at);
    if (end == std::string_view::npos) {
      return bytes.size() - at > k_max_line ? invalid("a chunk size line never ends") : incomplete();
    }
    std::string_view size_line = bytes.substr(at, end - at);
    size_line = trimmed(size_line.substr(0, size_line.find(';')));  // a chunk extension means nothing to us
    const auto size = parse_hex(size_line, max_bytes);
    if (!size) {
      return invalid("a chunk size is not a hexadecimal number");
    }
    at = end + k_crlf.size();
    if (*size == 0) {
      break;
    }
    if (total + *size > max_bytes) {
      return too_large();
    }
    if (bytes.size() < at + *size + k_crlf.size()) {
      return incomplete(at + *size + k_crlf.size());
    }
    if (bytes.substr(at + *size, k_crlf.size()) != k_crlf) {
      return invalid("a chunk is longer than its size says");
    }
    chunks.emplace_back(at, *size);
    total += *size;
    at += *size + k_crlf.size();
  }
  // Trailer lines, then the empty line that ends the message.
  while (true) {
    const std::size_t end = bytes.find(k_crlf, at);
    if (end == std::string_view::npos) {
      return bytes.size() - at > k_max_line ? invalid("a trailer line never ends") : incomplete();
    }
    const bool last = end == at;
    at = end + k_crlf.size();
    if (last) {
      break;
    }
  }
  out.response.body.reserve(total);
  for (const auto& [offset, size] : chunks) {
    out.response.body.append(bytes.substr(offset, size));
  }
  out.state = ParsedResponse::State::complete;
  out.consumed = at;
  return out;
}

}  // namespace

ParsedResponse parse_http_response(std::string_view bytes, bool at_eof, std::size_t max_bytes) {
  std::size_t at = 0;
  while (true) {
    const std::size_t end = bytes.find("\r\n\r\n", at);
    if (end == std::string_view::npos) {
      return bytes.size() - at > max_bytes ? too_large() : incomplete();
    }
    const std::size_t body_start = end + 4;
    if (body_start - at > max_bytes) {
      return too_large();
    }
    Head head;
    if (auto problem = parse_head(bytes.substr(at, body_start - at), max_bytes, head)) {
      return invalid(std::move(*problem));
    }
    if (head.status < 200) {
      at = body_start;  // 100 Continue and the like: the answer follows
      continue;
    }
    ParsedResponse out;
    out.response.status = head.status;
    out.response.headers = std::string(bytes.substr(at, body_start - at));
    out.keep_alive = head.minor == 1 ? !head.close : head.keep_alive && !head.close;
    if (head.status == 204 || head.status == 304) {
      out.state = ParsedResponse::State::complete;
      out.consumed = body_start;
      return out;
    }
    if (head.chunked) {
      return parse_chunked(bytes, body_start, max_bytes, std::move(out));
    }
    if (head.length) {
      if (*head.length > max_bytes) {
        return too_large();
      }
      if (bytes.size() < body_start + *head.length) {
        return incomplete(body_start + *head.length);
      }
      out.response.body = std::string(bytes.substr(body_start, *head.length));
      out.state = ParsedResponse::State::complete;
      out.consumed = body_start + *head.length;
      return out;
    }
    // Neither a length nor chunks: the body ends with the connection.
    if (bytes.size() - body_start > max_bytes) {
      return too_large();
    }
    if (!at_eof) {
      return incomplete();
    }
    out.response.body = std::string(bytes.substr(body_start));
    out.state = ParsedResponse::State::complete;
    out.consumed = bytes.size();
    out.keep_alive = false;
    return out;
  }
}

}  // namespace whyno::engine
