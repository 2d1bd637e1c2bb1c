#include "storm_build.h"

#include <cctype>

#include "text_util.h"

namespace taifeng::data {

int AtcfStatusIndex(std::string_view code) noexcept {
  for (std::size_t i = 0; i < kAtcfStatusCodes.size(); ++i) {
    if (kAtcfStatusCodes[i] == code) return static_cast<int>(i);
  }
  return -1;
}

Category CategoryFromAtcfStatus(std::string_view code, double wind_ms) noexcept {
  if (code == "DB" || code == "LO" || code == "WV" || code == "IN" || code == "DS" || code == "MD") {
    return Category::kDisturbance;
  }
  if (code == "SD" || code == "SS") return Category::kSubtropical;
  if (code == "EX" || code == "ET" || code == "PT") return Category::kExtratropical;
  return CategoryFromWind(wind_ms, WindAveraging::kOneMinute);
}

std::optional<double> ParseAtcfTenths(std::string_view s, char positive, char negative) noexcept {
  if (s.size() < 2) return std::nullopt;
  const char hemi = s.back();
  if (hemi != positive && hemi != negative) return std::nullopt;
  auto v = text::ParseDigits(s.substr(0, s.size() - 1));
  if (!v || *v > 3600) return std::nullopt;
  const double deg = static_cast<double>(*v) / 10.0;
  return hemi == negative ? -deg : deg;
}

bool IEquals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int YearInFileName(std::string_view digits) noexcept {
  const auto year = text::ParseDigits(digits, 4);
  return year && *year >= 1800 && *year <= 2200 ? static_cast<int>(*year) : 0;
}

}  // namespace taifeng::data
