#include "taifeng/data/import.h"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "formats/format_spec.h"
#include "parse_context.h"
#include "storm_build.h"
#include "taifeng/base/error.h"
#include "taifeng/base/utf8.h"

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

}  // namespace

std::optional<Format> Format::FromName(std::string_view name) noexcept {
  for (const Format& f : All())
    if (IEquals(f.name(), name)) return f;
  return std::nullopt;
}

Format Format::Named(std::string_view name) {
  if (const auto f = FromName(name)) return *f;
  std::string known;
  for (const Format& f : All()) known += (known.empty() ? "" : ", ") + std::string(f.name());
  throw Error(ErrorCode::kInvalidArgument, "no best-track format \"" + std::string(name) + "\" (known: " + known + ")");
}

std::string_view Format::name() const noexcept { return spec_->name; }
std::string_view Format::source_help() const noexcept { return spec_->source_help; }
bool Format::archive_source() const noexcept { return spec_->archive_source; }
bool Format::binary() const noexcept { return spec_->parse_text == nullptr; }

namespace {

// Storm names come from outside: each must be text (valid UTF-8, no control characters). Strict:
// the file is refused naming the storm; lenient: invalid bytes become U+FFFD, control characters
// are dropped, and a warning says so (the storm and its fixes are kept).
void CheckNames(std::string_view file, std::size_t first, const ImportOptions& options, ImportResult& result) {
  for (std::size_t i = first; i < result.storms.size(); ++i) {
    Storm& storm = result.storms[i];
    const auto problem = TextProblem(storm.name);
    if (!problem) continue;
    const std::string field = "NAME of " + storm.id;
    if (options.strict) throw ParseError(std::string(file), 0, field, "a storm name in UTF-8 without control characters (" + *problem + ")");
    std::string clean;
    ForEachCodePoint(storm.name, [&](char32_t c, std::string_view) {
      if (!IsControl(c)) AppendUtf8(clean, c);
    });
    result.warnings.push_back({std::string(file), 0, field,
                               "name '" + Printable(storm.name) + "': " + *problem + "; kept as '" + clean + "'"});
    storm.name = std::move(clean);
  }
}

}  // namespace

void ParseText(Format format, std::string_view text, std::string_view file_name,
               const ImportOptions& options, ImportResult& result) {
  ParseContext ctx(file_name, options, result);
  const std::size_t storms_before = result.storms.size();
  const std::int64_t records_before = result.records_read;
  if (format.binary())
    throw Error(ErrorCode::kInvalidArgument, std::string(format.name()) + " is a binary format: use ImportFile");
  format.spec().parse_text(text, ctx);
  CheckNames(file_name, storms_before, options, result);
  if (result.storms.size() == storms_before && result.records_read == records_before) {
    result.warnings.push_back({std::string(file_name), 0, "file", "no records (empty file)"});
  }
  SourceInfo info;
  info.file = std::string(file_name);
  info.format = std::string(FormatName(format));
  info.storms = static_cast<std::int64_t>(result.storms.size() - storms_before);
  info.records = result.records_read - records_before;
  info.agency = info.storms > 0 ? result.storms.back().agency : std::string(format.spec().agency);
  result.sources.push_back(std::move(info));
}

void ImportFile(Format format, const std::filesystem::path& path, const ImportOptions& options,
                ImportResult& result) {
  const std::string file_name = path.filename().string();
  if (format.binary()) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
    if (fs::file_size(path, ec) > options.max_file_bytes) {
      throw ParseError(file_name, 0, "file", "at most " + std::to_string(options.max_file_bytes) + " bytes");
    }
    ParseContext ctx(file_name, options, result);
    const std::size_t storms_before = result.storms.size();
    const std::int64_t records_before = result.records_read;
    format.spec().parse_file(path.string(), ctx);
    CheckNames(file_name, storms_before, options, result);
    SourceInfo info{file_name, std::string(format.name()), "", static_cast<std::int64_t>(result.storms.size() - storms_before),
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
    if (!name.empty() && format.spec().looks_like(name)) files.push_back(entry.path());
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
