#include "replay.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "whyno/core/plan/query_check.hpp"
#include "whyno/sys/fd.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::cli {

namespace {

std::string query_text(const Query& q) {
  std::string text = fmt::format("{}:{}/{}", q.target.text, q.port, to_string(q.protocol));
  if (q.from) {
    text += " --from " + q.from->text;
  }
  if (q.container) {
    text += " --container " + *q.container;
  }
  return excerpt(text, 120);
}

std::optional<std::string> client_text(const Query& q) {
  return q.from ? std::optional<std::string>(q.from->text) : std::nullopt;
}

bool same_question(const Query& a, const Query& b) {
  return a.target.text == b.target.text && a.port == b.port && a.protocol == b.protocol &&
         client_text(a) == client_text(b) && a.container == b.container;
}

}  // namespace

Result<snapshot::Snapshot> load_snapshot_file(const std::string& path) {
  const std::string shown = excerpt(path, 80);
  // O_NONBLOCK: opening a FIFO with no writer must not wait for one.
  sys::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) {
    return std::unexpected(errno_error(errno, fmt::format("cannot read {}", shown)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return std::unexpected(errno_error(errno, fmt::format("cannot read {}", shown)));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(Error::Kind::invalid,
                fmt::format("{} is not a regular file; --replay reads a snapshot written by "
                            "--save-facts",
                            shown));
  }
  if (static_cast<std::uint64_t>(st.st_size) > snapshot::k_max_snapshot_bytes) {
    return fail(Error::Kind::invalid, fmt::format("{} is larger than {} MiB, too large for a snapshot", shown,
                                                  snapshot::k_max_snapshot_bytes >> 20));
  }
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return std::unexpected(errno_error(errno, fmt::format("cannot read {}", shown)));
    }
    if (n == 0) {
      text.resize(done);  // the file shrank meanwhile
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  auto loaded = snapshot::load(text);
  if (!loaded) {
    return fail(loaded.error().kind, fmt::format("{}: {}", shown, loaded.error().message));
  }
  return loaded;
}

Result<snapshot::Snapshot> replay(snapshot::Snapshot saved, const Options& options) {
  if (!options.have_target && (options.all || saved.all)) {
    // The whole host, as --all saw it (or every port of a snapshot saved for
    // one): --container and --project narrow it as they would live.
    if (!saved.all) {
      saved.probes.clear();  // its one probe tried one port; the rest were not tried
    }
    saved.all = true;
    if (options.query.container) {
      saved.query.container = options.query.container;
    }
    if (options.project) {
      saved.project = options.project;
    }
    if (saved.facts.engine) {
      if (saved.query.container) {
        Query scope;
        scope.container = saved.query.container;
        if (const auto problem = check_query(scope, *saved.facts.engine)) {
          return fail(Error::Kind::invalid, problem->message);
        }
      }
      if (saved.project) {
        if (auto problem = unknown_project(*saved.project, *saved.facts.engine)) {
          return fail(Error::Kind::invalid, *problem);
        }
      }
    }
    return saved;
  }
  Query query = saved.query;
  if (options.have_target) {
    query = options.query;
  } else if ((options.query.container && options.query.container != saved.query.container) ||
             (options.query.from && client_text(options.query) != client_text(saved.query))) {
    return fail(Error::Kind::invalid,
                fmt::format("the snapshot answers '{}'; to ask it something else, give the "
                            "TARGET too",
                            query_text(saved.query)));
  }
  if (saved.facts.engine) {
    if (const auto problem = check_query(query, *saved.facts.engine)) {
      return fail(Error::Kind::invalid, problem->message);
    }
  }
  if (saved.all) {
    // One question asked of --all's snapshot: its items' probes tried
    // other questions, though one may be this one's.
    for (const snapshot::ItemProbe& p : saved.probes) {
      if (p.query.target.text == query.target.text && p.query.port == query.port &&
          p.query.protocol == query.protocol && !query.from) {
        saved.probe = p.result;
      }
    }
    saved.all = false;
    saved.probes.clear();
    saved.project.reset();
  } else if (!same_question(query, saved.query)) {
    saved.probe.reset();  // it tried the saved question's connection
  }
  if (query.target.text != saved.query.target.text) {
    saved.facts.resolved_addresses.clear();
  }
  query.explain = options.query.explain;  // how to answer, not what was asked
  saved.query = std::move(query);
  return saved;
}

}  // namespace whyno::cli
