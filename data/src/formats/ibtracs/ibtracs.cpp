// IBTrACS v04 netCDF-4 (HDF5): storms × date_time grids with one set of columns per agency
// (Knapp et al. 2010). Reads one agency's columns; a storm that agency did not track is not
// imported (it is counted in the source's record total but is not an error).
#include <array>
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

void ImportIbtracs(const std::string& path, ParseContext& ctx) {
  const AgencyColumns* agency = FindAgency(ctx.options().ibtracs_agency);
  if (agency == nullptr) {
    throw Error(ErrorCode::kInvalidArgument,
                "IBTrACS agency '" + ctx.options().ibtracs_agency + "': expected CMA, JTWC (USA), JMA (TOKYO) or HKO");
  }
  h5::Handle file;
  try {
    file = h5::OpenFile(path);
  } catch (const Error& e) {
    throw ParseError(ctx.file(), 0, "file", std::string("an IBTrACS netCDF-4 file (") + e.what() + ")");
  }
  const hid_t root = file.get();
  std::vector<std::string> sid, name, iso_time, basin, status;
  std::vector<std::int16_t> season, wind, pres;
  std::vector<float> lat, lon;
  std::vector<std::int8_t> cat;
  std::vector<std::int16_t> rmw;
  std::array<std::vector<std::int16_t>, 3> radii;
  std::size_t n_storms = 0, n_times = 0;
  try {
    auto open = [&](const std::string& n) { return h5::OpenDataset(root, n.c_str()); };
    const h5::Handle lat_ds = open(Column(*agency, "lat"));
    const std::vector<hsize_t> shape = h5::Shape(lat_ds.get());
    if (shape.size() != 2) throw Error(ErrorCode::kArchiveFormat, "lat is not storm × date_time");
    n_storms = shape[0];
    n_times = shape[1];
    if (n_storms > 1000000 || n_times > 100000) throw Error(ErrorCode::kArchiveFormat, "implausible dimensions");
    lat = h5::ReadNumeric<float>(lat_ds.get());
    lon = h5::ReadNumeric<float>(open(Column(*agency, "lon")).get());
    wind = h5::ReadNumeric<std::int16_t>(open(Column(*agency, "wind")).get());
    pres = h5::ReadNumeric<std::int16_t>(open(Column(*agency, "pres")).get());
    sid = h5::ReadCharArrays(open("sid").get());
    name = h5::ReadCharArrays(open("name").get());
    iso_time = h5::ReadCharArrays(open("iso_time").get());
    basin = h5::ReadCharArrays(open("basin").get());
    season = h5::ReadNumeric<std::int16_t>(open("season").get());
    if (agency->prefix == "cma") cat = h5::ReadNumeric<std::int8_t>(open("cma_cat").get());
    if (agency->prefix == "tokyo") cat = h5::ReadNumeric<std::int8_t>(open("tokyo_grade").get());
    if (agency->prefix == "hko") status = h5::ReadCharArrays(open("hko_cat").get());
    if (agency->prefix == "usa") {
      status = h5::ReadCharArrays(open("usa_status").get());
      rmw = h5::ReadNumeric<std::int16_t>(open("usa_rmw").get());
      radii[0] = h5::ReadNumeric<std::int16_t>(open("usa_r34").get());
      radii[1] = h5::ReadNumeric<std::int16_t>(open("usa_r50").get());
      radii[2] = h5::ReadNumeric<std::int16_t>(open("usa_r64").get());
    }
  } catch (const ParseError&) {
    throw;
  } catch (const Error& e) {
    throw ParseError(ctx.file(), 0, "variables", std::string("IBTrACS v04 variables (") + e.what() + ")");
  }
  const std::size_t cells = n_storms * n_times;
  auto sized = [&](std::size_t got, std::size_t want, const char* what) {
    if (got != want) throw ParseError(ctx.file(), 0, what, "a variable matching storm × date_time");
  };
  sized(lon.size(), cells, "lon");
  sized(wind.size(), cells, "wind");
  sized(pres.size(), cells, "pres");
  sized(iso_time.size(), cells, "iso_time");
  sized(basin.size(), cells, "basin");
  sized(sid.size(), n_storms, "sid");
  sized(name.size(), n_storms, "name");
  sized(season.size(), n_storms, "season");
  if (!cat.empty()) sized(cat.size(), cells, "grade");
  if (!status.empty()) sized(status.size(), cells, "status");
  if (!rmw.empty()) sized(rmw.size(), cells, "rmw");
  for (const auto& r : radii) {
    if (!r.empty()) sized(r.size(), cells * 4, "radii");
  }

  for (std::size_t s = 0; s < n_storms; ++s) {
    Storm storm;
    storm.agency = std::string(agency->agency);
    storm.agency_number = sid[s];
    storm.id = storm.agency + ":IBTrACS-" + sid[s];
    storm.name = IEquals(name[s], "UNNAMED") || IEquals(name[s], "NOT_NAMED") ? "" : name[s];
    storm.season = season[s];
    storm.wind_averaging = agency->averaging;
    storm.source_format = "ibtracs";
    storm.source_file = ctx.file();
    bool storm_bad = false;
    for (std::size_t t = 0; t < n_times && !storm_bad; ++t) {
      const std::size_t i = s * n_times + t;
      if (!(lat[i] > -9000.0f)) continue;
      ++ctx.result().records_read;
      const std::int64_t record = static_cast<std::int64_t>(s + 1);
      auto when = ParseUtc(iso_time[i]);
      if (!when) { ctx.Bad(record, "iso_time", "a time YYYY-MM-DD HH:MM:SS"); storm_bad = true; break; }
      if (lat[i] < -90.0f || lat[i] > 90.0f || !(lon[i] > -9000.0f) || lon[i] > 720.0f || lon[i] < -720.0f) {
        ctx.Bad(record, std::string(agency->prefix) + "_lat/lon", "a position in degrees");
        storm_bad = true;
        break;
      }
      if (storm.basin.empty()) storm.basin = basin[i];
      Fix fix;
      fix.time_utc = *when;
      fix.lat_deg = lat[i];
      fix.lon_deg = geo::NormalizeLonDeg(lon[i]);
      if (wind[i] > 0 && wind[i] < 400) fix.wind_ms = static_cast<float>(KnotsToMs(wind[i]));
      if (pres[i] > 0 && pres[i] < 1200) fix.pressure_hpa = static_cast<float>(pres[i]);
      if (agency->prefix == "cma" || agency->prefix == "tokyo") {
        const int g = cat[i];
        if (g >= 0 && g <= 9) fix.grade = static_cast<std::int8_t>(g);
        if (agency->prefix == "cma") {
          fix.category = g >= 1 && g <= 6 ? static_cast<Category>(g)
                         : g == 9        ? Category::kExtratropical
                                         : CategoryFromWind(fix.wind_ms, agency->averaging);
        } else {
          fix.category = g == 2 ? Category::kTropicalDepression
                         : g == 6 ? Category::kExtratropical
                                  : CategoryFromWind(fix.wind_ms, agency->averaging);
        }
      } else if (agency->prefix == "usa") {
        fix.grade = static_cast<std::int8_t>(AtcfStatusIndex(status[i]));
        fix.category = CategoryFromAtcfStatus(status[i], fix.wind_ms);
        if (rmw[i] > 0 && rmw[i] < 1000) fix.rmw_km = static_cast<float>(rmw[i] * kKmPerNauticalMile);
        for (std::size_t k = 0; k < 3; ++k) {
          for (std::size_t q = 0; q < 4; ++q) {
            const std::int16_t r = radii[k][i * 4 + q];
            if (r >= 0 && r < 2000) fix.radii_km[k][q] = static_cast<float>(r * kKmPerNauticalMile);
          }
        }
      } else {  // hko
        for (std::size_t k = 0; k < kHkoCodes.size(); ++k) {
          if (status[i] == kHkoCodes[k]) {
            fix.grade = static_cast<std::int8_t>(k);
            fix.category = static_cast<Category>(k + 1);
          }
        }
        if (fix.grade == kGradeMissing) fix.category = CategoryFromWind(fix.wind_ms, agency->averaging);
      }
      fix.source_line = record;
      MarkSynoptic(fix);
      storm.fixes.push_back(fix);
    }
    if (!storm_bad && !storm.fixes.empty()) ctx.result().storms.push_back(std::move(storm));
  }
}

extern const FormatSpec kIbtracsFormat;
const FormatSpec kIbtracsFormat{"ibtracs", "", "IBTrACS v04 netCDF files", true, &LooksLikeIbtracs, nullptr, &ImportIbtracs};

}  // namespace taifeng::data
