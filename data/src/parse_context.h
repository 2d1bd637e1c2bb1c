// Private: the strict/lenient error policy shared by the parsers.
#pragma once

#include <string>
#include <string_view>

#include "taifeng/data/import.h"
#include "taifeng/base/error.h"

namespace taifeng::data {

class ParseContext {
 public:
  ParseContext(std::string_view file, const ImportOptions& options, ImportResult& result)
      : file_(file), options_(options), result_(result) {}

  // A bad record: throws ParseError in strict mode, records it as skipped in lenient mode.
  void Bad(std::int64_t line, std::string_view field, std::string_view expected) const {
    if (options_.strict) {
      throw ParseError(file_, line, std::string(field), std::string(expected));
    }
    result_.skipped.push_back({file_, line, std::string(field), std::string(expected)});
  }

  // A bad header line (not a data record: it is reported, and the records under it are reported
  // one by one as they are read).
  void BadHeader(std::int64_t line, std::string_view field, std::string_view expected) const {
    Bad(line, field, expected);
    ++result_.skipped_headers;
  }

  // A header that declared `declared` records for a block that kept `kept`: an error in strict
  // mode, a warning (storm kept) in lenient mode. Nothing when they agree.
  void CheckDeclaredCount(std::int64_t header_line, std::int64_t declared, std::size_t kept) const {
    if (declared < 0 || static_cast<std::int64_t>(kept) == declared) return;
    const std::string what = "header declares " + std::to_string(declared) + " records, block has " +
                             std::to_string(kept) + " valid ones";
    if (options_.strict) Bad(header_line, "COUNT", what);
    result_.warnings.push_back({file_, header_line, "COUNT", what + " (storm kept)"});
  }

  const std::string& file() const { return file_; }
  const ImportOptions& options() const { return options_; }
  ImportResult& result() const { return result_; }

 private:
  std::string file_;
  const ImportOptions& options_;
  ImportResult& result_;
};

}  // namespace taifeng::data
