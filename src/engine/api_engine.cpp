// EngineSource over the Engine API: the whole engine in one conversation
// (engine_reader.cpp), and single containers again on demand.

#include <fmt/format.h>

#include "engine_reader.hpp"
#include "whyno/engine/engine_source.hpp"

namespace whyno::engine {

namespace {

class ApiEngine final : public EngineSource {
 public:
  ApiEngine(std::string socket_path, bool read_info)
      : m_socket_path(std::move(socket_path)) {
    m_options.read_info = read_info;
  }

  using EngineSource::read;
  Result<Engine> read(const InspectChoice& choose) override {
    auto engine = read_engine(m_socket_path, m_options, choose);
    if (engine) {
      m_api_prefix = "/v" + engine->api_version;
    }
    return engine;
  }

  Result<std::optional<Container>> inspect(const std::string& id) override {
    if (m_api_prefix.empty()) {
      return fail(Error::Kind::invalid, "the engine was not read before a container was");
    }
    HttpUnixClient client(m_socket_path, m_options.limits);
    return inspect_container(client, m_api_prefix, id);
  }

 private:
  std::string m_socket_path;
  EngineReadOptions m_options;
  std::string m_api_prefix;  // "/v1.41", once read() negotiated it
};

}  // namespace

std::unique_ptr<EngineSource> open_engine_api(std::string socket_path, bool read_info) {
  return std::make_unique<ApiEngine>(std::move(socket_path), read_info);
}

}  // namespace whyno::engine
