#pragma once
// Small helpers for writing sentences.

#include <string>
#include <string_view>
#include <vector>

namespace whyno {

/// "a", "a and b", "a, b and c".
std::string join_words(const std::vector<std::string>& words, std::string_view last = "and");

/// Edit distance (insertions, deletions, substitutions, and swaps of two
/// neighbours), for near-miss names such as day8-net / day8-network.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// `text` without the ASCII whitespace around it.
std::string_view trimmed(std::string_view text);

/// Equal, ignoring ASCII case (HTTP header names, JSON keys).
bool iequals(std::string_view a, std::string_view b);

/// Two distinct names a human could confuse: one extends the other, or they
/// differ by a couple of characters.
bool near_miss(std::string_view a, std::string_view b);

/// `name` quoted for a sentence: web -> `web`.
std::string quoted(std::string_view name);

/// The sentence start: "Container `app` ..." from "container `app` ...".
std::string capitalized(std::string_view text);

/// `word` as one shell word, for a command to paste: as is when it is made
/// of letters, digits and _.:/@%+=,- only, else in single quotes (a name
/// from an engine could hold `;` or `$(...)`).
std::string shell_word(std::string_view word);

}  // namespace whyno
