// Importers for the real best-track formats. Each reads one file (or, for the text formats, a
// buffer) and appends storms to an ImportResult.
//
// Modes: strict (ImportOptions::strict) stops at the first bad record by throwing ParseError
// that names the file, the 1-based line and the field and says what was expected; lenient
// skips the bad record, lists it in ImportResult::skipped and goes on. Neither mode crashes on
// any input (each parser is fuzzed, scripts/fuzz.sh). A file that cannot be read at all throws
// Error(kNotFound / kIo) in both modes.
//
// Formats, one room each under data/src/formats/ and one row in its registry (see
// data/samples/PROVENANCE.md for the quirks each handles):
//   cma      CMA/STI CHYYYYBST.txt                         wind 2-min, m/s
//   atcf     ATCF b-deck (JTWC bwp*.txt/.dat, NHC b*.dat)  wind 1-min, kt
//   jma      JMA RSMC Tokyo bst_all                        wind 10-min, kt
//   hurdat2  NHC HURDAT2                                   wind 1-min, kt
//   ibtracs  IBTrACS v04 netCDF-4/HDF5, one agency's columns (ImportOptions::ibtracs_agency)
//   csv      a live track: time_utc,lat_deg,lon_deg,wind_ms,pressure_hpa (ImportOptions::csv_wind_averaging)
// Thread safety: functions are reentrant; ImportResult is a plain value.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "taifeng/data/track.h"

namespace taifeng::data {

struct FormatSpec;

// A best-track format: a handle on one row of the format registry. Cheap to copy.
class Format {
 public:
  // The format of this name ("cma", "atcf", …, case-insensitive), or nullopt.
  static std::optional<Format> FromName(std::string_view name) noexcept;
  // The same; throws Error(kInvalidArgument) naming an unknown format and listing the known ones.
  static Format Named(std::string_view name);
  // Every registered format, in the registry's order.
  static std::vector<Format> All();

  std::string_view name() const noexcept;
  std::string_view source_help() const noexcept;  // for the CLI's --NAME option
  bool archive_source() const noexcept;            // offered by `taifeng archive build`
  bool binary() const noexcept;                    // read from a file only (ImportFile), not ParseText
  const FormatSpec& spec() const noexcept { return *spec_; }
  bool operator==(const Format& o) const noexcept { return spec_ == o.spec_; }

 private:
  explicit Format(const FormatSpec* spec) : spec_(spec) {}
  const FormatSpec* spec_;
};

inline std::string_view FormatName(Format format) noexcept { return format.name(); }
inline std::optional<Format> FormatFromName(std::string_view name) noexcept { return Format::FromName(name); }

struct ImportOptions {
  bool strict = false;
  // IBTrACS only: whose columns to read. One of "CMA", "JTWC" (alias "USA"), "JMA" (alias
  // "TOKYO"), "HKO". Default: "CMA".
  std::string ibtracs_agency = "CMA";
  // Files larger than this are refused whole (outside input is bounded). Default: 256 MiB.
  std::uint64_t max_file_bytes = 256ull << 20;
  // CSV live tracks only: the averaging period of their wind column. Default: 10-minute.
  WindAveraging csv_wind_averaging = WindAveraging::kTenMinute;
};

// One record that was skipped in lenient mode.
struct SkippedRecord {
  std::string file;
  std::int64_t line = 0;  // 1-based; for IBTrACS the 1-based storm index
  std::string field;
  std::string reason;
};

// What one source file contributed, kept in the archive's /sources table.
struct SourceInfo {
  std::string file;      // file name without directories
  std::string format;    // FormatName
  std::string agency;    // "CMA", "JTWC", …
  std::int64_t storms = 0;
  std::int64_t records = 0;  // data records (lines) read, before merging
};

struct ImportResult {
  std::vector<Storm> storms;
  std::vector<SkippedRecord> skipped;
  std::vector<SkippedRecord> warnings;  // records kept, but doubtful (e.g. a header count mismatch)
  std::vector<SourceInfo> sources;
  std::int64_t records_read = 0;  // data records read (not headers), including skipped ones
  // Records folded into a fix an earlier record of the same time gave (ATCF: one line per
  // wind-radius threshold). Every format keeps:
  //   records_read = fixes kept + (skipped - skipped_headers) + records_merged.
  std::int64_t records_merged = 0;
  std::int64_t skipped_headers = 0;  // entries of `skipped` that are header lines, not data records
};

// Parses a text buffer of the given format. `file_name` is used in errors and Storm::source_file.
// Not for kIbtracs (binary): use ImportFile.
void ParseText(Format format, std::string_view text, std::string_view file_name,
               const ImportOptions& options, ImportResult& result);

// Reads and parses one file.
void ImportFile(Format format, const std::filesystem::path& path, const ImportOptions& options,
                ImportResult& result);

// The files a source argument names: a file is itself; a directory yields the files in it that
// look like the format (CH*BST.txt, b*.dat/.txt, *.txt, *.nc), sorted by name.
std::vector<std::filesystem::path> ListSourceFiles(Format format, const std::filesystem::path& path);

// The citation of an agency's best-track data set, as stored with the archive.
std::string_view AgencyCitation(std::string_view agency) noexcept;

}  // namespace taifeng::data
