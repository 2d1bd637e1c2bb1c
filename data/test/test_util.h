// Helpers shared by the data tests.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>

#include "taifeng/data/import.h"

namespace taifeng::data::testing {

inline std::filesystem::path Samples() { return TAIFENG_SAMPLES_DIR; }

inline const Storm* FindById(const ImportResult& r, const std::string& id) {
  auto it = std::find_if(r.storms.begin(), r.storms.end(), [&](const Storm& s) { return s.id == id; });
  return it == r.storms.end() ? nullptr : &*it;
}

inline ImportResult ImportAll(Format format, const std::filesystem::path& path, ImportOptions options = {}) {
  ImportResult result;
  for (const auto& file : ListSourceFiles(format, path)) ImportFile(format, file, options, result);
  return result;
}

inline ImportResult ParseString(Format format, const std::string& text, bool strict = false,
                                const std::string& name = "inline.txt") {
  ImportOptions options;
  options.strict = strict;
  ImportResult result;
  ParseText(format, text, name, options, result);
  return result;
}

}  // namespace taifeng::data::testing
