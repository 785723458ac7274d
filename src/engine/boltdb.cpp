#include "boltdb.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include <fmt/format.h>

namespace whyno::engine {

namespace {

constexpr std::uint32_t k_magic = 0xED0CDAED;
constexpr std::uint32_t k_version = 2;
constexpr std::size_t k_page_header = 16;    // id u64, flags u16, count u16, overflow u32
constexpr std::size_t k_element = 16;        // branch: pos, ksize, pgid; leaf: flags, pos, ksize, vsize
constexpr std::size_t k_bucket_header = 16;  // root pgid u64, sequence u64
constexpr std::uint16_t k_branch = 0x01;
constexpr std::uint16_t k_leaf = 0x02;
constexpr std::uint32_t k_bucket_leaf = 0x01;
// bbolt's trees of a few hundred containers are two or three levels deep.
constexpr int k_max_depth = 32;

template <typename T>
std::optional<T> read(std::span<const std::byte> bytes, std::size_t at) {
  if (at > bytes.size() || bytes.size() - at < sizeof(T)) {
    return std::nullopt;
  }
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));  // little-endian, as bbolt on x86 and arm64
  return value;
}

std::uint64_t fnv1a64(std::span<const std::byte> bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const std::byte b : bytes) {
    hash ^= static_cast<std::uint64_t>(b);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

struct Meta {
  std::uint32_t page_size = 0;
  std::uint64_t root = 0;
  std::uint64_t txid = 0;
};

/// bbolt's meta: magic, version, pageSize, flags, root {pgid, sequence},
/// freelist, pgid, txid, checksum (FNV-1a of everything before it).
std::optional<Meta> read_meta(std::span<const std::byte> file, std::size_t at) {
  constexpr std::size_t k_checked = 4 * 4 + 8 * 5;
  if (at > file.size() || file.size() - at < k_checked + 8) {
    return std::nullopt;
  }
  const auto meta = file.subspan(at, k_checked + 8);
  if (read<std::uint32_t>(meta, 0) != k_magic || read<std::uint32_t>(meta, 4) != k_version ||
      read<std::uint64_t>(meta, k_checked) != fnv1a64(meta.first(k_checked))) {
    return std::nullopt;
  }
  Meta m;
  m.page_size = *read<std::uint32_t>(meta, 8);
  m.root = *read<std::uint64_t>(meta, 16);
  m.txid = *read<std::uint64_t>(meta, 48);
  if (m.page_size < 512 || m.page_size > (1U << 20)) {
    return std::nullopt;
  }
  return m;
}

std::string_view text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

Result<BoltView> BoltView::open(std::span<const std::byte> file) {
  const auto first = read_meta(file, k_page_header);
  std::optional<Meta> second;
  if (first) {
    second = read_meta(file, std::size_t{first->page_size} + k_page_header);
  } else {
    // Page 0 torn: page 1 sits at whichever page size bbolt used.
    for (const std::uint32_t size : {4096U, 8192U, 16384U, 65536U}) {
      if ((second = read_meta(file, std::size_t{size} + k_page_header)) && second->page_size == size) {
        break;
      }
      second.reset();
    }
  }
  if (!first && !second) {
    return fail(Error::Kind::invalid, "not a BoltDB file (no valid meta page)");
  }
  const Meta& meta = !second || (first && first->txid >= second->txid) ? *first : *second;
  return BoltView(file, meta.page_size, Bucket{meta.root, {}});
}

std::optional<std::span<const std::byte>> BoltView::page(std::uint64_t id) const {
  const std::uint64_t pages = m_file.size() / m_page_size;
  if (id < 2 || id >= pages) {
    return std::nullopt;  // 0 and 1 are the meta pages
  }
  const std::size_t at = static_cast<std::size_t>(id) * m_page_size;
  const auto overflow = read<std::uint32_t>(m_file, at + 12);
  std::size_t length = m_page_size;
  if (overflow && *overflow > 0) {
    const std::uint64_t spanned = (std::uint64_t{*overflow} + 1) * m_page_size;
    length = static_cast<std::size_t>(std::min<std::uint64_t>(spanned, m_file.size() - at));
  }
  return m_file.subspan(at, length);
}

struct BoltView::Walk {
  std::unordered_set<std::uint64_t> seen;  // a tree holds each page once
};

Result<void> BoltView::walk_page(std::span<const std::byte> page, std::uint64_t id, int depth, Walk& walk,
                                 const std::function<void(const Entry&)>& visit) const {
  if (depth > k_max_depth || (id != 0 && !walk.seen.insert(id).second)) {
    return fail(Error::Kind::invalid, "BoltDB tree loops or is deeper than any bbolt writes");
  }
  if (m_visits_left == 0) {
    return fail(Error::Kind::invalid,
                "BoltDB buckets share their pages: reading them would cost many times the file, and "
                "no bbolt database does that");
  }
  --m_visits_left;
  const auto flags = read<std::uint16_t>(page, 8);
  const auto count = read<std::uint16_t>(page, 10);
  if (!flags || !count || k_page_header + std::size_t{*count} * k_element > page.size()) {
    return fail(Error::Kind::invalid, "BoltDB page cut short");
  }
  for (std::size_t i = 0; i < *count; ++i) {
    const std::size_t element = k_page_header + i * k_element;
    if (*flags & k_branch) {
      const auto child = read<std::uint64_t>(page, element + 8);
      const auto next = page_or_fail(*child);
      if (!next) {
        return std::unexpected(next.error());
      }
      WHYNO_TRY(walk_page(*next, *child, depth + 1, walk, visit));
      continue;
    }
    if (!(*flags & k_leaf)) {
      return fail(Error::Kind::invalid, "BoltDB page is neither a branch nor a leaf");
    }
    const std::uint32_t leaf_flags = *read<std::uint32_t>(page, element);
    const std::uint32_t pos = *read<std::uint32_t>(page, element + 4);
    const std::uint32_t key_size = *read<std::uint32_t>(page, element + 8);
    const std::uint32_t value_size = *read<std::uint32_t>(page, element + 12);
    const std::uint64_t start = std::uint64_t{element} + pos;
    if (start + key_size + value_size > page.size()) {
      return fail(Error::Kind::invalid, "BoltDB element out of its page");
    }
    const auto key = page.subspan(static_cast<std::size_t>(start), key_size);
    const auto value = page.subspan(static_cast<std::size_t>(start) + key_size, value_size);
    visit(Entry{text(key), text(value), (leaf_flags & k_bucket_leaf) != 0});
  }
  return {};
}

Result<std::span<const std::byte>> BoltView::page_or_fail(std::uint64_t id) const {
  if (auto p = page(id)) {
    return *p;
  }
  return fail(Error::Kind::invalid, fmt::format("BoltDB page {} is outside the file", id));
}

Result<void> BoltView::for_each(const Bucket& bucket, const std::function<void(const Entry&)>& visit) const {
  Walk walk;
  if (bucket.root == 0) {
    return walk_page(bucket.inline_page, 0, 0, walk, visit);  // inline: no page of the file
  }
  WHYNO_TRY_ASSIGN(const auto first, page_or_fail(bucket.root));
  return walk_page(first, bucket.root, 0, walk, visit);
}

std::optional<BoltView::Bucket> BoltView::as_bucket(const Entry& entry) const {
  if (!entry.is_bucket || entry.value.size() < k_bucket_header) {
    return std::nullopt;
  }
  const auto bytes = std::as_bytes(std::span(entry.value.data(), entry.value.size()));
  Bucket b;
  b.root = *read<std::uint64_t>(bytes, 0);
  if (b.root == 0) {
    b.inline_page = bytes.subspan(k_bucket_header);
  }
  return b;
}

std::optional<BoltView::Bucket> BoltView::bucket(const Bucket& in, std::string_view key) const {
  std::optional<Bucket> found;
  const auto walked = for_each(in, [&](const Entry& e) {
    if (!found && e.key == key) {
      found = as_bucket(e);
    }
  });
  return walked ? found : std::nullopt;
}

std::optional<std::string_view> BoltView::value(const Bucket& in, std::string_view key) const {
  std::optional<std::string_view> found;
  const auto walked = for_each(in, [&](const Entry& e) {
    if (!found && !e.is_bucket && e.key == key) {
      found = e.value;
    }
  });
  return walked ? found : std::nullopt;
}

}  // namespace whyno::engine
