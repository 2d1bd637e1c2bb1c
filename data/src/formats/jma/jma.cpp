// JMA RSMC Tokyo best track, bst_all.txt (fixed width, CRLF).
//
// Header: 66666 INTL COUNT SERIAL INTL END DIFF NAME DATE.
// Data:   YYMMDDHH 002 GRADE LAT(0.1°) LON(0.1°) PRES [WIND(kt, 10-min)] [radii …] [landfall '#'].
// Wind is absent or 000 for depressions (missing, not calm). The 50/30-kt radii (longest and
// shortest with the direction of the longest) are not stored by archive schema 1.
#include <string>
#include <vector>

#include "formats/format_spec.h"
#include "taifeng/geo/geodesy.h"
#include "parse_context.h"
#include "storm_build.h"
#include "text_util.h"

namespace taifeng::data {
namespace {

bool LooksLikeJma(std::string_view name) { return EndsWithI(name, ".txt"); }

Category JmaCategory(int grade, double wind_ms) {
  switch (grade) {
    case 2: return Category::kTropicalDepression;
    case 6: return Category::kExtratropical;
    default: break;
  }
  return CategoryFromWind(wind_ms, WindAveraging::kTenMinute);
}

// A "66666" header line (at least 8 tokens): the storm it opens and its declared record count, or
// nullopt (reported) when a field is bad.
std::optional<std::pair<Storm, std::int64_t>> ParseJmaHeader(const std::vector<std::string_view>& tok, std::int64_t number,
                                                            ParseContext& ctx) {
  auto bad = [&](const char* field, const char* expected) -> std::optional<std::pair<Storm, std::int64_t>> {
    ctx.Bad(number, field, expected);
    return std::nullopt;
  };
  auto intl = text::ParseDigits(tok[1], 4);
  auto count = text::ParseDigits(tok[2]);
  auto end = text::ParseDigits(tok[5], 1);
  if (!intl) return bad("INTL", "a 4-digit international number YYNN");
  if (!count || *count > 10000) return bad("COUNT", "a record count 0-10000");
  if (!end) return bad("END", "a one-digit flag of the last data line");
  if (!text::ParseDigits(tok.back(), 8)) return bad("DATE", "the revision date YYYYMMDD");
  Storm storm;
  storm.agency = "JMA";
  storm.basin = "WP";
  storm.intl_number = std::string(tok[1]);
  storm.agency_number = std::string(tok[1]);
  storm.id = "JMA:" + std::string(tok[1]);
  storm.end_flag = static_cast<std::int8_t>(*end);
  storm.wind_averaging = WindAveraging::kTenMinute;
  storm.source_format = "jma";
  storm.source_file = ctx.file();
  std::string name;
  for (std::size_t i = 7; i + 1 < tok.size(); ++i) {
    if (!name.empty()) name += ' ';
    name.append(tok[i]);
  }
  storm.name = name;
  return std::pair{std::move(storm), *count};
}

}  // namespace

void ParseJma(std::string_view text, ParseContext& ctx) {
  text::LineReader reader(text);
  std::string_view line;
  std::int64_t number = 0;
  std::vector<std::string_view> tok;
  Storm storm;
  bool open = false;
  bool skipping = false;
  std::int64_t header_line = 0, declared = 0;
  auto close = [&] {
    if (!open) return;
    open = false;
    ctx.CheckDeclaredCount(header_line, declared, storm.fixes.size());
    if (storm.fixes.empty()) return;
    storm.season = ToCivil(storm.fixes.front().time_utc).year;
    ctx.result().storms.push_back(std::move(storm));
  };
  while (reader.Next(line, number)) {
    if (text::IsBlank(line)) continue;
    text::SplitWhitespace(line, tok);
    if (tok[0] == "66666") {
      close();
      skipping = true;
      if (tok.size() < 8) {
        ctx.Bad(number, "header", "66666 INTL COUNT SERIAL INTL END DIFF [NAME] DATE");
        continue;
      }
      auto header = ParseJmaHeader(tok, number, ctx);
      if (!header) continue;
      storm = std::move(header->first);
      declared = header->second;
      open = true;
      skipping = false;
      header_line = number;
      continue;
    }
    ++ctx.result().records_read;
    if (skipping || !open) {
      ctx.Bad(number, "record", skipping ? "a record under a valid header (its header was skipped)"
                                         : "a 66666 header line before data lines");
      continue;
    }
    if (tok.size() < 6) { ctx.Bad(number, "record", "YYMMDDHH 002 GRADE LAT LON PRES [WIND] …"); continue; }
    auto yymmddhh = text::ParseDigits(tok[0], 8);
    std::optional<std::int64_t> t;
    if (yymmddhh) {
      const int yy = static_cast<int>(*yymmddhh / 1000000);
      const int year = yy >= 51 ? 1900 + yy : 2000 + yy;
      t = UtcSeconds(year, static_cast<int>(*yymmddhh / 10000 % 100),
                     static_cast<int>(*yymmddhh / 100 % 100), static_cast<int>(*yymmddhh % 100));
    }
    if (!t) { ctx.Bad(number, "YYMMDDHH", "a valid UTC time YYMMDDHH"); continue; }
    if (tok[1] != "002") { ctx.Bad(number, "INDICATOR", "the indicator 002"); continue; }
    auto grade = text::ParseDigits(tok[2], 1);
    if (!grade || *grade < 2 || *grade == 8) { ctx.Bad(number, "GRADE", "a JMA grade 2-7 or 9"); continue; }
    auto lat = text::ParseDigits(tok[3]);
    if (!lat || *lat > 900) { ctx.Bad(number, "LAT", "latitude in 0.1°N, 0-900"); continue; }
    auto lon = text::ParseDigits(tok[4]);
    if (!lon || *lon > 3600) { ctx.Bad(number, "LON", "longitude in 0.1°E, 0-3600"); continue; }
    auto pres = text::ParseDigits(tok[5]);
    if (!pres || *pres > 1100) { ctx.Bad(number, "PRES", "pressure in hPa"); continue; }
    std::optional<std::int64_t> wind;
    const std::string_view wind_column = text::Trim(text::Column(line, 33, 3));
    if (!wind_column.empty()) {
      wind = text::ParseDigits(wind_column);
      if (!wind || *wind > 300) { ctx.Bad(number, "WIND", "wind in kt, 0-300, in columns 34-36"); continue; }
    }
    Fix fix;
    fix.time_utc = *t;
    fix.lat_deg = static_cast<double>(*lat) / 10.0;
    fix.lon_deg = geo::NormalizeLonDeg(static_cast<double>(*lon) / 10.0);
    if (*pres > 0) fix.pressure_hpa = static_cast<float>(*pres);
    if (wind && *wind > 0) fix.wind_ms = static_cast<float>(KnotsToMs(static_cast<double>(*wind)));
    fix.grade = static_cast<std::int8_t>(*grade);
    fix.category = JmaCategory(static_cast<int>(*grade), fix.wind_ms);
    if (text::Column(line, 71, 1) == "#") fix.flags |= kFixLandfall;
    fix.source_line = number;
    MarkSynoptic(fix);
    storm.fixes.push_back(fix);
  }
  close();
}

extern const FormatSpec kJmaFormat;
const FormatSpec kJmaFormat{"jma", "JMA", "JMA RSMC Tokyo bst_all files", true, &LooksLikeJma, &ParseJma, nullptr};

}  // namespace taifeng::data
