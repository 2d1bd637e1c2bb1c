#include "risk_maps.h"

#include <cmath>
#include <filesystem>

#include "output.h"
#include "taifeng/base/env.h"
#include "svg_map.h"

namespace taifeng::cli {

namespace {

namespace fs = std::filesystem;

// Sequential classes (ColorBrewer YlOrRd, 8 classes); below the first class: no fill.
const char* const kPalette[] = {"#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"};

std::vector<double> Classes(const std::string& quantity) {
  if (quantity == "wind_ms") return {15, 20, 25, 30, 35, 40, 45, 50};  // m/s, 10-minute mean
  if (quantity == "gust_ms") return {20, 25, 30, 35, 40, 50, 60, 70};  // m/s, 3-second gust
  return {100, 150, 200, 300, 400, 600, 800, 1000};                    // mm
}

// The class of a level: -1 below the first, else 0..7.
int ClassOf(const std::vector<double>& classes, double level) {
  int c = -1;
  for (std::size_t i = 0; i < classes.size(); ++i)
    if (level >= classes[i]) c = static_cast<int>(i);
  return c;
}

// The map's title for a quantity (its long name is in the atlas and too long for a title).
std::string Title(const std::string& quantity) {
  if (quantity == "wind_ms") return "10-minute mean wind, marine exposure, storm maximum";
  if (quantity == "gust_ms") return "3-second gust, storm maximum";
  if (quantity == "rain_total_mm") return "storm-total rain (R-CLIPER)";
  return "wettest 24 h of rain (R-CLIPER)";
}

std::string Fill(int c) { return std::string("fill=\"") + kPalette[c] + "\" fill-opacity=\"0.85\""; }

MapBounds Bounds(const data::Atlas& a) {
  MapBounds b;
  for (std::size_t s = 0; s < a.sites(); ++s) b.Add(a.lat_deg[s], a.lon_deg[s]);
  if (a.grid) {
    const auto& g = *a.grid;
    b.Add(g.lat0_deg - g.step_deg / 2, g.lon0_deg - g.step_deg / 2);
    b.Add(g.lat0_deg + (g.nlat - 0.5) * g.step_deg, g.lon0_deg + (g.nlon - 0.5) * g.step_deg);
  }
  return b;
}

// The grid's cells, each row's runs of one class as one rectangle.
void DrawGrid(SvgMap& map, const data::Atlas& a, const data::AtlasQuantity& q, std::size_t period, const std::vector<double>& classes) {
  const auto& g = *a.grid;
  const std::size_t np = a.periods_years.size();
  for (int r = 0; r < g.nlat; ++r) {
    const double south = g.lat0_deg + (r - 0.5) * g.step_deg, north = south + g.step_deg;
    int run_start = 0, run_class = -2;
    for (int c = 0; c <= g.nlon; ++c) {
      int k = -2;
      if (c < g.nlon) {
        const std::size_t site = static_cast<std::size_t>(g.first_site) + static_cast<std::size_t>(r) * g.nlon + c;
        k = q.bound[site * np + period] == 1 ? -1 : ClassOf(classes, q.level[site * np + period]);
      }
      if (k == run_class) continue;
      if (run_class >= 0) {
        const double west = g.lon0_deg + (run_start - 0.5) * g.step_deg, east = g.lon0_deg + (c - 0.5) * g.step_deg;
        map.Area({{south, west}, {north, west}, {north, east}, {south, east}}, Fill(run_class));
      }
      run_start = c, run_class = k;
    }
  }
}

void DrawRegions(SvgMap& map, const data::Atlas& a, const data::AtlasQuantity& q, std::size_t period, const std::vector<double>& classes,
                 const geo::RegionSet& regions) {
  const std::size_t np = a.periods_years.size();
  for (std::size_t s = 0; s < a.sites(); ++s) {
    if (a.kind[s] != 0) continue;
    const auto r = regions.Find(a.code[s]);
    if (!r) continue;
    const int k = q.bound[s * np + period] == 1 ? -1 : ClassOf(classes, q.level[s * np + period]);
    const std::string style = (k >= 0 ? Fill(k) : std::string("fill=\"none\"")) + " stroke=\"#555\" stroke-width=\"0.6\"";
    for (const auto& polygon : regions.Polygons(*r))
      if (!polygon.empty()) map.Area(polygon.front(), style);
  }
}

std::string OneMap(const data::Atlas& a, const data::AtlasQuantity& q, std::size_t period, const geo::RegionSet* regions,
                   const geo::RegionSet* land) {
  const std::vector<double> classes = Classes(q.name);
  SvgMap map(Bounds(a), 0.5, 1000);
  if (land) map.Land(*land);
  if (a.grid) DrawGrid(map, a, q, period, classes);
  if (regions) DrawRegions(map, a, q, period, classes, *regions);
  map.Graticule(1);
  const std::size_t np = a.periods_years.size();
  for (std::size_t s = 0; s < a.sites(); ++s) {
    if (a.kind[s] != 2) continue;
    map.Dot(a.lat_deg[s], a.lon_deg[s], 3, "fill=\"black\"");
    map.Label(a.lat_deg[s], a.lon_deg[s], a.name_en[s] + " " + FormatFloat(q.level[s * np + period], 0), "font-size=\"11\"");
  }
  const std::string units = q.name == "wind_ms" || q.name == "gust_ms" ? "m/s" : "mm";
  std::vector<std::pair<std::string, std::string>> key;
  for (std::size_t c = classes.size(); c-- > 0;)
    key.emplace_back(std::string("stroke=\"") + kPalette[c] + "\" stroke-width=\"10\"",
                     (c + 1 < classes.size() ? FormatFloat(classes[c], 0) + "–" + FormatFloat(classes[c + 1], 0) : ">= " + FormatFloat(classes[c], 0)) +
                         " " + units);
  map.Legend(key);
  const int t = static_cast<int>(a.periods_years[period]);
  map.Text(10, 22, std::to_string(t) + "-year " + Title(q.name) + " (" + units + ")", "font-size=\"16\" font-weight=\"bold\"");
  map.Text(10, 44, "MODELLED: " + std::to_string(a.years) + " synthetic years, seed " + std::to_string(a.seed) + "; white: below " +
                       FormatFloat(classes.front(), 0) + " " + units,
           "font-size=\"12\"");
  return map.Svg();
}

}  // namespace

void WriteRiskMaps(const data::Atlas& atlas, const geo::RegionSet* regions, const geo::RegionSet* land, const std::string& dir) {
  fs::create_directories(dir);
  for (const data::AtlasQuantity& q : atlas.quantities)
    for (std::size_t p = 0; p < atlas.periods_years.size(); ++p)
      WriteFileAtomically(fs::path(dir) / (q.name + "_" + std::to_string(static_cast<int>(atlas.periods_years[p])) + "y.svg"),
                          OneMap(atlas, q, p, regions, land));
}

}  // namespace taifeng::cli
