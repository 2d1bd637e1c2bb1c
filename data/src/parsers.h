// Private: the per-format parsers behind ParseText.
#pragma once

#include <string_view>

#include "taifeng/geo/geodesy.h"

namespace taifeng::data {

class ParseContext;

void ParseCma(std::string_view text, ParseContext& ctx);
void ParseAtcf(std::string_view text, ParseContext& ctx);
void ParseJma(std::string_view text, ParseContext& ctx);
void ParseHurdat2(std::string_view text, ParseContext& ctx);
void ParseCsvTrack(std::string_view text, ParseContext& ctx);

}  // namespace taifeng::data

#include <string>

namespace taifeng::data {
void ImportIbtracs(const std::string& path, ParseContext& ctx);
// The HKO category code for an archive grade index ("" when out of range).
std::string_view HkoGradeCode(int index) noexcept;
}  // namespace taifeng::data
