#include "whyno/model/probe_result.hpp"

namespace whyno {

std::string_view outcome_name(ProbeResult::Outcome outcome) {
  using Outcome = ProbeResult::Outcome;
  switch (outcome) {
    case Outcome::answered:
      return "answered";
    case Outcome::connected:
      return "connected";
    case Outcome::refused:
      return "refused";
    case Outcome::reset_or_closed:
      return "reset-or-closed";
    case Outcome::timed_out:
      return "timed-out";
    case Outcome::unresolved:
      return "unresolved";
    case Outcome::unreachable:
      return "unreachable";
    case Outcome::error:
      return "error";
    case Outcome::skipped:
      break;
  }
  return "skipped";
}

std::string_view outcome_words(ProbeResult::Outcome outcome) {
  using Outcome = ProbeResult::Outcome;
  switch (outcome) {
    case Outcome::answered:
      return "connected and answered";
    case Outcome::connected:
      return "connected, no answer yet";
    case Outcome::refused:
      return "refused";
    case Outcome::reset_or_closed:
      return "reset or closed right after connecting";
    case Outcome::timed_out:
      return "timed out";
    case Outcome::unresolved:
      return "name not resolved";
    case Outcome::unreachable:
      return "unreachable";
    case Outcome::error:
      return "could not probe";
    case Outcome::skipped:
      break;
  }
  return "not probed";
}

}  // namespace whyno
