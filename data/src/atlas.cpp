#include "taifeng/data/atlas.h"

#include <unistd.h>

#include "h5.h"
#include "taifeng/base/error.h"

namespace taifeng::data {

namespace {

namespace fs = std::filesystem;
using h5::Handle;

constexpr const char* kSchema = "taifeng-risk-atlas";
constexpr int kVersion = 1;

void CheckSizes(const Atlas& a) {
  const std::size_t n = a.sites(), p = a.periods_years.size();
  const auto bad = [](const std::string& what) { throw Error(ErrorCode::kInvalidArgument, "risk atlas: " + what); };
  if (a.name.size() != n || a.name_en.size() != n || a.lat_deg.size() != n || a.lon_deg.size() != n || a.kind.size() != n)
    bad("one name, position and kind per site");
  for (const AtlasQuantity& q : a.quantities) {
    if (q.edges.empty() || q.blocks < 1 || q.counts.size() != n * static_cast<std::size_t>(q.blocks) * q.edges.size())
      bad(q.name + ": counts of [site][block][edge]");
    if (q.level.size() != n * p || q.low.size() != n * p || q.high.size() != n * p || q.bound.size() != n * p)
      bad(q.name + ": levels of [site][period]");
  }
}

void WriteQuantity(hid_t root_edges, hid_t root_counts, hid_t root_levels, const AtlasQuantity& q, std::size_t sites, std::size_t periods) {
  h5::WriteColumn(root_edges, q.name.c_str(), q.edges, 6, {q.units.c_str(), q.long_name.c_str()});
  Handle counts = h5::CreateDataset(root_counts, q.name.c_str(), h5::Types<std::uint64_t>::File(),
                                    {sites, static_cast<hsize_t>(q.blocks), q.edges.size()}, 6, true);
  if (!q.counts.empty())
    h5::Check(H5Dwrite(counts.get(), h5::Types<std::uint64_t>::Mem(), H5S_ALL, H5S_ALL, H5P_DEFAULT, q.counts.data()), "writing counts");
  h5::Annotate(counts.get(), {"1", "synthetic events reaching each edge, per site and block of years"});
  h5::WriteIntAttr(counts.get(), "blocks", q.blocks);
  const std::vector<hsize_t> dims = {sites, periods};
  h5::WriteColumn(root_levels, q.name.c_str(), q.level, 6, {q.units.c_str(), "return level"}, dims);
  h5::WriteColumn(root_levels, (q.name + "_low").c_str(), q.low, 6, {q.units.c_str(), "bootstrap 2.5 %"}, dims);
  h5::WriteColumn(root_levels, (q.name + "_high").c_str(), q.high, 6, {q.units.c_str(), "bootstrap 97.5 %"}, dims);
  h5::WriteColumn(root_levels, (q.name + "_bound").c_str(), q.bound, 6, {"1", "0 exact, 1 below the first edge, 2 at least the last edge"}, dims);
}

void WriteBody(hid_t root, const Atlas& a) {
  h5::WriteStringAttr(root, "schema", kSchema);
  h5::WriteIntAttr(root, "schema_version", kVersion);
  h5::WriteStringAttr(root, "years", std::to_string(a.years));
  h5::WriteStringAttr(root, "seed", std::to_string(a.seed));
  h5::WriteStringAttr(root, "model", a.model);
  h5::WriteStringAttr(root, "created_utc", a.created_utc);
  h5::WriteStringAttr(root, "modelled", "MODELLED: a synthetic catalog through parametric wind and rain models; not observations");
  Handle sites = h5::CreateGroup(root, "sites");
  h5::WriteStrings(sites.get(), "code", a.code, {nullptr, "region code, or cell:ROW:COL"});
  h5::WriteStrings(sites.get(), "name", a.name, {nullptr, "name"});
  h5::WriteStrings(sites.get(), "name_en", a.name_en, {nullptr, "English name"});
  h5::WriteColumn(sites.get(), "lat", a.lat_deg, 6, {"degrees_north", "latitude"});
  h5::WriteColumn(sites.get(), "lon", a.lon_deg, 6, {"degrees_east", "longitude"});
  h5::WriteColumn(sites.get(), "kind", a.kind, 6, {"1", "0 region, 1 grid cell, 2 point"});
  if (a.grid) {
    Handle g = h5::CreateGroup(root, "grid");
    h5::WriteStringAttr(g.get(), "lat0", std::to_string(a.grid->lat0_deg));
    h5::WriteStringAttr(g.get(), "lon0", std::to_string(a.grid->lon0_deg));
    h5::WriteStringAttr(g.get(), "step_deg", std::to_string(a.grid->step_deg));
    h5::WriteIntAttr(g.get(), "nlat", a.grid->nlat);
    h5::WriteIntAttr(g.get(), "nlon", a.grid->nlon);
    h5::WriteIntAttr(g.get(), "first_site", a.grid->first_site);
  }
  Handle edges = h5::CreateGroup(root, "edges"), counts = h5::CreateGroup(root, "counts"), levels = h5::CreateGroup(root, "return_levels");
  h5::WriteColumn(levels.get(), "period_years", a.periods_years, 6, {"year", "return period"});
  for (const AtlasQuantity& q : a.quantities) WriteQuantity(edges.get(), counts.get(), levels.get(), q, a.sites(), a.periods_years.size());
  h5::Check(H5Fflush(root, H5F_SCOPE_GLOBAL), "flush");
}

double DoubleAttr(hid_t object, const char* name) { return std::stod(h5::ReadStringAttribute(object, name)); }

}  // namespace

const AtlasQuantity* Atlas::Find(const std::string& quantity) const {
  for (const auto& q : quantities)
    if (q.name == quantity) return &q;
  return nullptr;
}

std::optional<std::size_t> Atlas::Site(const std::string& key) const {
  for (std::size_t i = 0; i < sites(); ++i)
    if (code[i] == key || name[i] == key || name_en[i] == key) return i;
  return std::nullopt;
}

void WriteAtlas(const fs::path& path, const Atlas& a, Env& env) {
  CheckSizes(a);
  h5::SilenceErrors();
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(ErrorCode::kIo, dir.string() + ": no such directory");
  const fs::path tmp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  try {
    {
      Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
      if (!file.valid()) throw Error(ErrorCode::kIo, tmp.string() + ": cannot create (is the directory writable?)");
      WriteBody(file.get(), a);
    }
    CommitFile(tmp, path, env);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

Atlas ReadAtlas(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such atlas");
  h5::SilenceErrors();
  Handle file = h5::OpenFile(path.string());
  const hid_t root = file.get();
  if (!h5::HasAttribute(root, "schema") || h5::ReadStringAttribute(root, "schema") != kSchema)
    throw Error(ErrorCode::kArchiveFormat, path.string() + ": not a Taifeng risk atlas");
  if (h5::ReadIntAttribute(root, "schema_version") > kVersion)
    throw Error(ErrorCode::kArchiveVersion, path.string() + ": a risk atlas of a newer version");
  Atlas a;
  a.years = std::stoll(h5::ReadStringAttribute(root, "years"));
  a.seed = std::stoull(h5::ReadStringAttribute(root, "seed"));
  a.model = h5::ReadStringAttribute(root, "model");
  a.created_utc = h5::ReadStringAttribute(root, "created_utc");
  Handle sites = h5::OpenGroup(root, "sites");
  a.code = h5::ReadStrings(h5::OpenDataset(sites.get(), "code").get());
  a.name = h5::ReadStrings(h5::OpenDataset(sites.get(), "name").get());
  a.name_en = h5::ReadStrings(h5::OpenDataset(sites.get(), "name_en").get());
  a.lat_deg = h5::ReadNumeric<double>(h5::OpenDataset(sites.get(), "lat").get());
  a.lon_deg = h5::ReadNumeric<double>(h5::OpenDataset(sites.get(), "lon").get());
  a.kind = h5::ReadNumeric<std::int8_t>(h5::OpenDataset(sites.get(), "kind").get());
  if (h5::Exists(root, "grid")) {
    Handle g = h5::OpenGroup(root, "grid");
    a.grid = AtlasGrid{DoubleAttr(g.get(), "lat0"), DoubleAttr(g.get(), "lon0"), DoubleAttr(g.get(), "step_deg"),
                       static_cast<int>(h5::ReadIntAttribute(g.get(), "nlat")), static_cast<int>(h5::ReadIntAttribute(g.get(), "nlon")),
                       h5::ReadIntAttribute(g.get(), "first_site")};
  }
  Handle edges = h5::OpenGroup(root, "edges"), counts = h5::OpenGroup(root, "counts"), levels = h5::OpenGroup(root, "return_levels");
  a.periods_years = h5::ReadNumeric<double>(h5::OpenDataset(levels.get(), "period_years").get());
  for (const char* name : {"wind_ms", "gust_ms", "rain_total_mm", "rain_24h_mm"}) {
    if (!h5::Exists(edges.get(), name)) continue;
    AtlasQuantity q;
    q.name = name;
    Handle e = h5::OpenDataset(edges.get(), name);
    q.edges = h5::ReadNumeric<double>(e.get());
    q.units = h5::ReadStringAttribute(e.get(), "units");
    q.long_name = h5::ReadStringAttribute(e.get(), "long_name");
    Handle c = h5::OpenDataset(counts.get(), name);
    q.blocks = static_cast<int>(h5::ReadIntAttribute(c.get(), "blocks"));
    q.counts = h5::ReadNumeric<std::uint64_t>(c.get());
    q.level = h5::ReadNumeric<double>(h5::OpenDataset(levels.get(), name).get());
    q.low = h5::ReadNumeric<double>(h5::OpenDataset(levels.get(), (q.name + "_low").c_str()).get());
    q.high = h5::ReadNumeric<double>(h5::OpenDataset(levels.get(), (q.name + "_high").c_str()).get());
    q.bound = h5::ReadNumeric<std::int8_t>(h5::OpenDataset(levels.get(), (q.name + "_bound").c_str()).get());
    a.quantities.push_back(std::move(q));
  }
  CheckSizes(a);
  return a;
}

}  // namespace taifeng::data
