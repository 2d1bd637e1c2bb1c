// UTF-8: the one decoder, validator and display-width measure of every Taifeng module (the CLI's
// tables, the gateways' terminal and LED boards, SMS alphabets, input validation).
//
// Decoding is strict (RFC 3629): overlong forms, UTF-16 surrogates (U+D800–U+DFFF), code points
// above U+10FFFF and truncated sequences are invalid. Where a function decodes leniently, each
// invalid byte becomes one U+FFFD and decoding resumes at the next byte.
// Display width follows Unicode UAX #11 (East Asian Width): Wide and Fullwidth characters (CJK,
// Hangul, fullwidth forms, most emoji) take two terminal columns, combining marks and zero-width
// characters none, C0/C1 control characters none, everything else one.
// Part of base/ (namespace taifeng). Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace taifeng {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// The code point at `s[pos]` and the number of bytes it takes (1–4), or nullopt when the bytes
// there are not a valid UTF-8 sequence. REQUIRES: pos < s.size().
struct DecodedChar {
  char32_t code_point;
  std::size_t bytes;
};
std::optional<DecodedChar> DecodeUtf8At(std::string_view s, std::size_t pos) noexcept;

// Calls f(code_point, bytes_of_it) for each character, leniently (an invalid byte is one U+FFFD
// whose `bytes` is that one byte).
template <typename F>
void ForEachCodePoint(std::string_view s, F&& f) {
  for (std::size_t i = 0; i < s.size();) {
    const auto d = DecodeUtf8At(s, i);
    const std::size_t n = d ? d->bytes : 1;
    f(d ? d->code_point : kReplacementChar, s.substr(i, n));
    i += n;
  }
}

// Every code point of `s`, leniently.
std::vector<char32_t> DecodeUtf8(std::string_view s);
// Appends the UTF-8 form of `c` (U+FFFD for a surrogate or a value above U+10FFFF).
void AppendUtf8(std::string& out, char32_t c);

// The byte offset of the first invalid sequence, or nullopt when all of `s` is valid UTF-8.
std::optional<std::size_t> FindInvalidUtf8(std::string_view s) noexcept;
inline bool IsValidUtf8(std::string_view s) noexcept { return !FindInvalidUtf8(s); }

// C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F) control characters.
bool IsControl(char32_t c) noexcept;
// Why `s` is not fit to show or store as a name or a line of text ("invalid UTF-8 at byte 3",
// "control character U+001B at byte 5"), or nullopt when it is valid UTF-8 without control
// characters (a tab is refused too).
std::optional<std::string> TextProblem(std::string_view s);

// `s` made safe to quote in a log line or an error message: valid characters kept, each invalid
// byte written as \xNN and each control character as \u{NN} (so no quoted text can break a line or
// carry an escape sequence), cut after `max_bytes` of input with "..." appended.
std::string Printable(std::string_view s, std::size_t max_bytes = 64);

// Terminal columns of one code point (0, 1 or 2) and of a whole string (lenient: U+FFFD is 1).
int CodePointWidth(char32_t c) noexcept;
int DisplayWidth(std::string_view s) noexcept;

// `s` cut to at most `columns` display columns (never through a character; control characters
// dropped) and padded with spaces to exactly `columns`.
std::string FitColumns(std::string_view s, int columns);
// `s` followed by spaces up to `columns` display columns (never cut).
std::string PadColumns(std::string_view s, int columns);

// `s` with &, <, > and " written as XML entities (for element text and quoted attributes).
std::string XmlEscape(std::string_view s);

}  // namespace taifeng
