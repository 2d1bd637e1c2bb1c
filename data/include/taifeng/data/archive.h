// The Taifeng historical archive: one HDF5 file that h5py, xarray and the matching core read.
//
// Layout (schema "taifeng-archive", version kSchemaVersion; README "Archive layout"):
//   /            attrs schema, schema_version, created_utc, software_version, sources (JSON),
//                grade_codes_atcf, grade_codes_hko, and synthetic (only in synthetic archives)
//   /storms/     1-D, one row per storm: id, agency, name, basin, intl_number, agency_number,
//                source_format, source_file (UTF-8 strings); season, first_fix, fix_count
//                (int32/int64); secondary_centre, end_flag, wind_averaging_min (int8)
//   /fixes/      1-D, one row per fix, storms contiguous: time (int64 s since 1970-01-01 UTC),
//                lat, lon (float32 deg), wind_ms, pressure_hpa, rmw_km, mean_wind_ms (float32,
//                NaN missing), grade, category (int8, -1 missing), flags (uint8), storm (int32);
//                wind_radii_km (float32, fixes × 3 thresholds (34/50/64 kt) × 4 quadrants NE SE SW NW)
//   /sources/    1-D, one row per imported file: file, format, agency, storms, records
//   /models/     optional: models fitted on the archive (NAME: a 2-D float64 table with string
//                attributes, e.g. /models/cliper), written by WriteArchiveModel
// Datasets are chunked, deflate+shuffle compressed, with Fletcher-32 checksums.
//
// Writes are atomic: the new file is written beside the target and renamed over it, so a crash
// mid-write leaves the previous archive intact. Loading checks the schema and version.
// Thread safety: Archive is immutable after loading; share it as shared_ptr<const Archive>.
// The functions themselves must not run concurrently (Debian's HDF5 is not thread-safe).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "taifeng/base/env.h"
#include "taifeng/data/import.h"
#include "taifeng/data/track.h"

namespace taifeng::data {

inline constexpr int kSchemaVersion = 1;
inline constexpr const char* kSchemaName = "taifeng-archive";

struct ArchiveSource {
  std::string file, format, agency;
  std::int64_t storms = 0, records = 0;
};

// The archive in memory as a structure of arrays. Storm i owns fixes
// [first_fix[i], first_fix[i] + fix_count[i]).
struct Archive {
  // metadata
  int schema_version = kSchemaVersion;
  std::string created_utc;
  std::string software_version;
  std::vector<ArchiveSource> sources;
  // Non-empty for a synthetic archive: how it was made (root attribute "synthetic").
  std::string synthetic;

  // storms
  std::vector<std::string> id, agency, name, basin, intl_number, agency_number, source_format, source_file;
  std::vector<std::int32_t> season;
  std::vector<std::int64_t> first_fix;
  std::vector<std::int32_t> fix_count;
  std::vector<std::int8_t> secondary_centre, end_flag, wind_averaging_min;

  // fixes
  std::vector<std::int64_t> time_utc;
  std::vector<float> lat_deg, lon_deg, wind_ms, pressure_hpa, rmw_km, mean_wind_ms;
  std::vector<std::int8_t> grade, category;
  std::vector<std::uint8_t> flags;
  std::vector<std::int32_t> storm;
  std::vector<float> wind_radii_km;  // fix-major, 12 per fix: [threshold][quadrant]

  std::size_t storm_count() const { return id.size(); }
  std::size_t fix_count_total() const { return time_utc.size(); }

  // Storm i as a value (fixes copied out). Precondition: i < storm_count().
  Storm StormAt(std::size_t i) const;
  // Index of the storm with this id, or of the only storm whose agency number or name matches
  // `key` case-insensitively (most recent season first for names); nullopt if none.
  std::optional<std::size_t> Find(const std::string& key) const;
};

// Builds the in-memory arrays from storms (the order is kept).
Archive ToArchive(const std::vector<Storm>& storms, const std::vector<SourceInfo>& sources);

// Appends storms to the arrays (for archives built in batches, e.g. large synthetic ones). Call
// Reserve first with the final totals when they are known, so the arrays are allocated once.
void AppendStorms(Archive& archive, const std::vector<Storm>& storms);
void Reserve(Archive& archive, std::size_t storms, std::size_t fixes);

// Bytes held by the archive's arrays in memory (element storage and string contents).
std::size_t MemoryBytes(const Archive& archive);

struct WriteOptions {
  int deflate_level = 4;  // 0-9
  // Called with the fraction written (0-1) while writing; may throw to abandon the write, in
  // which case the previous archive is untouched and the partial file is removed.
  std::function<void(double)> progress;
  // The file system the write goes through (sync, rename, directory sync); nullptr: Env::Default().
  // Tests inject EIO/ENOSPC here: the write then fails whole with Error(kIo) naming the path.
  Env* env = nullptr;
};

// Writes `archive` to `path` atomically. Throws Error(kIo) if the directory is not writable.
void WriteArchive(const std::filesystem::path& path, const Archive& archive, const WriteOptions& options = {});

// Loads the whole archive into memory. Throws Error(kNotFound) when the file does not exist,
// kArchiveFormat when it is not a Taifeng archive, kArchiveVersion when its schema is newer
// than this software, kArchiveCorrupt when checksums or cross-references fail.
Archive LoadArchive(const std::filesystem::path& path);

// Adds storms to an archive: a storm with the same (agency, id) as an existing one replaces it
// in place; new storms are appended. Sources are appended. Returns the number replaced.
std::size_t MergeInto(std::vector<Storm>& existing, std::vector<Storm> incoming);

std::vector<Storm> ToStorms(const Archive& archive);

// A model fitted on the archive and stored in it (/models/NAME): a table of doubles (rows × cols)
// with string attributes. It records the archive's fingerprint (ArchiveFingerprint) so that a
// model fitted on another version of the archive is refused. Rewriting the archive (archive add)
// drops its models: they no longer describe it.
struct ArchiveModel {
  std::map<std::string, std::string> attributes;
  std::size_t rows = 0, cols = 0;
  std::vector<double> values;  // row-major
};
// "storms=N fixes=M created=T" of a loaded archive.
std::string ArchiveFingerprint(const Archive& archive);
// Adds or replaces /models/NAME atomically (a copy is modified and renamed over the archive).
void WriteArchiveModel(const std::filesystem::path& path, const std::string& name, const ArchiveModel& model);
// The model, or nullopt when the archive has none by that name.
std::optional<ArchiveModel> ReadArchiveModel(const std::filesystem::path& path, const std::string& name);

}  // namespace taifeng::data
