#pragma once
// A read-only view of a BoltDB file (go.etcd.io/bbolt), the database podman
// 4 keeps its containers' configuration and state in (libpod/bolt_state.db).
// The layout, from bbolt's page.go and db.go: the file is pages of the page
// size its meta page states; meta pages 0 and 1 each name a root bucket, and
// the valid one (magic, version 2, FNV-1a checksum) with the higher
// transaction id is current; a bucket is a B+tree of branch and leaf pages,
// or, when small, one page inlined in its value. Every offset is checked
// against the file: it is read without podman's lock, and may be hostile.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

#include "whyno/util/result.hpp"

namespace whyno::engine {

class BoltView {
 public:
  /// A bucket: the page its tree starts at, or its inline page.
  struct Bucket {
    std::uint64_t root = 0;
    std::span<const std::byte> inline_page;
  };
  struct Entry {
    std::string_view key;
    std::string_view value;  // for a bucket: its header and inline page
    bool is_bucket = false;
  };

  /// Fails when neither meta page is valid.
  static Result<BoltView> open(std::span<const std::byte> file);

  Bucket root() const { return m_root; }

  /// Calls `visit` for every entry of `bucket`, in key order. Fails on a
  /// page out of the file, a page visited twice (a loop, or two branches
  /// sharing a subtree), a tree deeper than any bbolt writes, or once the
  /// view's budget is spent.
  ///
  /// The budget bounds the work of one view over all its walks: a hostile
  /// file whose N buckets all point at one big tree would otherwise cost N
  /// times the file. Each walk of a real database visits its own pages, and
  /// a reader walks a bucket a few times at most (a lookup is a walk), so a
  /// view may visit k_visits_per_page times the pages the file has.
  Result<void> for_each(const Bucket& bucket, const std::function<void(const Entry&)>& visit) const;

  /// The sub-bucket or value under `key`; nullopt when absent or of the
  /// other kind (or unreadable).
  std::optional<Bucket> bucket(const Bucket& in, std::string_view key) const;
  std::optional<std::string_view> value(const Bucket& in, std::string_view key) const;

  /// A bucket from an entry that is one.
  std::optional<Bucket> as_bucket(const Entry& entry) const;

  /// Whether a walk stopped because the budget was spent: the lookups that
  /// came back empty since may not be.
  bool budget_spent() const { return m_visits_left == 0; }

 private:
  static constexpr std::size_t k_visits_per_page = 4;

  BoltView(std::span<const std::byte> file, std::uint32_t page_size, Bucket root)
      : m_file(file),
        m_page_size(page_size),
        m_root(root),
        m_visits_left(k_visits_per_page * (file.size() / page_size) + 16) {}

  struct Walk;
  Result<void> walk_page(std::span<const std::byte> page, std::uint64_t id, int depth, Walk& walk,
                         const std::function<void(const Entry&)>& visit) const;
  std::optional<std::span<const std::byte>> page(std::uint64_t id) const;
  Result<std::span<const std::byte>> page_or_fail(std::uint64_t id) const;

  std::span<const std::byte> m_file;
  std::uint32_t m_page_size = 4096;
  Bucket m_root;
  // Shared by every walk of this view; a view is used by one thread.
  mutable std::size_t m_visits_left;
};

}  // namespace whyno::engine
