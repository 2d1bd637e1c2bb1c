// NHC HURDAT2 (Landsea & Franklin 2013).
//
// Header: AL011851, NAME, COUNT,
// Data:   YYYYMMDD, HHMM, RECORD_ID, STATUS, LAT(28.0N), LON(94.8W), WIND(kt, 1-min), PRES(mb),
//         34-kt radii NE SE SW NW, 50-kt ×4, 64-kt ×4 (n mi) [, RMW (n mi)]. -999 is missing.
#include <string>
#include <vector>

#include "formats/format_spec.h"
#include "taifeng/geo/geodesy.h"
#include "parse_context.h"
#include "storm_build.h"
#include "text_util.h"

namespace taifeng::data {
namespace {

bool LooksLikeHurdat2(std::string_view name) { return EndsWithI(name, ".txt"); }

std::optional<double> ParseHemisphere(std::string_view s, char positive, char negative, double limit) {
  if (s.size() < 2) return std::nullopt;
  const char hemi = s.back();
  if (hemi != positive && hemi != negative) return std::nullopt;
  auto v = text::ParseDecimal(s.substr(0, s.size() - 1));
  if (!v || *v < 0.0 || *v > limit) return std::nullopt;
  return hemi == negative ? -*v : *v;
}

}  // namespace

namespace {

// A header line "AL011851, UNNAMED, 14": the storm it opens and its declared record count, or
// nullopt (reported) when it is bad.
std::optional<std::pair<Storm, std::int64_t>> ParseHeader(const std::vector<std::string_view>& f, std::int64_t number,
                                                         ParseContext& ctx) {
  const std::string_view id = f[0];
  auto year = id.size() == 8 ? text::ParseDigits(id.substr(4, 4), 4) : std::nullopt;
  if (!year || !text::ParseDigits(id.substr(2, 2), 2) || !std::isupper(static_cast<unsigned char>(id[0])) ||
      !std::isupper(static_cast<unsigned char>(id[1]))) {
    ctx.BadHeader(number, "ID", "a storm id BBNNYYYY such as AL011851");
    return std::nullopt;
  }
  auto count = text::ParseDigits(f[2]);
  if (!count || *count > 10000) {
    ctx.BadHeader(number, "COUNT", "a record count 0-10000");
    return std::nullopt;
  }
  Storm storm;
  storm.agency = "NHC";
  storm.basin = std::string(id.substr(0, 2));
  storm.agency_number = std::string(id);
  storm.id = "NHC:" + std::string(id);
  storm.season = static_cast<std::int32_t>(*year);
  storm.name = IEquals(f[1], "UNNAMED") ? "" : std::string(f[1]);
  storm.wind_averaging = WindAveraging::kOneMinute;
  storm.source_format = "hurdat2";
  storm.source_file = ctx.file();
  return std::pair{std::move(storm), *count};
}

// Wind radii (fields 8-19) and the radius of maximum wind (field 20) into `fix`; false (reported)
// when one is bad.
bool ParseRadii(const std::vector<std::string_view>& f, std::int64_t number, ParseContext& ctx, Fix& fix) {
  for (std::size_t i = 8; i < f.size() && i < 20; ++i) {
    auto r = text::ParseInt(f[i]);
    if (!r || *r < -999 || *r > 2000) {
      ctx.Bad(number, "RADII", "wind radii in n mi (-999 missing)");
      return false;
    }
    if (*r >= 0) fix.radii_km[(i - 8) / 4][(i - 8) % 4] = static_cast<float>(*r * kKmPerNauticalMile);
  }
  if (f.size() > 20) {
    auto rmw = text::ParseInt(f[20]);
    if (!rmw || *rmw < -999 || *rmw > 1000) {
      ctx.Bad(number, "RMW", "radius of maximum wind in n mi (-999 missing)");
      return false;
    }
    if (*rmw > 0) fix.rmw_km = static_cast<float>(*rmw * kKmPerNauticalMile);
  }
  return true;
}

// A data line: the fix, or nullopt (reported) when a field is bad.
std::optional<Fix> ParseDataLine(const std::vector<std::string_view>& f, std::int64_t number, ParseContext& ctx) {
  auto bad = [&](const char* field, const char* expected) -> std::optional<Fix> {
    ctx.Bad(number, field, expected);
    return std::nullopt;
  };
  if (f.size() < 8) return bad("record", "a HURDAT2 data line of 8 to 21 fields");
  auto date = text::ParseDigits(f[0], 8);
  auto hhmm = text::ParseDigits(f[1], 4);
  std::optional<std::int64_t> t;
  if (date && hhmm)
    t = UtcSeconds(static_cast<int>(*date / 10000), static_cast<int>(*date / 100 % 100), static_cast<int>(*date % 100),
                   static_cast<int>(*hhmm / 100), static_cast<int>(*hhmm % 100));
  if (!t) return bad("YYYYMMDD, HHMM", "a valid UTC date and time");
  if (f[2].size() > 1) return bad("RECORD_ID", "one letter (L, P, I, C, S, G, T, W, R) or blank");
  const int grade = f[3].empty() ? -1 : AtcfStatusIndex(f[3]);
  if (!f[3].empty() && grade < 0) return bad("STATUS", "a status code (TD TS HU EX SD SS LO WV DB)");
  auto lat = ParseHemisphere(f[4], 'N', 'S', 90.0);
  if (!lat) return bad("LAT", "latitude in degrees with N or S, e.g. 28.0N");
  auto lon = ParseHemisphere(f[5], 'E', 'W', 360.0);
  if (!lon) return bad("LON", "longitude in degrees with E or W, e.g. 94.8W");
  auto wind = text::ParseInt(f[6]);
  if (!wind || *wind < -999 || *wind > 300) return bad("WIND", "wind in kt (-999 missing)");
  auto pres = text::ParseInt(f[7]);
  if (!pres || *pres < -999 || *pres > 1100) return bad("PRES", "pressure in mb (-999 missing)");
  Fix fix;
  if (!ParseRadii(f, number, ctx, fix)) return std::nullopt;
  fix.time_utc = *t;
  fix.lat_deg = *lat;
  fix.lon_deg = geo::NormalizeLonDeg(*lon);
  if (*wind >= 0) fix.wind_ms = static_cast<float>(KnotsToMs(static_cast<double>(*wind)));
  if (*pres > 0) fix.pressure_hpa = static_cast<float>(*pres);
  fix.grade = static_cast<std::int8_t>(grade);
  fix.category = CategoryFromAtcfStatus(f[3], fix.wind_ms);
  if (f[2] == "L") fix.flags |= kFixLandfall;
  fix.source_line = number;
  MarkSynoptic(fix);
  return fix;
}

}  // namespace

void ParseHurdat2(std::string_view text, ParseContext& ctx) {
  text::LineReader reader(text);
  std::string_view line;
  std::int64_t number = 0;
  std::vector<std::string_view> f;
  Storm storm;
  bool open = false, skipping = false;
  std::int64_t header_line = 0, declared = 0;
  auto close = [&] {
    if (!open) return;
    open = false;
    ctx.CheckDeclaredCount(header_line, declared, storm.fixes.size());
    if (!storm.fixes.empty()) ctx.result().storms.push_back(std::move(storm));
  };
  while (reader.Next(line, number)) {
    if (text::IsBlank(line)) continue;
    text::SplitCommas(line, f);
    while (!f.empty() && f.back().empty()) f.pop_back();
    if (f.size() == 3) {  // header
      close();
      auto header = ParseHeader(f, number, ctx);
      skipping = !header;
      if (!header) continue;
      storm = std::move(header->first);
      declared = header->second;
      header_line = number;
      open = true;
      continue;
    }
    ++ctx.result().records_read;
    if (skipping || !open) {
      ctx.Bad(number, "record", skipping ? "a record under a valid header (its header was skipped)"
                                         : "a header line before data lines");
      continue;
    }
    if (auto fix = ParseDataLine(f, number, ctx)) storm.fixes.push_back(*fix);
  }
  close();
}

extern const FormatSpec kHurdat2Format;
const FormatSpec kHurdat2Format{"hurdat2", "NHC", "NHC HURDAT2 files", true, &LooksLikeHurdat2, &ParseHurdat2, nullptr};

}  // namespace taifeng::data
