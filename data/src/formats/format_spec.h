// Private to data/: one best-track format, as its room (data/src/formats/<name>/) describes it to
// the registry (formats/registry.cpp). A text format parses a buffer; a binary one reads its file.
#pragma once

#include <string>
#include <string_view>

namespace taifeng::data {

class ParseContext;

struct FormatSpec {
  std::string_view name;         // "cma": the CLI's --cma, FormatFromName, the archive's /sources
  std::string_view agency;       // the agency of a file that yields no storm ("CMA")
  std::string_view source_help;  // one line for the CLI ("CMA/STI CHYYYYBST.txt files or directories")
  bool archive_source;           // offered by `taifeng archive build` (false: live tracks only)
  // Whether a file in a source directory is one of this format's (by its name).
  bool (*looks_like)(std::string_view file_name);
  void (*parse_text)(std::string_view text, ParseContext& ctx);     // text formats; else nullptr
  void (*parse_file)(const std::string& path, ParseContext& ctx);   // binary formats; else nullptr
};

}  // namespace taifeng::data
