#include "taifeng/data/archive.h"
#include "taifeng/data/rain.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "h5.h"
#include "formats/ibtracs/ibtracs.h"
#include "storm_build.h"
#include "taifeng/base/time_utc.h"

namespace taifeng::data {
namespace {

namespace fs = std::filesystem;
using h5::Handle;

using h5::Check;
using h5::Annotate;
using h5::CreateGroup;
using h5::WriteColumn;
using h5::WriteIntAttr;
using h5::WriteStringAttr;
using h5::WriteStrings;

std::string JoinCodes(auto codes) {
  std::string out;
  for (const auto& c : codes) {
    if (!out.empty()) out += ',';
    out += c;
  }
  return out;
}

std::string SourcesJson(const std::vector<ArchiveSource>& sources) {
  // A per-agency summary: the full per-file list is the /sources group.
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> by_agency;
  for (const auto& s : sources) {
    auto& v = by_agency[{s.agency, s.format}];
    ++v.first;
    v.second += s.storms;
  }
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [key, v] : by_agency) {
    j.push_back({{"agency", key.first},
                 {"format", key.second},
                 {"files", v.first},
                 {"storms", v.second},
                 {"citation", std::string(AgencyCitation(key.first))}});
  }
  return j.dump();
}

// Makes a fully written temporary file the archive (fsync, rename, directory fsync), so a crash
// leaves either the old or the new file; on failure the temporary file is removed.
void ReplaceAtomically(const fs::path& tmp, const fs::path& path, Env& env = Env::Default()) { CommitFile(tmp, path, env); }

// Modifies the archive at `path` atomically: a copy beside it is opened read-write, handed to
// `edit` (the root group), flushed and renamed over the archive; on any failure the copy is removed
// and the archive is untouched.
void EditAtomically(const fs::path& path, const char* what, const std::function<void(hid_t)>& edit) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such archive");
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path tmp = dir / ("." + path.filename().string() + "." + what + "-" + std::to_string(::getpid()));
  try {
    fs::copy_file(path, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(ErrorCode::kIo, "copying " + path.string() + ": " + ec.message());
    {
      Handle file(H5Fopen(tmp.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
      if (!file.valid()) throw Error(ErrorCode::kArchiveFormat, path.string() + ": not an HDF5 file");
      edit(file.get());
      Check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush");
    }
    ReplaceAtomically(tmp, path);
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

template <typename T>
std::vector<T> ReadColumn(hid_t group, const char* name, std::size_t expected) {
  Handle ds = h5::OpenDataset(group, name);
  std::vector<T> v = h5::ReadNumeric<T>(ds.get());
  if (v.size() != expected) {
    throw Error(ErrorCode::kArchiveCorrupt, std::string("dataset ") + name + " has " + std::to_string(v.size()) +
                                                " elements, expected " + std::to_string(expected));
  }
  return v;
}

std::vector<std::uint8_t> ReadU8(hid_t group, const char* name, std::size_t expected) {
  std::vector<std::int8_t> raw = ReadColumn<std::int8_t>(group, name, expected);
  return std::vector<std::uint8_t>(raw.begin(), raw.end());
}

std::vector<std::string> ReadStringColumn(hid_t group, const char* name, std::size_t expected) {
  Handle ds = h5::OpenDataset(group, name);
  std::vector<std::string> v = h5::ReadStrings(ds.get());
  if (v.size() != expected) {
    throw Error(ErrorCode::kArchiveCorrupt, std::string("dataset ") + name + " has " + std::to_string(v.size()) +
                                                " elements, expected " + std::to_string(expected));
  }
  return v;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Archive ToArchive(const std::vector<Storm>& storms, const std::vector<SourceInfo>& sources) {
  Archive a;
  a.software_version = TAIFENG_VERSION;
  a.created_utc = FormatIsoUtc(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  for (const auto& s : sources) a.sources.push_back({s.file, s.format, s.agency, s.storms, s.records});
  AppendStorms(a, storms);
  return a;
}

void Reserve(Archive& a, std::size_t storms, std::size_t fixes) {
  for (auto* v :
       {&a.id, &a.agency, &a.name, &a.basin, &a.intl_number, &a.agency_number, &a.source_format, &a.source_file}) {
    v->reserve(storms);
  }
  a.season.reserve(storms), a.first_fix.reserve(storms), a.fix_count.reserve(storms);
  a.secondary_centre.reserve(storms), a.end_flag.reserve(storms), a.wind_averaging_min.reserve(storms);
  a.time_utc.reserve(fixes);
  for (auto* v : {&a.lat_deg, &a.lon_deg, &a.wind_ms, &a.pressure_hpa, &a.rmw_km, &a.mean_wind_ms}) v->reserve(fixes);
  a.grade.reserve(fixes), a.category.reserve(fixes), a.flags.reserve(fixes), a.storm.reserve(fixes);
  a.wind_radii_km.reserve(fixes * 12);
}

void AppendStorms(Archive& a, const std::vector<Storm>& storms) {
  std::size_t fixes = a.time_utc.size();
  for (const Storm& s : storms) fixes += s.fixes.size();
  if (a.time_utc.capacity() < fixes) {  // grow geometrically when the caller did not Reserve
    Reserve(a, std::max(a.id.size() + storms.size(), a.id.capacity() * 3 / 2),
            std::max(fixes, a.time_utc.capacity() * 3 / 2));
  }
  for (const Storm& s : storms) {
    const auto i = static_cast<std::int32_t>(a.id.size());
    a.id.push_back(s.id);
    a.agency.push_back(s.agency);
    a.name.push_back(s.name);
    a.basin.push_back(s.basin);
    a.intl_number.push_back(s.intl_number);
    a.agency_number.push_back(s.agency_number);
    a.source_format.push_back(s.source_format);
    a.source_file.push_back(s.source_file);
    a.season.push_back(s.season);
    a.first_fix.push_back(static_cast<std::int64_t>(a.time_utc.size()));
    a.fix_count.push_back(static_cast<std::int32_t>(s.fixes.size()));
    a.secondary_centre.push_back(s.secondary_centre ? 1 : 0);
    a.end_flag.push_back(s.end_flag);
    a.wind_averaging_min.push_back(static_cast<std::int8_t>(s.wind_averaging));
    for (const Fix& f : s.fixes) {
      a.time_utc.push_back(f.time_utc);
      a.lat_deg.push_back(static_cast<float>(f.lat_deg));
      a.lon_deg.push_back(static_cast<float>(f.lon_deg));
      a.wind_ms.push_back(f.wind_ms);
      a.pressure_hpa.push_back(f.pressure_hpa);
      a.rmw_km.push_back(f.rmw_km);
      a.mean_wind_ms.push_back(f.mean_wind_ms);
      a.grade.push_back(f.grade);
      a.category.push_back(static_cast<std::int8_t>(f.category));
      a.flags.push_back(f.flags);
      a.storm.push_back(i);
      for (const auto& threshold : f.radii_km)
        a.wind_radii_km.insert(a.wind_radii_km.end(), threshold.begin(), threshold.end());
    }
  }
}

std::size_t MemoryBytes(const Archive& a) {
  std::size_t bytes = 0;
  auto add = [&](const auto& v) { bytes += v.size() * sizeof(v[0]); };
  for (const auto* strings :
       {&a.id, &a.agency, &a.name, &a.basin, &a.intl_number, &a.agency_number, &a.source_format, &a.source_file}) {
    add(*strings);
    for (const auto& s : *strings) bytes += s.size() > 15 ? s.capacity() : 0;  // beyond the small-string buffer
  }
  add(a.season), add(a.first_fix), add(a.fix_count), add(a.secondary_centre), add(a.end_flag),
      add(a.wind_averaging_min);
  add(a.time_utc), add(a.lat_deg), add(a.lon_deg), add(a.wind_ms), add(a.pressure_hpa), add(a.rmw_km),
      add(a.mean_wind_ms);
  add(a.grade), add(a.category), add(a.flags), add(a.storm), add(a.wind_radii_km);
  return bytes;
}

void WriteArchive(const fs::path& path, const Archive& a, const WriteOptions& options) {
  h5::SilenceErrors();
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error(ErrorCode::kIo, dir.string() + ": no such directory");
  const fs::path tmp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
  auto progress = [&](double fraction) {
    if (options.progress) options.progress(fraction);
  };
  try {
    {
      Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
      if (!file.valid()) throw Error(ErrorCode::kIo, tmp.string() + ": cannot create (is the directory writable?)");
      const hid_t root = file.get();
      const int z = options.deflate_level;
      WriteStringAttr(root, "schema", kSchemaName);
      WriteIntAttr(root, "schema_version", kSchemaVersion);
      WriteStringAttr(root, "created_utc", a.created_utc);
      WriteStringAttr(root, "software_version", std::string("taifeng ") + a.software_version);
      WriteStringAttr(root, "sources", SourcesJson(a.sources));
      WriteStringAttr(root, "grade_codes_atcf", JoinCodes(kAtcfStatusCodes));
      std::vector<std::string> hko;
      for (int i = 0; !HkoGradeCode(i).empty(); ++i) hko.emplace_back(HkoGradeCode(i));
      WriteStringAttr(root, "grade_codes_hko", JoinCodes(hko));
      if (!a.synthetic.empty()) WriteStringAttr(root, "synthetic", a.synthetic);
      WriteStringAttr(root, "Conventions", "Taifeng archive; columnar 1-D datasets, storms contiguous in /fixes");

      Handle storms = CreateGroup(root, "storms");
      const hid_t s = storms.get();
      WriteStrings(s, "id", a.id, {nullptr, "archive id, unique: AGENCY:key"});
      WriteStrings(s, "agency", a.agency, {nullptr, "agency whose best track this is"});
      WriteStrings(s, "name", a.name, {nullptr, "storm name as the agency spells it"});
      WriteStrings(s, "basin", a.basin, {nullptr, "basin code"});
      WriteStrings(s, "intl_number", a.intl_number, {nullptr, "WMO international number YYNN"});
      WriteStrings(s, "agency_number", a.agency_number, {nullptr, "the agency's own storm number(s)"});
      WriteStrings(s, "source_format", a.source_format, {nullptr, "importer format"});
      WriteStrings(s, "source_file", a.source_file, {nullptr, "file the storm was read from"});
      progress(0.2);
      WriteColumn(s, "season", a.season, z, {"year", "season"});
      WriteColumn(s, "first_fix", a.first_fix, z, {"1", "index of the storm's first row in /fixes"});
      WriteColumn(s, "fix_count", a.fix_count, z, {"1", "number of rows in /fixes"});
      WriteColumn(s, "secondary_centre", a.secondary_centre, z, {"1", "1 for a CMA secondary centre block"});
      WriteColumn(s, "end_flag", a.end_flag, z, {"1", "header end flag (CMA/JMA), -1 missing"});
      WriteColumn(s, "wind_averaging_min", a.wind_averaging_min, z, {"min", "averaging period of wind_ms"});
      progress(0.3);

      Handle fixes = CreateGroup(root, "fixes");
      const hid_t f = fixes.get();
      WriteColumn(f, "time", a.time_utc, z, {"seconds since 1970-01-01T00:00:00Z", "fix time (UTC)"});
      progress(0.4);
      WriteColumn(f, "lat", a.lat_deg, z, {"degrees_north", "latitude"});
      WriteColumn(f, "lon", a.lon_deg, z, {"degrees_east", "longitude in [-180, 180)"});
      progress(0.5);
      WriteColumn(f, "wind_ms", a.wind_ms, z,
                  {"m s-1", "maximum sustained wind (see storms/wind_averaging_min), NaN missing"});
      WriteColumn(f, "pressure_hpa", a.pressure_hpa, z, {"hPa", "central pressure, NaN missing"});
      progress(0.6);
      WriteColumn(f, "rmw_km", a.rmw_km, z, {"km", "radius of maximum wind, NaN missing"});
      WriteColumn(f, "mean_wind_ms", a.mean_wind_ms, z, {"m s-1", "CMA OWD average wind, NaN missing"});
      WriteColumn(f, "grade", a.grade, z,
                  {"1",
                   "agency grade code (CMA/JMA numeric; ATCF/HURDAT2 index into grade_codes_atcf; HKO into "
                   "grade_codes_hko), -1 missing"});
      WriteColumn(f, "category", a.category, z,
                  {"1",
                   "common category: -1 unknown, 0 disturbance, 1 TD, 2 TS, 3 STS, 4 TY, 5 STY, 6 SuperTY, 7 "
                   "subtropical, 9 extratropical"});
      WriteColumn(f, "flags", a.flags, z,
                  {"1", "bits: 1 wind below 10 m/s (CMA WND=9), 2 landfall, 4 off-synoptic time"});
      progress(0.8);
      WriteColumn(f, "storm", a.storm, z, {"1", "index of the storm in /storms"});
      WriteColumn(f, "wind_radii_km", a.wind_radii_km, z,
                  {"km", "radii of 34/50/64 kt winds by quadrant NE SE SW NW, NaN missing"}, {a.time_utc.size(), 3, 4});
      progress(0.9);

      Handle src = CreateGroup(root, "sources");
      std::vector<std::string> files, format, agency;
      std::vector<std::int64_t> nstorms, nrecords;
      for (const auto& x : a.sources) {
        files.push_back(x.file);
        format.push_back(x.format);
        agency.push_back(x.agency);
        nstorms.push_back(x.storms);
        nrecords.push_back(x.records);
      }
      WriteStrings(src.get(), "file", files, {nullptr, "imported file"});
      WriteStrings(src.get(), "format", format, {nullptr, "importer format"});
      WriteStrings(src.get(), "agency", agency, {nullptr, "agency"});
      WriteColumn(src.get(), "storms", nstorms, z, {"1", "storms read from the file"});
      WriteColumn(src.get(), "records", nrecords, z, {"1", "data records read from the file"});
      Check(H5Fflush(root, H5F_SCOPE_GLOBAL), "flush");
    }
    progress(1.0);
    ReplaceAtomically(tmp, path, options.env ? *options.env : Env::Default());
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

Archive LoadArchive(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such archive");
  const std::string name = path.string();
  Handle file;
  try {
    file = h5::OpenFile(name);
  } catch (const Error& e) {
    throw Error(e.code(), name + ": not a Taifeng archive (" + e.what() + ")");
  }
  const hid_t root = file.get();
  if (!h5::HasAttribute(root, "schema") || h5::ReadStringAttribute(root, "schema") != kSchemaName) {
    throw Error(ErrorCode::kArchiveFormat, name + ": not a Taifeng archive (no schema=\"taifeng-archive\" attribute)");
  }
  Archive a;
  try {
    a.schema_version = static_cast<int>(h5::ReadIntAttribute(root, "schema_version"));
  } catch (const Error&) {
    throw Error(ErrorCode::kArchiveCorrupt, name + ": schema_version attribute missing or not an integer");
  }
  if (a.schema_version > kSchemaVersion) {
    throw Error(ErrorCode::kArchiveVersion, name + ": archive schema version " + std::to_string(a.schema_version) +
                                                " is newer than this taifeng supports (" +
                                                std::to_string(kSchemaVersion) + "); upgrade taifeng");
  }
  if (a.schema_version < 1) throw Error(ErrorCode::kArchiveCorrupt, name + ": invalid schema version");
  try {
    a.created_utc = h5::ReadStringAttribute(root, "created_utc");
    a.software_version = h5::ReadStringAttribute(root, "software_version");
    if (h5::HasAttribute(root, "synthetic")) a.synthetic = h5::ReadStringAttribute(root, "synthetic");
    Handle storms = h5::OpenGroup(root, "storms");
    const hid_t s = storms.get();
    a.id = h5::ReadStrings(h5::OpenDataset(s, "id").get());
    const std::size_t n = a.id.size();
    a.agency = ReadStringColumn(s, "agency", n);
    a.name = ReadStringColumn(s, "name", n);
    a.basin = ReadStringColumn(s, "basin", n);
    a.intl_number = ReadStringColumn(s, "intl_number", n);
    a.agency_number = ReadStringColumn(s, "agency_number", n);
    a.source_format = ReadStringColumn(s, "source_format", n);
    a.source_file = ReadStringColumn(s, "source_file", n);
    a.season = ReadColumn<std::int32_t>(s, "season", n);
    a.first_fix = ReadColumn<std::int64_t>(s, "first_fix", n);
    a.fix_count = ReadColumn<std::int32_t>(s, "fix_count", n);
    a.secondary_centre = ReadColumn<std::int8_t>(s, "secondary_centre", n);
    a.end_flag = ReadColumn<std::int8_t>(s, "end_flag", n);
    a.wind_averaging_min = ReadColumn<std::int8_t>(s, "wind_averaging_min", n);

    Handle fixes = h5::OpenGroup(root, "fixes");
    const hid_t f = fixes.get();
    a.time_utc = h5::ReadNumeric<std::int64_t>(h5::OpenDataset(f, "time").get());
    const std::size_t m = a.time_utc.size();
    a.lat_deg = ReadColumn<float>(f, "lat", m);
    a.lon_deg = ReadColumn<float>(f, "lon", m);
    a.wind_ms = ReadColumn<float>(f, "wind_ms", m);
    a.pressure_hpa = ReadColumn<float>(f, "pressure_hpa", m);
    a.rmw_km = ReadColumn<float>(f, "rmw_km", m);
    a.mean_wind_ms = ReadColumn<float>(f, "mean_wind_ms", m);
    a.grade = ReadColumn<std::int8_t>(f, "grade", m);
    a.category = ReadColumn<std::int8_t>(f, "category", m);
    a.flags = ReadU8(f, "flags", m);
    a.storm = ReadColumn<std::int32_t>(f, "storm", m);
    a.wind_radii_km = ReadColumn<float>(f, "wind_radii_km", m * 12);

    Handle src = h5::OpenGroup(root, "sources");
    const std::vector<std::string> file_names = h5::ReadStrings(h5::OpenDataset(src.get(), "file").get());
    const std::size_t k = file_names.size();
    const auto formats = ReadStringColumn(src.get(), "format", k);
    const auto agencies = ReadStringColumn(src.get(), "agency", k);
    const auto nstorms = ReadColumn<std::int64_t>(src.get(), "storms", k);
    const auto nrecords = ReadColumn<std::int64_t>(src.get(), "records", k);
    for (std::size_t i = 0; i < k; ++i)
      a.sources.push_back({file_names[i], formats[i], agencies[i], nstorms[i], nrecords[i]});
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kArchiveFormat) {
      throw Error(ErrorCode::kArchiveCorrupt, name + ": incomplete archive: " + e.what());
    }
    throw Error(e.code(), name + ": " + e.what());
  }
  // Cross-references.
  std::int64_t expected_first = 0;
  for (std::size_t i = 0; i < a.id.size(); ++i) {
    if (a.first_fix[i] != expected_first || a.fix_count[i] < 0) {
      throw Error(ErrorCode::kArchiveCorrupt, name + ": storm " + a.id[i] + " does not start where the previous ends");
    }
    expected_first += a.fix_count[i];
  }
  if (static_cast<std::size_t>(expected_first) != a.time_utc.size()) {
    throw Error(ErrorCode::kArchiveCorrupt, name + ": fix counts do not add up to the /fixes length");
  }
  for (std::size_t i = 0; i < a.id.size(); ++i) {
    for (std::int64_t j = a.first_fix[i]; j < a.first_fix[i] + a.fix_count[i]; ++j) {
      if (a.storm[static_cast<std::size_t>(j)] != static_cast<std::int32_t>(i)) {
        throw Error(ErrorCode::kArchiveCorrupt,
                    name + ": /fixes/storm disagrees with /storms/first_fix at row " + std::to_string(j));
      }
    }
  }
  return a;
}

Storm Archive::StormAt(std::size_t i) const {
  Storm s;
  s.id = id[i];
  s.agency = agency[i];
  s.name = name[i];
  s.basin = basin[i];
  s.intl_number = intl_number[i];
  s.agency_number = agency_number[i];
  s.source_format = source_format[i];
  s.source_file = source_file[i];
  s.season = season[i];
  s.secondary_centre = secondary_centre[i] != 0;
  s.end_flag = end_flag[i];
  s.wind_averaging = static_cast<WindAveraging>(wind_averaging_min[i]);
  const auto begin = static_cast<std::size_t>(first_fix[i]);
  s.fixes.reserve(static_cast<std::size_t>(fix_count[i]));
  for (std::size_t j = begin; j < begin + static_cast<std::size_t>(fix_count[i]); ++j) {
    Fix f;
    f.time_utc = time_utc[j];
    f.lat_deg = lat_deg[j];
    f.lon_deg = lon_deg[j];
    f.wind_ms = wind_ms[j];
    f.pressure_hpa = pressure_hpa[j];
    f.rmw_km = rmw_km[j];
    f.mean_wind_ms = mean_wind_ms[j];
    f.grade = grade[j];
    f.category = static_cast<Category>(category[j]);
    f.flags = flags[j];
    for (std::size_t t = 0; t < 3; ++t) {
      for (std::size_t q = 0; q < 4; ++q) f.radii_km[t][q] = wind_radii_km[j * 12 + t * 4 + q];
    }
    s.fixes.push_back(f);
  }
  return s;
}

std::optional<std::size_t> Archive::Find(const std::string& key) const {
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (id[i] == key) return i;
  }
  const std::string lower = Lower(key);
  std::optional<std::size_t> by_number;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (Lower(agency_number[i]) == lower || Lower(intl_number[i]) == lower) {
      if (by_number) return std::nullopt;  // ambiguous
      by_number = i;
    }
  }
  if (by_number) return by_number;
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (Lower(name[i]) == lower && !secondary_centre[i] && (!best || season[i] > season[*best])) best = i;
  }
  return best;
}

std::size_t MergeInto(std::vector<Storm>& existing, std::vector<Storm> incoming) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < existing.size(); ++i) index[existing[i].agency + "\n" + existing[i].id] = i;
  std::size_t replaced = 0;
  for (Storm& s : incoming) {
    auto it = index.find(s.agency + "\n" + s.id);
    if (it != index.end()) {
      existing[it->second] = std::move(s);
      ++replaced;
    } else {
      index.emplace(s.agency + "\n" + s.id, existing.size());
      existing.push_back(std::move(s));
    }
  }
  return replaced;
}

std::vector<Storm> ToStorms(const Archive& archive) {
  std::vector<Storm> out;
  out.reserve(archive.storm_count());
  for (std::size_t i = 0; i < archive.storm_count(); ++i) out.push_back(archive.StormAt(i));
  return out;
}

}  // namespace taifeng::data

namespace taifeng::data {

std::string ArchiveFingerprint(const Archive& archive) {
  return "storms=" + std::to_string(archive.storm_count()) + " fixes=" + std::to_string(archive.fix_count_total()) +
         " created=" + archive.created_utc;
}

void WriteArchiveModel(const fs::path& path, const std::string& name, const ArchiveModel& model) {
  h5::SilenceErrors();
  if (name.empty() || name.find('/') != std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument, "model name '" + name + "': expected a plain name");
  }
  if (model.values.size() != model.rows * model.cols) {
    throw Error(ErrorCode::kInvalidArgument, "model " + name + ": values do not fill rows x cols");
  }
  EditAtomically(path, "model", [&](hid_t root) {
    Handle models = h5::Exists(root, "models") ? h5::OpenGroup(root, "models") : CreateGroup(root, "models");
    if (h5::Exists(models.get(), name.c_str())) {
      Check(H5Ldelete(models.get(), name.c_str(), H5P_DEFAULT), "replacing model " + name);
    }
    const std::vector<hsize_t> dims = {model.rows, model.cols};
    Handle space(H5Screate_simple(2, dims.data(), nullptr), H5Sclose);
    Handle ds(H5Dcreate2(models.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose);
    if (!ds.valid()) throw Error(ErrorCode::kIo, "HDF5: cannot create model " + name);
    if (!model.values.empty()) {
      Check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, model.values.data()),
            "writing model " + name);
    }
    for (const auto& [key, value] : model.attributes) WriteStringAttr(ds.get(), key.c_str(), value);
  });
}

std::optional<ArchiveModel> ReadArchiveModel(const fs::path& path, const std::string& name) {
  h5::SilenceErrors();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such archive");
  Handle file = h5::OpenFile(path.string());
  if (!h5::Exists(file.get(), "models")) return std::nullopt;
  Handle models = h5::OpenGroup(file.get(), "models");
  if (!h5::Exists(models.get(), name.c_str())) return std::nullopt;
  Handle ds = h5::OpenDataset(models.get(), name.c_str());
  const std::vector<hsize_t> shape = h5::Shape(ds.get());
  if (shape.size() != 2) throw Error(ErrorCode::kArchiveCorrupt, path.string() + ": /models/" + name + " is not 2-D");
  ArchiveModel m;
  m.rows = shape[0];
  m.cols = shape[1];
  m.values = h5::ReadNumeric<double>(ds.get());
  const int count = H5Aget_num_attrs(ds.get());
  for (int i = 0; i < count; ++i) {
    Handle attr(
        H5Aopen_by_idx(ds.get(), ".", H5_INDEX_NAME, H5_ITER_INC, static_cast<hsize_t>(i), H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose);
    char key[256] = {0};
    H5Aget_name(attr.get(), sizeof key - 1, key);
    attr.Reset();
    m.attributes[key] = h5::ReadStringAttribute(ds.get(), key);
  }
  return m;
}

}  // namespace taifeng::data

namespace taifeng::data {
namespace {

void WriteRainGroup(hid_t group, const RainGrid& g) {
  const std::size_t layers = g.layers();
  if (g.storm.size() != layers || g.end_utc.size() != layers || g.mm.size() != layers * g.cells() || g.nlat <= 0 ||
      g.nlon <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "rain grid " + g.source + ": layers, times and values do not agree");
  }
  const std::vector<hsize_t> dims = {layers, static_cast<hsize_t>(g.nlat), static_cast<hsize_t>(g.nlon)};
  Handle space(H5Screate_simple(3, dims.data(), nullptr), H5Sclose);
  Handle props(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const std::vector<hsize_t> chunk = {1, dims[1], dims[2]};
  Check(H5Pset_chunk(props.get(), 3, chunk.data()), "H5Pset_chunk");
  Check(H5Pset_fletcher32(props.get()), "H5Pset_fletcher32");
  Check(H5Pset_shuffle(props.get()), "H5Pset_shuffle");
  Check(H5Pset_deflate(props.get(), 4), "H5Pset_deflate");
  Handle ds(H5Dcreate2(group, "mm", H5T_IEEE_F32LE, space.get(), H5P_DEFAULT, props.get(), H5P_DEFAULT), H5Dclose);
  if (!ds.valid()) throw Error(ErrorCode::kIo, "HDF5: cannot create rain dataset");
  Check(H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, g.mm.data()), "writing rain");
  Annotate(ds.get(), {"mm", "rain accumulated over [start_utc, end_utc) of each layer"});
  std::vector<double> lat(static_cast<std::size_t>(g.nlat)), lon(static_cast<std::size_t>(g.nlon));
  for (int i = 0; i < g.nlat; ++i) lat[static_cast<std::size_t>(i)] = g.Lat(i);
  for (int j = 0; j < g.nlon; ++j) lon[static_cast<std::size_t>(j)] = g.Lon(j);
  WriteColumn(group, "lat", lat, 4, {"degrees_north", "cell centre latitude"});
  WriteColumn(group, "lon", lon, 4, {"degrees_east", "cell centre longitude"});
  WriteColumn(group, "start_utc", g.start_utc, 4, {"seconds since 1970-01-01 00:00:00 UTC", "layer start"});
  WriteColumn(group, "end_utc", g.end_utc, 4, {"seconds since 1970-01-01 00:00:00 UTC", "layer end"});
  WriteStrings(group, "storm", g.storm, {nullptr, "archive storm id of each layer"});
  WriteStringAttr(group, "kind", g.kind);
  WriteStringAttr(group, "source", g.source);
  WriteStringAttr(group, "units", "mm");
}

RainGrid ReadRainGroup(hid_t group, const std::string& where) {
  RainGrid g;
  g.kind = h5::ReadStringAttribute(group, "kind");
  g.source = h5::ReadStringAttribute(group, "source");
  Handle ds = h5::OpenDataset(group, "mm");
  const auto shape = h5::Shape(ds.get());
  if (shape.size() != 3) throw Error(ErrorCode::kArchiveCorrupt, where + "/mm is not 3-D");
  const std::size_t layers = shape[0];
  const auto lat = ReadColumn<double>(group, "lat", shape[1]);
  const auto lon = ReadColumn<double>(group, "lon", shape[2]);
  g.nlat = static_cast<int>(shape[1]);
  g.nlon = static_cast<int>(shape[2]);
  g.lat0_deg = lat[0];
  g.lon0_deg = lon[0];
  g.dlat_deg = g.nlat > 1 ? (lat.back() - lat[0]) / (g.nlat - 1) : 0.1;
  g.dlon_deg = g.nlon > 1 ? (lon.back() - lon[0]) / (g.nlon - 1) : 0.1;
  if (!(g.dlat_deg > 0) || !(g.dlon_deg > 0)) throw Error(ErrorCode::kArchiveCorrupt, where + ": lat/lon not increasing");
  g.start_utc = ReadColumn<std::int64_t>(group, "start_utc", layers);
  g.end_utc = ReadColumn<std::int64_t>(group, "end_utc", layers);
  g.storm = ReadStringColumn(group, "storm", layers);
  g.mm = h5::ReadNumeric<float>(ds.get());
  return g;
}

}  // namespace

void WriteRainGrids(const fs::path& path, const std::vector<RainGrid>& grids) {
  h5::SilenceErrors();
  for (const RainGrid& g : grids) {
    if (g.kind != "observed" && g.kind != "modelled")
      throw Error(ErrorCode::kInvalidArgument, "rain grid " + g.source + ": kind must be observed or modelled");
    if (g.kind == "observed") {
      if (g.storm.empty() || g.storm[0].empty() || g.storm[0].find('/') != std::string::npos ||
          std::any_of(g.storm.begin(), g.storm.end(), [&](const std::string& s) { return s != g.storm[0]; }))
        throw Error(ErrorCode::kInvalidArgument, "observed rain grid " + g.source + ": expected one archive storm id for all layers");
    }
  }
  EditAtomically(path, "rain", [&](hid_t root) {
    Handle rain = h5::Exists(root, "rain") ? h5::OpenGroup(root, "rain") : CreateGroup(root, "rain");
    for (const RainGrid& g : grids) {
      if (g.kind == "modelled") {
        if (h5::Exists(rain.get(), "modelled")) Check(H5Ldelete(rain.get(), "modelled", H5P_DEFAULT), "replacing modelled rain");
        Handle group = CreateGroup(rain.get(), "modelled");
        WriteRainGroup(group.get(), g);
        continue;
      }
      Handle observed = h5::Exists(rain.get(), "observed") ? h5::OpenGroup(rain.get(), "observed") : CreateGroup(rain.get(), "observed");
      const std::string& id = g.storm[0];
      if (h5::Exists(observed.get(), id.c_str())) Check(H5Ldelete(observed.get(), id.c_str(), H5P_DEFAULT), "replacing rain of " + id);
      Handle group = CreateGroup(observed.get(), id.c_str());
      WriteRainGroup(group.get(), g);
    }
  });
}

std::vector<RainGrid> ReadRainGrids(const fs::path& path, bool include_modelled) {
  h5::SilenceErrors();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such archive");
  Handle file = h5::OpenFile(path.string());
  std::vector<RainGrid> out;
  if (!h5::Exists(file.get(), "rain")) return out;
  Handle rain = h5::OpenGroup(file.get(), "rain");
  if (h5::Exists(rain.get(), "observed")) {
    Handle observed = h5::OpenGroup(rain.get(), "observed");
    H5G_info_t info;
    Check(H5Gget_info(observed.get(), &info), "listing /rain/observed");
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      char name[512];
      if (H5Lget_name_by_idx(observed.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0) continue;
      Handle group = h5::OpenGroup(observed.get(), name);
      out.push_back(ReadRainGroup(group.get(), std::string("/rain/observed/") + name));
    }
  }
  if (include_modelled && h5::Exists(rain.get(), "modelled")) {
    Handle group = h5::OpenGroup(rain.get(), "modelled");
    out.push_back(ReadRainGroup(group.get(), "/rain/modelled"));
  }
  return out;
}

}  // namespace taifeng::data
