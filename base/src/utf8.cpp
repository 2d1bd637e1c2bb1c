#include "taifeng/base/utf8.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace taifeng {
namespace {

struct Range {
  char32_t first, last;
};

// UAX #11 East Asian Wide (W) and Fullwidth (F) blocks (Unicode 15), merged where adjacent.
constexpr std::array<Range, 22> kWide{{
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
    {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
    {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},
    {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
}};

// Combining marks and zero-width characters (general categories Mn, Me and Cf that matter here).
constexpr std::array<Range, 8> kZeroWidth{{
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x200B, 0x200F}, {0x202A, 0x202E},
    {0x2060, 0x2064}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFEFF, 0xFEFF},
}};

template <std::size_t N>
bool InRanges(const std::array<Range, N>& ranges, char32_t c) {
  const auto it = std::upper_bound(ranges.begin(), ranges.end(), c,
                                   [](char32_t v, const Range& r) { return v < r.first; });
  return it != ranges.begin() && c <= std::prev(it)->last;
}

std::string Hex(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

}  // namespace

std::optional<DecodedChar> DecodeUtf8At(std::string_view s, std::size_t pos) noexcept {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return DecodedChar{b0, 1};
  std::size_t n;
  char32_t cp, min;
  if ((b0 & 0xE0) == 0xC0) n = 2, cp = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0) n = 3, cp = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0) n = 4, cp = b0 & 0x07, min = 0x10000;
  else return std::nullopt;
  if (pos + n > s.size()) return std::nullopt;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[pos + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return DecodedChar{cp, n};
}

std::vector<char32_t> DecodeUtf8(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  ForEachCodePoint(s, [&](char32_t c, std::string_view) { out.push_back(c); });
  return out;
}

void AppendUtf8(std::string& out, char32_t c) {
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = kReplacementChar;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::optional<std::size_t> FindInvalidUtf8(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size();) {
    const auto d = DecodeUtf8At(s, i);
    if (!d) return i;
    i += d->bytes;
  }
  return std::nullopt;
}

bool IsControl(char32_t c) noexcept { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

std::string Printable(std::string_view s, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t i = 0;
  for (; i < s.size() && i < max_bytes;) {
    const auto d = DecodeUtf8At(s, i);
    if (!d) {
      const auto b = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      ++i;
      continue;
    }
    if (IsControl(d->code_point)) {
      out += "\\u{";
      out += kHex[(d->code_point >> 4) & 0xF];
      out += kHex[d->code_point & 0xF];
      out += '}';
    } else {
      out.append(s.substr(i, d->bytes));
    }
    i += d->bytes;
  }
  if (i < s.size()) out += "...";
  return out;
}

std::optional<std::string> TextProblem(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto d = DecodeUtf8At(s, i);
    if (!d) return "invalid UTF-8 at byte " + std::to_string(i);
    if (IsControl(d->code_point)) return "control character " + Hex(d->code_point) + " at byte " + std::to_string(i);
    i += d->bytes;
  }
  return std::nullopt;
}

int CodePointWidth(char32_t c) noexcept {
  if (IsControl(c) || InRanges(kZeroWidth, c)) return 0;
  return InRanges(kWide, c) ? 2 : 1;
}

int DisplayWidth(std::string_view s) noexcept {
  int w = 0;
  ForEachCodePoint(s, [&](char32_t c, std::string_view) { w += CodePointWidth(c); });
  return w;
}

std::string FitColumns(std::string_view s, int columns) {
  std::string out;
  int w = 0;
  bool full = false;
  ForEachCodePoint(s, [&](char32_t c, std::string_view bytes) {
    const int cw = CodePointWidth(c);
    if (full || w + cw > columns) {
      full = true;
      return;
    }
    if (IsControl(c)) return;
    if (c == kReplacementChar && bytes.size() == 1) AppendUtf8(out, c);
    else out.append(bytes);
    w += cw;
  });
  out.append(static_cast<std::size_t>(std::max(0, columns - w)), ' ');
  return out;
}

std::string PadColumns(std::string_view s, int columns) {
  std::string out(s);
  out.append(static_cast<std::size_t>(std::max(0, columns - DisplayWidth(s))), ' ');
  return out;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace taifeng
