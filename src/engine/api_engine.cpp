// EngineSource over the Engine API: the whole engine in one conversation
// (engine_reader.cpp), and single containers again on demand.

#include <fmt/format.h>

#include "engine_reader.hpp"
#include "whyno/engine/engine_source.hpp"

namespace whyno::engine {

namespace {

class ApiEngine final : public EngineSource {
 public:
  ApiEngine(std::string socket_path, bool read_info) : m_socket_path(std::move(socket_path)) {
    m_options.read_info = read_info;
  }

  Result<Engine> list() override { return list_filtered(std::nullopt); }

  Result<Engine> list_narrowed(const ListFilter& filter) override { return list_filtered(filter); }

  Result<Engine> list_filtered(const std::optional<ListFilter>& filter) {
    m_conversation.reset();
    m_client = std::make_unique<HttpUnixClient>(m_socket_path, m_options.limits);
    m_conversation = start_conversation(*m_client, m_options);
    auto listed = list_engine(*m_conversation, filter);
    if (listed) {
      m_api_prefix = "/v" + listed->api_version;
    }
    return listed;
  }

  Result<Engine> finish(const InspectIds& ids) override {
    if (!m_conversation) {
      return fail(Error::Kind::invalid, "the engine was not listed before it was inspected");
    }
    auto engine = finish_engine(*m_conversation, ids);
    m_conversation.reset();  // its connections close; the client with them
    m_client.reset();
    return engine;
  }

  Result<std::optional<Container>> inspect(const std::string& id) override {
    if (m_api_prefix.empty()) {
      return fail(Error::Kind::invalid, "the engine was not listed before a container was inspected");
    }
    HttpUnixClient client(m_socket_path, m_options.limits);
    return inspect_container(client, m_api_prefix, id);
  }

 private:
  std::string m_socket_path;
  EngineReadOptions m_options;
  std::string m_api_prefix;  // "/v1.41", once list() negotiated it
  // Between list() and finish(): the conversation and its connections
  // (declared after the client it refers to, so it goes first).
  std::unique_ptr<HttpUnixClient> m_client;
  ConversationPtr m_conversation;
};

}  // namespace

std::unique_ptr<EngineSource> open_engine_api(std::string socket_path, bool read_info) {
  return std::make_unique<ApiEngine>(std::move(socket_path), read_info);
}

}  // namespace whyno::engine
