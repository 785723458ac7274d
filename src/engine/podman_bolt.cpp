#include "podman_bolt.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "boltdb.hpp"
#include "engine_json_fields.hpp"

namespace whyno::engine {

namespace {

using json_fields::Json;
using namespace json_fields;

std::vector<PortBinding> port_mappings(const Json& config, bool& capped) {
  std::vector<PortBinding> out;
  const auto it = config.find("newPortMappings");
  if (it == config.end() || !it->is_array()) {
    return out;
  }
  for (const Json& m : *it) {
    if (!m.is_object()) {
      continue;
    }
    const int container_port = int_at(m, "container_port");
    const int host_port = int_at(m, "host_port");
    const int range = std::max(1, int_at(m, "range"));
    const std::string protocols = string_at(m, "protocol");
    if (container_port <= 0 || host_port <= 0 || range > 65535) {
      continue;
    }
    // "tcp,udp" maps both protocols.
    for (std::size_t at = 0; at <= protocols.size();) {
      const std::size_t comma = std::min(protocols.find(',', at), protocols.size());
      const std::string name = protocols.substr(at, comma - at);
      at = comma + 1;
      const auto protocol = parse_protocol(name.empty() ? "tcp" : name);
      if (!protocol) {
        continue;
      }
      for (int i = 0; i < range && container_port + i <= 65535 && host_port + i <= 65535; ++i) {
        if (out.size() == k_max_bindings_per_container) {
          capped = true;
          return out;
        }
        out.push_back({*protocol, static_cast<std::uint16_t>(container_port + i), string_at(m, "host_ip"),
                       static_cast<std::uint16_t>(host_port + i)});
      }
    }
  }
  return out;
}

ContainerState container_state(const Json& state) {
  ContainerState s;
  s.status = podman_status_name(int_at(state, "state"));
  s.running = s.status == "running" || s.status == "paused";
  s.paused = s.status == "paused";
  s.pid = s.running ? int_at(state, "pid") : 0;
  s.exit_code = int_at(state, "exitCode");
  s.oom_killed = bool_at(state, "oomKilled");
  s.started_at = string_at(state, "startedTime");
  s.finished_at = string_at(state, "finishedTime");
  return s;
}

/// The JSON of a value, while `budget` (bytes parsed in all) lasts: values
/// may be shared by many buckets of a hostile file.
std::optional<Json> parse_json(std::optional<std::string_view> text, std::size_t& budget) {
  if (!text || text->size() > budget) {
    budget = 0;
    return std::nullopt;
  }
  budget -= text->size();
  Json j = Json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  return j;
}

}  // namespace

std::string podman_status_name(int state) {
  switch (state) {
    case 1:
    case 2:
      return "created";
    case 3:
    case 8:
      return "running";
    case 5:
      return "paused";
    case 7:
      return "removing";
    case 4:
    case 6:
      return "exited";
    default:
      return "unknown";
  }
}

Result<PodmanBolt> parse_podman_bolt(std::span<const std::byte> file) {
  WHYNO_TRY_ASSIGN(const BoltView db, BoltView::open(file));
  PodmanBolt out;
  if (const auto runtime = db.bucket(db.root(), "runtime-config")) {
    out.graph_driver = std::string(db.value(*runtime, "graph-driver-name").value_or(""));
    out.graph_root = std::string(db.value(*runtime, "graph-root").value_or(""));
    out.run_root = std::string(db.value(*runtime, "run-root").value_or(""));
  }
  const auto containers = db.bucket(db.root(), "ctr");
  if (!containers) {
    return fail(Error::Kind::invalid, "podman's database has no container bucket (ctr)");
  }
  std::vector<BoltView::Bucket> each;
  std::vector<std::string> ids;
  WHYNO_TRY(db.for_each(*containers, [&](const BoltView::Entry& e) {
    if (const auto b = db.as_bucket(e)) {
      each.push_back(*b);
      ids.emplace_back(e.key);
    }
  }));
  // A real database's values are parsed once each: twice the file is room.
  std::size_t parse_budget = 2 * file.size() + (std::size_t{1} << 20);
  std::size_t bindings = 0;
  for (std::size_t i = 0; i < each.size() && parse_budget > 0 && !db.budget_spent(); ++i) {
    const auto config = parse_json(db.value(each[i], "config"), parse_budget);
    if (!config) {
      continue;
    }
    BoltContainer c;
    c.id = ids[i];
    c.name = string_at(*config, "name");
    c.image = string_at(*config, "rootfsImageName");
    c.network_mode = string_at(*config, "networkMode");
    c.bindings = port_mappings(*config, out.bindings_capped);
    if (bindings + c.bindings.size() > k_max_bindings) {
      c.bindings.resize(k_max_bindings - std::min(bindings, k_max_bindings));
      out.bindings_capped = true;
    }
    bindings += c.bindings.size();
    if (const auto state = parse_json(db.value(each[i], "state"), parse_budget)) {
      c.state = container_state(*state);
    } else {
      c.state.status = "unknown";
    }
    out.containers.push_back(std::move(c));
  }
  if (parse_budget == 0 || db.budget_spent()) {
    return fail(Error::Kind::invalid,
                "its buckets share their pages or values, so reading them would cost many times the "
                "file; no bbolt database does that");
  }
  return out;
}

}  // namespace whyno::engine
