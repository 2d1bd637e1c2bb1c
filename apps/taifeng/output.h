// Output helpers for the taifeng CLI: progress on a terminal, aligned tables, JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "taifeng/data/archive.h"
#include "taifeng/data/quality.h"

namespace taifeng::cli {

// A one-line progress display on stderr, shown only when stderr is a terminal and not quiet.
class Progress {
 public:
  explicit Progress(bool enabled);
  ~Progress();
  void Update(const std::string& what, std::size_t done, std::size_t total);
  void Done();

 private:
  bool enabled_;
  bool shown_ = false;
};

// Prints rows as a left-aligned table with a header row. Column widths count UTF-8 code points.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

std::string FormatFloat(double value, int decimals);  // "" for NaN

nlohmann::json QualityToJson(const data::QualityReport& report, const std::vector<data::SkippedRecord>& skipped,
                             const std::vector<data::SkippedRecord>& warnings);
void PrintQuality(const data::QualityReport& report, const std::vector<data::SkippedRecord>& skipped,
                  const std::vector<data::SkippedRecord>& warnings);

}  // namespace taifeng::cli
