#include "taifeng/geo/land.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "taifeng/base/error.h"

namespace taifeng::geo {
namespace {

RegionLayer ReadLayer(const std::filesystem::path& path) {
  return IsGeoJsonFile(path) ? ReadGeoJsonLayer(path) : ReadOgrLayer(path);
}

// Index of the first of `names` the layer has, or -1.
int FirstField(const RegionLayer& layer, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names) {
    const auto it = std::find(layer.fields.begin(), layer.fields.end(), n);
    if (it != layer.fields.end()) return static_cast<int>(it - layer.fields.begin());
  }
  return -1;
}

std::string Value(const RegionLayer::Feature& f, int i) {
  return i >= 0 && static_cast<std::size_t>(i) < f.values.size() ? f.values[static_cast<std::size_t>(i)] : std::string();
}

// A province's pinyin name made readable, with its country's code: "Guangdong Sheng" ->
// ("Guangdong, China", "156"); the special administrative regions by their English names.
std::pair<std::string, std::string> Readable(std::string pinyin) {
  if (pinyin.rfind("Hongkong", 0) == 0) return {"Hong Kong, China", "344"};
  if (pinyin.rfind("Aomen", 0) == 0) return {"Macao, China", "446"};
  static constexpr std::array<std::string_view, 6> kSuffixes = {" Sheng", " Shi", " Zizhiqu", "zhuangzu", "huizu", "uygur"};
  for (std::string_view s : kSuffixes) {
    const auto at = pinyin.find(s);
    if (at != std::string::npos) pinyin.erase(at, s.size());
  }
  return {pinyin + ", China", "156"};
}

// True when some vertex of the polygon's outer ring (at most ~64 of them, spread evenly) lies in `land`.
bool Touches(const std::vector<std::vector<LatLon>>& polygon, const RegionSet& land) {
  if (polygon.empty() || polygon[0].empty()) return false;
  const auto& ring = polygon[0];
  const std::size_t stride = std::max<std::size_t>(1, ring.size() / 64);
  for (std::size_t k = 0; k < ring.size(); k += stride) {
    if (land.Locate(ring[k].lat_deg, ring[k].lon_deg)) return true;
  }
  return false;
}

// The detailed layer's features as land regions: only their polygons that touch `replaced`.
void AddDetail(const std::filesystem::path& path, const RegionSet& replaced, RegionLayer& out) {
  const RegionLayer detail = ReadLayer(path);
  const int name_i = FirstField(detail, {"FCNAME", "name"}), name_en_i = FirstField(detail, {"FENAME", "name_en"});
  if (name_en_i < 0) throw ParseError(detail.file, 0, "FENAME", "a field naming each region in English (FENAME or name_en)");
  for (const RegionLayer::Feature& f : detail.features) {
    RegionLayer::Feature kept;
    for (const auto& polygon : f.polygons) {
      if (Touches(polygon, replaced)) kept.polygons.push_back(polygon);
    }
    if (kept.polygons.empty()) continue;
    auto [name_en, code] = Readable(Value(f, name_en_i));
    kept.values = {code, Value(f, name_i), std::move(name_en), "province"};
    out.features.push_back(std::move(kept));
  }
}

}  // namespace

std::shared_ptr<const RegionSet> LoadLand(const LandSources& sources) {
  const RegionLayer countries = ReadLayer(sources.countries);
  const int code_i = FirstField(countries, {"iso_n3", "ISO_N3", "code"});
  const int name_i = FirstField(countries, {"name", "NAME", "name_en", "FENAME"});
  if (name_i < 0) throw ParseError(countries.file, 0, "name", "a field naming each country (name, NAME, name_en or FENAME)");
  RegionLayer out, replaced;
  out.file = countries.file;
  out.fields = replaced.fields = {"code", "name", "name_en", "level"};
  replaced.file = countries.file;
  const bool with_detail = !sources.detail.empty();
  for (const RegionLayer::Feature& f : countries.features) {
    RegionLayer::Feature country{{Value(f, code_i), "", Value(f, name_i), "country"}, f.polygons};
    const bool replace = with_detail && std::find(sources.detail_replaces.begin(), sources.detail_replaces.end(), country.values[0]) !=
                                            sources.detail_replaces.end();
    (replace ? replaced : out).features.push_back(std::move(country));
  }
  if (with_detail) {
    if (replaced.features.empty()) throw ParseError(countries.file, 0, "iso_n3", "the countries the detailed layer replaces");
    AddDetail(sources.detail, *RegionSet::FromLayer(replaced, RegionSet::Fields("code", "", "name_en")), out);
  }
  RegionSet::LoadOptions o = RegionSet::Fields("code", "name", "name_en", sources.min_area_km2);
  o.level_field = "level";
  o.datum = RegionSet::Datum::kWgs84;
  return RegionSet::FromLayer(out, o);
}

}  // namespace taifeng::geo
