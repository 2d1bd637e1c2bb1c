#include "taifeng/data/import.h"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "parse_context.h"
#include "parsers.h"
#include "storm_build.h"

namespace taifeng::data {
namespace {

namespace fs = std::filesystem;

std::string ReadBounded(const fs::path& path, std::uint64_t max_bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  }
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error(ErrorCode::kIo, path.string() + ": " + ec.message());
  if (size > max_bytes) {
    throw ParseError(path.filename().string(), 0, "file",
                     "at most " + std::to_string(max_bytes) + " bytes (file has " + std::to_string(size) + ")");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path.string() + ": cannot open for reading");
  std::string data(size, '\0');
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) throw Error(ErrorCode::kIo, path.string() + ": short read");
  return data;
}

bool LooksLike(Format format, const std::string& name) {
  auto ends = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && IEquals(std::string_view(name).substr(name.size() - suffix.size()), suffix);
  };
  switch (format) {
    case Format::kCma: return YearFromFileName(name, Format::kCma) > 0 && ends(".txt");
    case Format::kAtcf: return (name[0] == 'b' || name[0] == 'B') && (ends(".dat") || ends(".txt"));
    case Format::kJma: return ends(".txt");
    case Format::kHurdat2: return ends(".txt");
    case Format::kIbtracs: return ends(".nc");
    case Format::kCsv: return ends(".csv");
  }
  return false;
}

}  // namespace

std::string_view FormatName(Format format) noexcept {
  switch (format) {
    case Format::kCma: return "cma";
    case Format::kAtcf: return "atcf";
    case Format::kJma: return "jma";
    case Format::kHurdat2: return "hurdat2";
    case Format::kIbtracs: return "ibtracs";
    case Format::kCsv: return "csv";
  }
  return "unknown";
}

std::optional<Format> FormatFromName(std::string_view name) noexcept {
  for (Format f : {Format::kCma, Format::kAtcf, Format::kJma, Format::kHurdat2, Format::kIbtracs, Format::kCsv}) {
    if (IEquals(FormatName(f), name)) return f;
  }
  return std::nullopt;
}

void ParseText(Format format, std::string_view text, std::string_view file_name,
               const ImportOptions& options, ImportResult& result) {
  ParseContext ctx(file_name, options, result);
  const std::size_t storms_before = result.storms.size();
  const std::int64_t records_before = result.records_read;
  switch (format) {
    case Format::kCma: ParseCma(text, ctx); break;
    case Format::kAtcf: ParseAtcf(text, ctx); break;
    case Format::kJma: ParseJma(text, ctx); break;
    case Format::kHurdat2: ParseHurdat2(text, ctx); break;
    case Format::kCsv: ParseCsvTrack(text, ctx); break;
    case Format::kIbtracs:
      throw Error(ErrorCode::kInvalidArgument, "IBTrACS is binary (netCDF-4): use ImportFile");
  }
  if (result.storms.size() == storms_before && result.records_read == records_before) {
    result.warnings.push_back({std::string(file_name), 0, "file", "no records (empty file)"});
  }
  SourceInfo info;
  info.file = std::string(file_name);
  info.format = std::string(FormatName(format));
  info.storms = static_cast<std::int64_t>(result.storms.size() - storms_before);
  info.records = result.records_read - records_before;
  info.agency = info.storms > 0 ? result.storms.back().agency
                                : (format == Format::kCma ? "CMA" : format == Format::kJma ? "JMA"
                                   : format == Format::kHurdat2 ? "NHC" : format == Format::kCsv ? "LIVE" : "JTWC");
  result.sources.push_back(std::move(info));
}

void ImportFile(Format format, const std::filesystem::path& path, const ImportOptions& options,
                ImportResult& result) {
  const std::string file_name = path.filename().string();
  if (format == Format::kIbtracs) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
    if (fs::file_size(path, ec) > options.max_file_bytes) {
      throw ParseError(file_name, 0, "file", "at most " + std::to_string(options.max_file_bytes) + " bytes");
    }
    ParseContext ctx(file_name, options, result);
    const std::size_t storms_before = result.storms.size();
    const std::int64_t records_before = result.records_read;
    ImportIbtracs(path.string(), ctx);
    SourceInfo info{file_name, "ibtracs", "", static_cast<std::int64_t>(result.storms.size() - storms_before),
                    result.records_read - records_before};
    info.agency = options.ibtracs_agency;
    if (info.storms > 0) info.agency = result.storms.back().agency;
    result.sources.push_back(std::move(info));
    return;
  }
  const std::string text = ReadBounded(path, options.max_file_bytes);
  ParseText(format, text, file_name, options, result);
}

std::vector<std::filesystem::path> ListSourceFiles(Format format, const std::filesystem::path& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return {path};
  if (!fs::is_directory(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file or directory");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (!name.empty() && LooksLike(format, name)) files.push_back(entry.path());
  }
  if (ec) throw Error(ErrorCode::kIo, path.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

std::string_view AgencyCitation(std::string_view agency) noexcept {
  if (agency == "CMA") {
    return "CMA Tropical Cyclone Best Track Dataset (tcdata.typhoon.org.cn): Ying M. et al. (2014) "
           "J. Atmos. Oceanic Technol. 31, 287-301; Lu X. et al. (2021) Adv. Atmos. Sci. 38, 690-699";
  }
  if (agency == "JTWC") return "Joint Typhoon Warning Center best tracks (US Government, public domain)";
  if (agency == "JMA") return "RSMC Tokyo - Typhoon Center best track data, Japan Meteorological Agency";
  if (agency == "NHC") {
    return "NOAA NHC HURDAT2 / best track: Landsea C.W. & Franklin J.L. (2013) Mon. Wea. Rev. 141, 3576-3592";
  }
  if (agency == "HKO") return "Hong Kong Observatory best track, via IBTrACS v04 (Knapp K.R. et al. (2010) BAMS 91, 363-376)";
  return "";
}

}  // namespace taifeng::data
