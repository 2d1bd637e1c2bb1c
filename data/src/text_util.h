// Private helpers for the line-oriented parsers: line iteration (LF, CRLF or CR, with or without a
// final newline), splitting, trimming, and strict number parsing.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace taifeng::data::text {

// Iterates the lines of a buffer ending in LF, CRLF or CR alone (old Mac files: one CR per line),
// even mixed. The last line need not end in a line break.
class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  // Next line, or false at the end. `number` is 1-based.
  bool Next(std::string_view& line, std::int64_t& number) {
    if (pos_ >= text_.size()) return false;
    std::size_t end = text_.find_first_of("\r\n", pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    if (end < text_.size() && text_[end] == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;  // CRLF
    number = ++line_;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::int64_t line_ = 0;
};

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

inline bool IsBlank(std::string_view s) { return Trim(s).empty(); }

// Whitespace-separated tokens.
inline void SplitWhitespace(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
}

// Comma-separated fields, each trimmed. "a, b," gives {"a", "b", ""}.
inline void SplitCommas(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    std::size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back(Trim(s.substr(start)));
      return;
    }
    out.push_back(Trim(s.substr(start, comma - start)));
    start = comma + 1;
  }
}

// The whole of `s` (after trimming) as an integer, or nullopt. Accepts a leading '-' or '+'.
inline std::optional<std::int64_t> ParseInt(std::string_view s) {
  s = Trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Digits only (no sign), exactly `width` of them when width > 0.
inline std::optional<std::int64_t> ParseDigits(std::string_view s, std::size_t width = 0) {
  if (s.empty() || (width > 0 && s.size() != width)) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (s.size() > 18) return std::nullopt;
  return ParseInt(s);
}

// A decimal number such as "28.0" or "-999", whole string.
inline std::optional<double> ParseDecimal(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  double value = 0.0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

// Column slice [begin, begin + length) of a fixed-width line; shorter lines give what exists.
inline std::string_view Column(std::string_view line, std::size_t begin, std::size_t length) {
  if (begin >= line.size()) return {};
  return line.substr(begin, length);
}

}  // namespace taifeng::data::text
