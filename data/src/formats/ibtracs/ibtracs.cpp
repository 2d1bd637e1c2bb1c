// IBTrACS v04 netCDF-4 (HDF5): storms × date_time grids with one set of columns per agency
// (Knapp et al. 2010). Reads one agency's columns; a storm that agency did not track is not
// imported (it is counted in the source's record total but is not an error).
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "h5.h"
#include "taifeng/geo/geodesy.h"
#include "formats/format_spec.h"
#include "formats/ibtracs/ibtracs.h"
#include "parse_context.h"
#include "storm_build.h"
#include "text_util.h"

namespace taifeng::data {
namespace {

bool LooksLikeIbtracs(std::string_view name) { return EndsWithI(name, ".nc"); }

struct AgencyColumns {
  std::string_view agency;  // as stored in Storm::agency
  std::string_view prefix;  // IBTrACS column prefix
  WindAveraging averaging;
};

constexpr std::array<AgencyColumns, 4> kAgencies{{
    {"CMA", "cma", WindAveraging::kTwoMinute},
    {"JTWC", "usa", WindAveraging::kOneMinute},
    {"JMA", "tokyo", WindAveraging::kTenMinute},
    {"HKO", "hko", WindAveraging::kTenMinute},
}};

// HKO categories (IBTrACS hko_cat); the archive's grade for HKO is the index here, stored as
// the attribute grade_codes_hko.
constexpr std::array<std::string_view, 6> kHkoCodes{"TD", "TS", "STS", "T", "ST", "SuperT"};

const AgencyColumns* FindAgency(std::string_view name) {
  std::string_view canonical = name;
  if (IEquals(name, "USA")) canonical = "JTWC";
  if (IEquals(name, "TOKYO")) canonical = "JMA";
  for (const auto& a : kAgencies) {
    if (IEquals(a.agency, canonical)) return &a;
  }
  return nullptr;
}

std::string Column(const AgencyColumns& a, std::string_view suffix) {
  return std::string(a.prefix) + "_" + std::string(suffix);
}

}  // namespace

std::string_view HkoGradeCode(int index) noexcept {
  return index >= 0 && index < static_cast<int>(kHkoCodes.size()) ? kHkoCodes[static_cast<std::size_t>(index)] : "";
}

namespace {

// The variables of one agency's columns, storm × date_time (radii: × 4 quadrants).
struct Columns {
  std::vector<std::string> sid, name, iso_time, basin, status;
  std::vector<std::int16_t> season, wind, pres, rmw;
  std::vector<float> lat, lon;
  std::vector<std::int8_t> cat;
  std::array<std::vector<std::int16_t>, 3> radii;
  std::size_t n_storms = 0, n_times = 0;
};

void ReadVariables(hid_t root, const AgencyColumns& agency, Columns& c) {
  auto open = [&](const std::string& n) { return h5::OpenDataset(root, n.c_str()); };
  const h5::Handle lat_ds = open(Column(agency, "lat"));
  const std::vector<hsize_t> shape = h5::Shape(lat_ds.get());
  if (shape.size() != 2) throw Error(ErrorCode::kArchiveFormat, "lat is not storm × date_time");
  c.n_storms = shape[0];
  c.n_times = shape[1];
  if (c.n_storms > 1000000 || c.n_times > 100000) throw Error(ErrorCode::kArchiveFormat, "implausible dimensions");
  c.lat = h5::ReadNumeric<float>(lat_ds.get());
  c.lon = h5::ReadNumeric<float>(open(Column(agency, "lon")).get());
  c.wind = h5::ReadNumeric<std::int16_t>(open(Column(agency, "wind")).get());
  c.pres = h5::ReadNumeric<std::int16_t>(open(Column(agency, "pres")).get());
  c.sid = h5::ReadCharArrays(open("sid").get());
  c.name = h5::ReadCharArrays(open("name").get());
  c.iso_time = h5::ReadCharArrays(open("iso_time").get());
  c.basin = h5::ReadCharArrays(open("basin").get());
  c.season = h5::ReadNumeric<std::int16_t>(open("season").get());
  if (agency.prefix == "cma") c.cat = h5::ReadNumeric<std::int8_t>(open("cma_cat").get());
  if (agency.prefix == "tokyo") c.cat = h5::ReadNumeric<std::int8_t>(open("tokyo_grade").get());
  if (agency.prefix == "hko") c.status = h5::ReadCharArrays(open("hko_cat").get());
  if (agency.prefix == "usa") {
    c.status = h5::ReadCharArrays(open("usa_status").get());
    c.rmw = h5::ReadNumeric<std::int16_t>(open("usa_rmw").get());
    c.radii[0] = h5::ReadNumeric<std::int16_t>(open("usa_r34").get());
    c.radii[1] = h5::ReadNumeric<std::int16_t>(open("usa_r50").get());
    c.radii[2] = h5::ReadNumeric<std::int16_t>(open("usa_r64").get());
  }
}

Columns ReadColumns(const std::string& path, const AgencyColumns& agency, ParseContext& ctx) {
  h5::Handle file;
  try {
    file = h5::OpenFile(path);
  } catch (const Error& e) {
    throw ParseError(ctx.file(), 0, "file", std::string("an IBTrACS netCDF-4 file (") + e.what() + ")");
  }
  Columns c;
  try {
    ReadVariables(file.get(), agency, c);
  } catch (const ParseError&) {
    throw;
  } catch (const Error& e) {
    throw ParseError(ctx.file(), 0, "variables", std::string("IBTrACS v04 variables (") + e.what() + ")");
  }
  const std::size_t cells = c.n_storms * c.n_times;
  auto sized = [&](std::size_t got, std::size_t want, const char* what) {
    if (got != want) throw ParseError(ctx.file(), 0, what, "a variable matching storm × date_time");
  };
  sized(c.lon.size(), cells, "lon");
  sized(c.wind.size(), cells, "wind");
  sized(c.pres.size(), cells, "pres");
  sized(c.iso_time.size(), cells, "iso_time");
  sized(c.basin.size(), cells, "basin");
  sized(c.sid.size(), c.n_storms, "sid");
  sized(c.name.size(), c.n_storms, "name");
  sized(c.season.size(), c.n_storms, "season");
  if (!c.cat.empty()) sized(c.cat.size(), cells, "grade");
  if (!c.status.empty()) sized(c.status.size(), cells, "status");
  if (!c.rmw.empty()) sized(c.rmw.size(), cells, "rmw");
  for (const auto& r : c.radii)
    if (!r.empty()) sized(r.size(), cells * 4, "radii");
  return c;
}

// The agency's grade and the common category of cell i (and, for the USA columns, radii and RMW).
void SetGrade(const Columns& c, const AgencyColumns& agency, std::size_t i, Fix& fix) {
  if (agency.prefix == "cma" || agency.prefix == "tokyo") {
    const int g = c.cat[i];  // NOLINT(bugprone-signed-char-misuse): a signed grade, -1 missing
    if (g >= 0 && g <= 9) fix.grade = static_cast<std::int8_t>(g);
    if (agency.prefix == "cma") {
      fix.category = g >= 1 && g <= 6 ? static_cast<Category>(g)
                     : g == 9        ? Category::kExtratropical
                                     : CategoryFromWind(fix.wind_ms, agency.averaging);
    } else {
      fix.category = g == 2 ? Category::kTropicalDepression
                     : g == 6 ? Category::kExtratropical
                              : CategoryFromWind(fix.wind_ms, agency.averaging);
    }
  } else if (agency.prefix == "usa") {
    fix.grade = static_cast<std::int8_t>(AtcfStatusIndex(c.status[i]));
    fix.category = CategoryFromAtcfStatus(c.status[i], fix.wind_ms);
    if (c.rmw[i] > 0 && c.rmw[i] < 1000) fix.rmw_km = static_cast<float>(c.rmw[i] * kKmPerNauticalMile);
    for (std::size_t k = 0; k < 3; ++k) {
      for (std::size_t q = 0; q < 4; ++q) {
        const std::int16_t r = c.radii[k][i * 4 + q];
        if (r >= 0 && r < 2000) fix.radii_km[k][q] = static_cast<float>(r * kKmPerNauticalMile);
      }
    }
  } else {  // hko
    for (std::size_t k = 0; k < kHkoCodes.size(); ++k) {
      if (c.status[i] == kHkoCodes[k]) {
        fix.grade = static_cast<std::int8_t>(k);
        fix.category = static_cast<Category>(k + 1);
      }
    }
    if (fix.grade == kGradeMissing) fix.category = CategoryFromWind(fix.wind_ms, agency.averaging);
  }
}

// Storm s, or nullopt when it has no fix. A bad fix (an unreadable time, a position out of range,
// a NaN latitude) is reported and left out alone: the storm keeps its other fixes. (Fill values,
// below -9000, are the grid's empty cells, not records.)
std::optional<Storm> ReadStorm(const Columns& c, const AgencyColumns& agency, std::size_t s, ParseContext& ctx) {
  Storm storm;
  storm.agency = std::string(agency.agency);
  storm.agency_number = c.sid[s];
  storm.id = storm.agency + ":IBTrACS-" + c.sid[s];
  storm.name = IEquals(c.name[s], "UNNAMED") || IEquals(c.name[s], "NOT_NAMED") ? "" : c.name[s];
  storm.season = c.season[s];
  storm.wind_averaging = agency.averaging;
  storm.source_format = "ibtracs";
  storm.source_file = ctx.file();
  for (std::size_t t = 0; t < c.n_times; ++t) {
    const std::size_t i = s * c.n_times + t;
    if (c.lat[i] <= -9000.0f) continue;  // the grid's fill value: no record here
    ++ctx.result().records_read;
    const std::int64_t record = static_cast<std::int64_t>(s + 1);
    const std::string at = " (time " + std::to_string(t) + ")";
    auto when = ParseUtc(c.iso_time[i]);
    if (!when) {
      ctx.Bad(record, "iso_time" + at, "a time YYYY-MM-DD HH:MM:SS; this fix left out");
      continue;
    }
    if (std::isnan(c.lat[i]) || c.lat[i] < -90.0f || c.lat[i] > 90.0f || !(c.lon[i] > -9000.0f) || c.lon[i] > 720.0f || c.lon[i] < -720.0f) {
      ctx.Bad(record, std::string(agency.prefix) + "_lat/lon" + at, "a position in degrees; this fix left out");
      continue;
    }
    if (storm.basin.empty()) storm.basin = c.basin[i];
    Fix fix;
    fix.time_utc = *when;
    fix.lat_deg = c.lat[i];
    fix.lon_deg = geo::NormalizeLonDeg(c.lon[i]);
    if (c.wind[i] > 0 && c.wind[i] < 400) fix.wind_ms = static_cast<float>(KnotsToMs(c.wind[i]));
    if (c.pres[i] > 0 && c.pres[i] < 1200) fix.pressure_hpa = static_cast<float>(c.pres[i]);
    SetGrade(c, agency, i, fix);
    fix.source_line = record;
    MarkSynoptic(fix);
    storm.fixes.push_back(fix);
  }
  if (storm.fixes.empty()) return std::nullopt;
  return storm;
}

}  // namespace

void ImportIbtracs(const std::string& path, ParseContext& ctx) {
  const AgencyColumns* agency = FindAgency(ctx.options().ibtracs_agency);
  if (agency == nullptr) {
    throw Error(ErrorCode::kInvalidArgument,
                "IBTrACS agency '" + ctx.options().ibtracs_agency + "': expected CMA, JTWC (USA), JMA (TOKYO) or HKO");
  }
  const Columns c = ReadColumns(path, *agency, ctx);
  for (std::size_t s = 0; s < c.n_storms; ++s)
    if (auto storm = ReadStorm(c, *agency, s, ctx)) ctx.result().storms.push_back(std::move(*storm));
}

extern const FormatSpec kIbtracsFormat;
const FormatSpec kIbtracsFormat{"ibtracs", "", "IBTrACS v04 netCDF files", true, &LooksLikeIbtracs, nullptr, &ImportIbtracs};

}  // namespace taifeng::data
