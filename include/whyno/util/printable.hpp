#pragma once
// Names and strings from containers and engines are untrusted: a container
// name, a process title or an engine's error could carry terminal escapes,
// or bidi controls that make text read other than it is. Everything printed
// from facts passes through printable() (text) or
// escape_display_controls_in_json() (JSON).

#include <cstddef>
#include <string>
#include <string_view>

namespace whyno {

/// Valid UTF-8 without controls passes unchanged. C0 controls, DEL, C1
/// controls and bytes of invalid UTF-8 become \xNN; invisible format and bidi
/// controls (U+061C, U+180E, U+200B-U+200F, U+2028, U+2029, U+202A-U+202E,
/// U+2060-U+2069, U+FEFF) become \u{NNNN}.
std::string printable(std::string_view text);

/// printable(text), cut after `max_chars` code points with an ellipsis: for
/// echoing engine answers and user input inside one sentence.
std::string excerpt(std::string_view text, std::size_t max_chars = 200);

/// A path as a sentence shows it: printable, at most 160 characters.
inline std::string shown_path(std::string_view path) { return excerpt(path, 160); }

/// A dumped JSON document (valid UTF-8, C0 already escaped) with DEL, C1
/// and the format and bidi controls above written as \uNNNN escapes.
std::string escape_display_controls_in_json(std::string_view json);

}  // namespace whyno
