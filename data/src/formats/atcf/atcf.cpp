// ATCF b-decks: JTWC bwpNNYYYY.txt/.dat and NHC bALNNYYYY.dat.
//
// BASIN, CY, YYYYMMDDHH, TECHNUM, TECH, TAU, LAT, LON, VMAX, MSLP, TY, RAD, WINDCODE, RAD1-4,
// POUTER, ROUTER, RMW, GUSTS, EYE, SUBREGION, MAXSEAS, INITIALS, DIR, SPEED, STORMNAME, …
// 9 to 40+ fields; one line per wind-radius threshold (merged into one fix per time);
// longitudes zero-padded to 4 digits in old files; the last line may lack its newline.
#include <string>
#include <vector>

#include "formats/format_spec.h"
#include "taifeng/geo/geodesy.h"
#include "parse_context.h"
#include "storm_build.h"
#include "text_util.h"

namespace taifeng::data {
namespace {

// bBBNNYYYY.dat / .txt
int AtcfYear(std::string_view name) noexcept {
  if (name.find('.') != 9 || (name[0] != 'b' && name[0] != 'B')) return 0;
  return YearInFileName(name.substr(5, 4));
}
bool LooksLikeAtcf(std::string_view name) {
  return !name.empty() && (name[0] == 'b' || name[0] == 'B') && (EndsWithI(name, ".dat") || EndsWithI(name, ".txt"));
}

enum Field : std::size_t {
  kBasin = 0, kCy, kTime, kTechnum, kTech, kTau, kLat, kLon, kVmax, kMslp, kTy, kRad, kWindcode,
  kRad1, kRad2, kRad3, kRad4, kPouter, kRouter, kRmw, kGusts, kEye, kSubregion, kMaxseas,
  kInitials, kDir, kSpeed, kStormname,
};

bool IsGenericName(std::string_view name) {
  return name.empty() || IEquals(name, "INVEST") || IEquals(name, "NONAME") ||
         IEquals(name, "UNNAMED") || IEquals(name, "NAMELESS");
}

struct Current {
  Storm storm;
  std::string basin;
  std::string cy;
  bool open = false;
};

// The storm number in the file name (bwp351997.txt -> "35"), or "".
std::string NumberFromFileName(std::string_view name) {
  if (AtcfYear(name) == 0 || !text::ParseDigits(name.substr(3, 2), 2)) return "";
  return std::string(name.substr(3, 2));
}

// The first storm of a file takes its number from the file name: JTWC files such as
// bwp351997.txt hold a storm that crossed from the central Pacific with its CPHC number (CY 02)
// on every line, and the file name is JTWC's own number for it. Further storms in the same
// file use the number on their lines.
void Close(Current& cur, int file_year, bool first_in_file, ParseContext& ctx) {
  if (!cur.open) return;
  cur.open = false;
  Storm& s = cur.storm;
  s.season = file_year > 0 ? file_year : ToCivil(s.fixes.front().time_utc).year;
  const std::string file_number = first_in_file ? NumberFromFileName(ctx.file()) : "";
  s.agency_number = cur.basin + (file_number.empty() ? cur.cy : file_number) + std::to_string(s.season);
  const bool nhc = cur.basin == "AL" || cur.basin == "EP" || cur.basin == "CP";
  s.agency = nhc ? "NHC" : "JTWC";
  s.id = s.agency + ":" + s.agency_number;
  ctx.result().storms.push_back(std::move(s));
}

}  // namespace

namespace {

// The fields of one b-deck line, checked.
struct AtcfLine {
  std::int64_t cy = 0, time_utc = 0;
  double lat_deg = 0, lon_deg = 0;
  std::optional<std::int64_t> vmax, mslp;
  std::string_view ty;
  int grade = -1;
  int threshold_index = -1;  // this line's wind-radii threshold: 0 (34 kt), 1 (50 kt), 2 (64 kt); -1 none
  std::array<float, 4> radii{kMissing, kMissing, kMissing, kMissing};
  float rmw_km = kMissing;
};

// Wind radii of the line's threshold (RAD, WINDCODE, RAD1-4); false (reported) when bad.
bool ParseRadii(const std::vector<std::string_view>& f, std::int64_t number, ParseContext& ctx, AtcfLine& x) {
  if (f.size() <= kRad4) return true;
  auto rad = text::ParseInt(f[kRad]);
  if (!rad || (*rad != 34 && *rad != 35 && *rad != 50 && *rad != 64)) return true;
  x.threshold_index = *rad == 64 ? 2 : (*rad == 50 ? 1 : 0);
  const bool full_circle = f[kWindcode] == "AAA";
  bool ok = true;
  for (int q = 0; q < 4; ++q) {
    auto r = text::ParseInt(f[kRad1 + (full_circle ? 0 : q)]);
    if (!f[kRad1 + (full_circle ? 0 : q)].empty() && (!r || *r < 0 || *r > 2000)) ok = false;
    if (r) x.radii[static_cast<std::size_t>(q)] = static_cast<float>(*r * kKmPerNauticalMile);
  }
  if (!ok) ctx.Bad(number, "RAD1-4", "wind radii in n mi, 0-2000");
  return ok;
}

std::optional<AtcfLine> ParseAtcfLine(const std::vector<std::string_view>& f, std::int64_t number, ParseContext& ctx) {
  auto bad = [&](const char* field, const char* expected) -> std::optional<AtcfLine> {
    ctx.Bad(number, field, expected);
    return std::nullopt;
  };
  if (f.size() < 9) return bad("record", "an ATCF line of at least 9 comma-separated fields");
  if (f[kBasin].size() != 2 || !std::isupper(static_cast<unsigned char>(f[kBasin][0])) ||
      !std::isupper(static_cast<unsigned char>(f[kBasin][1])))
    return bad("BASIN", "a two-letter basin such as WP or AL");
  AtcfLine x;
  auto cy = text::ParseDigits(f[kCy]);
  if (!cy || *cy > 99) return bad("CY", "a storm number 1-99");
  auto t = ParseUtc(f[kTime]);
  if (f[kTime].size() != 10 || !t) return bad("YYYYMMDDHH", "a valid UTC time YYYYMMDDHH");
  if (f[kTech] != "BEST" && f[kTech] != "CARQ") return bad("TECH", "BEST (a best-track b-deck line)");
  auto lat = ParseAtcfTenths(f[kLat], 'N', 'S');
  if (!lat || *lat > 90.0 || *lat < -90.0) return bad("LAT", "latitude in 0.1° with N or S, e.g. 202N");
  auto lon = ParseAtcfTenths(f[kLon], 'E', 'W');
  if (!lon) return bad("LON", "longitude in 0.1° with E or W, e.g. 1143E");
  x.vmax = text::ParseInt(f[kVmax]);
  if (!f[kVmax].empty() && (!x.vmax || *x.vmax < -999 || *x.vmax > 300)) return bad("VMAX", "wind in kt, 0-300 (negative or 0 missing)");
  if (f.size() > kMslp && !f[kMslp].empty()) {
    x.mslp = text::ParseInt(f[kMslp]);
    if (!x.mslp || *x.mslp < -999 || *x.mslp > 1100) return bad("MSLP", "pressure in hPa, 0-1100 (negative or 0 missing)");
  }
  x.ty = f.size() > kTy ? f[kTy] : std::string_view{};
  if (!x.ty.empty()) {
    x.grade = AtcfStatusIndex(x.ty);
    if (x.grade < 0) return bad("TY", "an ATCF status code (DB TD TS TY ST TC HU SD SS EX IN DS LO WV ET XX PT MD)");
  }
  if (!ParseRadii(f, number, ctx, x)) return std::nullopt;
  if (f.size() > kRmw) {
    auto rmw = text::ParseInt(f[kRmw]);
    if (rmw && *rmw > 0 && *rmw < 1000) x.rmw_km = static_cast<float>(*rmw * kKmPerNauticalMile);
  }
  x.cy = *cy, x.time_utc = *t, x.lat_deg = *lat, x.lon_deg = geo::NormalizeLonDeg(*lon);
  return x;
}

}  // namespace

void ParseAtcf(std::string_view text, ParseContext& ctx) {
  const int file_year = AtcfYear(ctx.file());
  text::LineReader reader(text);
  std::string_view line;
  std::int64_t number = 0;
  std::vector<std::string_view> f;
  Current cur;
  int storms_closed = 0;
  while (reader.Next(line, number)) {
    if (text::IsBlank(line)) continue;
    ++ctx.result().records_read;
    text::SplitCommas(line, f);
    const auto x = ParseAtcfLine(f, number, ctx);
    if (!x) continue;
    const std::string basin(f[kBasin]);
    char cy_text[4];
    std::snprintf(cy_text, sizeof cy_text, "%02d", static_cast<int>(x->cy));
    if (!cur.open || cur.basin != basin || cur.cy != cy_text) {
      if (cur.open) Close(cur, file_year, storms_closed++ == 0, ctx);
      cur = Current{};
      cur.open = true;
      cur.basin = basin;
      cur.cy = cy_text;
      cur.storm.basin = basin;
      cur.storm.wind_averaging = WindAveraging::kOneMinute;
      cur.storm.source_format = "atcf";
      cur.storm.source_file = ctx.file();
    }
    if (f.size() > kStormname && !IsGenericName(f[kStormname])) cur.storm.name = std::string(f[kStormname]);
    std::vector<Fix>& fixes = cur.storm.fixes;
    const bool same_time = !fixes.empty() && fixes.back().time_utc == x->time_utc && std::fabs(fixes.back().lat_deg - x->lat_deg) < 1e-9 &&
                           std::fabs(fixes.back().lon_deg - x->lon_deg) < 1e-9;
    if (!same_time) {
      Fix fix;
      fix.time_utc = x->time_utc;
      fix.lat_deg = x->lat_deg;
      fix.lon_deg = x->lon_deg;
      if (x->vmax && *x->vmax > 0) fix.wind_ms = static_cast<float>(KnotsToMs(static_cast<double>(*x->vmax)));
      if (x->mslp && *x->mslp > 0) fix.pressure_hpa = static_cast<float>(*x->mslp);
      fix.grade = static_cast<std::int8_t>(x->grade);
      fix.category = CategoryFromAtcfStatus(x->ty, fix.wind_ms);
      fix.rmw_km = x->rmw_km;
      fix.source_line = number;
      MarkSynoptic(fix);
      fixes.push_back(fix);
    } else {
      ++ctx.result().records_merged;
    }
    if (x->threshold_index >= 0) fixes.back().radii_km[static_cast<std::size_t>(x->threshold_index)] = x->radii;
  }
  Close(cur, file_year, storms_closed == 0, ctx);
}

extern const FormatSpec kAtcfFormat;
const FormatSpec kAtcfFormat{"atcf", "JTWC", "ATCF b-deck files (JTWC bwp*.txt/.dat, NHC b*.dat) or directories", true, &LooksLikeAtcf, &ParseAtcf, nullptr};

}  // namespace taifeng::data
