#include <algorithm>

#include "whyno/model/facts.hpp"

namespace whyno {

bool CniNetwork::has_portmap() const {
  return std::find(plugins.begin(), plugins.end(), "portmap") != plugins.end();
}

}  // namespace whyno
