// CMA / Shanghai Typhoon Institute best track, CHYYYYBST.txt.
//
// Header: 66666 INTL COUNT SERIAL CN[,CN] END INTERVAL NAME… DATE (NAME may be absent, contain
// spaces or brackets, be "(nameless)", or end in "(-)n" for a secondary centre).
// Track:  YYYYMMDDHH GRADE LAT(0.1°N) LON(0.1°E) PRES(hPa) WND(m/s, 2-min) [OWD(m/s)]
// WND=9 means "below 10 m/s", WND=0 missing; longitudes above 180°E are wrapped at import.
#include <string>
#include <vector>

#include "formats/format_spec.h"
#include "taifeng/geo/geodesy.h"
#include "parse_context.h"
#include "storm_build.h"
#include "text_util.h"

namespace taifeng::data {
namespace {

// CHYYYYBST.txt
int CmaYear(std::string_view name) noexcept {
  if (name.size() < 9 || !IEquals(name.substr(0, 2), "CH") || !IEquals(name.substr(6, 3), "BST")) return 0;
  return YearInFileName(name.substr(2, 4));
}
bool LooksLikeCma(std::string_view name) { return CmaYear(name) > 0 && EndsWithI(name, ".txt"); }

struct Block {
  Storm storm;
  std::int64_t header_line = 0;
  std::int64_t declared_count = -1;
  int serial = 0;
  int secondary_index = 0;
  bool open = false;
};

std::string StripSecondarySuffix(std::string name, int& index) {
  // "Faye(Gloria)(-)1" -> "Faye(Gloria)", index 1.
  const std::size_t pos = name.rfind("(-)");
  index = 0;
  if (pos == std::string::npos) return name;
  auto n = text::ParseDigits(std::string_view(name).substr(pos + 3));
  if (!n) return name;
  index = static_cast<int>(*n);
  name.erase(pos);
  return name;
}

void CloseBlock(Block& block, int file_year, ParseContext& ctx) {
  if (!block.open) return;
  block.open = false;
  Storm& s = block.storm;
  if (s.fixes.empty() && block.declared_count != 0) {
    ctx.BadHeader(block.header_line, "COUNT", "track records after the header (found none)");
    return;
  }
  ctx.CheckDeclaredCount(block.header_line, block.declared_count, s.fixes.size());
  s.season = file_year > 0 ? file_year : (s.fixes.empty() ? 0 : ToCivil(s.fixes.front().time_utc).year);
  char key[48];
  std::snprintf(key, sizeof key, "CMA:%04d-%04d", s.season, block.serial);
  s.id = key;
  if (block.secondary_index > 0) s.id += "-" + std::to_string(block.secondary_index);
  ctx.result().storms.push_back(std::move(s));
}

bool ParseHeader(std::string_view line, std::int64_t number, std::vector<std::string_view>& tok,
                 Block& block, ParseContext& ctx) {
  text::SplitWhitespace(line, tok);
  if (tok.size() < 8) {
    ctx.BadHeader(number, "header", "66666 INTL COUNT SERIAL CN END INTERVAL [NAME] DATE (at least 8 fields)");
    return false;
  }
  auto intl = text::ParseDigits(tok[1], 4);
  auto count = text::ParseDigits(tok[2]);
  auto serial = text::ParseDigits(tok[3]);
  auto end = text::ParseDigits(tok[5], 1);
  auto date = text::ParseDigits(tok.back(), 8);
  if (!intl) return ctx.BadHeader(number, "INTL", "a 4-digit international number"), false;
  if (!count || *count > 10000) return ctx.BadHeader(number, "COUNT", "a record count 0-10000"), false;
  if (!serial || *serial > 9999) return ctx.BadHeader(number, "SERIAL", "a serial number 0-9999"), false;
  for (char c : tok[4]) {
    if (!(c >= '0' && c <= '9') && c != ',') return ctx.BadHeader(number, "CN", "digits, or two numbers joined by a comma"), false;
  }
  if (!end) return ctx.BadHeader(number, "END", "a one-digit end flag"), false;
  if (!text::ParseDigits(tok[6])) return ctx.BadHeader(number, "INTERVAL", "hours between records"), false;
  if (!date) return ctx.BadHeader(number, "DATE", "the compilation date YYYYMMDD"), false;

  block = Block{};
  block.open = true;
  block.header_line = number;
  block.declared_count = *count;
  block.serial = static_cast<int>(*serial);
  Storm& s = block.storm;
  s.agency = "CMA";
  s.basin = "WP";
  s.intl_number = *intl == 0 ? "" : std::string(tok[1]);
  s.agency_number = tok[4] == "0000" ? "" : std::string(tok[4]);
  s.end_flag = static_cast<std::int8_t>(*end);
  s.wind_averaging = WindAveraging::kTwoMinute;
  s.source_format = "cma";
  s.source_file = ctx.file();
  std::string name;
  for (std::size_t i = 7; i + 1 < tok.size(); ++i) {
    if (!name.empty()) name += ' ';
    name.append(tok[i]);
  }
  name = StripSecondarySuffix(std::move(name), block.secondary_index);
  s.secondary_centre = block.secondary_index > 0;
  s.name = IEquals(name, "(nameless)") ? "" : name;
  return true;
}

void ParseTrack(std::string_view line, std::int64_t number, std::vector<std::string_view>& tok,
                Block& block, ParseContext& ctx) {
  text::SplitWhitespace(line, tok);
  if (tok.size() != 6 && tok.size() != 7) {
    return ctx.Bad(number, "record", "YYYYMMDDHH GRADE LAT LON PRES WND [OWD] (6 or 7 fields)");
  }
  auto t = ParseUtc(tok[0]);
  if (tok[0].size() != 10 || !t) return ctx.Bad(number, "YYYYMMDDHH", "a valid UTC time YYYYMMDDHH");
  auto grade = text::ParseDigits(tok[1], 1);
  if (!grade || (*grade > 6 && *grade != 9)) return ctx.Bad(number, "GRADE", "a CMA grade 0-6 or 9");
  auto lat = text::ParseDigits(tok[2]);
  if (!lat || *lat > 900) return ctx.Bad(number, "LAT", "latitude in 0.1°N, 0-900");
  auto lon = text::ParseDigits(tok[3]);
  if (!lon || *lon > 3600) return ctx.Bad(number, "LON", "longitude in 0.1°E, 0-3600");
  auto pres = text::ParseDigits(tok[4]);
  if (!pres || *pres > 1100) return ctx.Bad(number, "PRES", "pressure in hPa, 0-1100 (0 missing)");
  auto wnd = text::ParseDigits(tok[5]);
  if (!wnd || *wnd > 150) return ctx.Bad(number, "WND", "wind in m/s, 0-150 (0 missing, 9 below 10)");
  std::optional<std::int64_t> owd;
  if (tok.size() == 7) {
    owd = text::ParseDigits(tok[6]);
    if (!owd || *owd > 150) return ctx.Bad(number, "OWD", "average wind in m/s, 0-150");
  }
  Fix f;
  f.time_utc = *t;
  f.lat_deg = static_cast<double>(*lat) / 10.0;
  f.lon_deg = geo::NormalizeLonDeg(static_cast<double>(*lon) / 10.0);
  f.pressure_hpa = *pres == 0 ? kMissing : static_cast<float>(*pres);
  if (*wnd == 9) {
    f.flags |= kFixWindBelow10Ms;
  } else if (*wnd != 0) {
    f.wind_ms = static_cast<float>(*wnd);
  }
  if (owd && *owd != 0) f.mean_wind_ms = static_cast<float>(*owd);
  f.grade = static_cast<std::int8_t>(*grade);
  if (*grade >= 1 && *grade <= 6) {
    f.category = static_cast<Category>(*grade);
  } else if (*grade == 9) {
    f.category = Category::kExtratropical;
  } else if (f.flags & kFixWindBelow10Ms) {
    f.category = Category::kDisturbance;
  } else {
    f.category = CategoryFromWind(f.wind_ms, WindAveraging::kTwoMinute);
  }
  f.source_line = number;
  MarkSynoptic(f);
  block.storm.fixes.push_back(f);
}

}  // namespace

void ParseCma(std::string_view text, ParseContext& ctx) {
  const int file_year = CmaYear(ctx.file());
  text::LineReader reader(text);
  std::string_view line;
  std::int64_t number = 0;
  std::vector<std::string_view> tok;
  Block block;
  bool skipping_block = false;
  while (reader.Next(line, number)) {
    if (text::IsBlank(line)) continue;
    const std::string_view head = text::Trim(line);
    if (head.substr(0, 5) == "66666" && (head.size() == 5 || text::IsSpace(head[5]))) {
      CloseBlock(block, file_year, ctx);
      skipping_block = !ParseHeader(head, number, tok, block, ctx);
      continue;
    }
    ++ctx.result().records_read;
    if (skipping_block) {
      ctx.Bad(number, "record", "a record under a valid header (its header was skipped)");
      continue;
    }
    if (!block.open) {
      ctx.Bad(number, "record", "a 66666 header line before track records");
      continue;
    }
    ParseTrack(head, number, tok, block, ctx);
  }
  CloseBlock(block, file_year, ctx);
}

extern const FormatSpec kCmaFormat;
const FormatSpec kCmaFormat{"cma", "CMA", "CMA/STI CHYYYYBST.txt files or directories", true, &LooksLikeCma, &ParseCma, nullptr};

}  // namespace taifeng::data
