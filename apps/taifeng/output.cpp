#include "output.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "taifeng/base/utf8.h"

namespace taifeng::cli {

Progress::Progress(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO) == 1) {}
Progress::~Progress() { Done(); }

void Progress::Update(const std::string& what, std::size_t done, std::size_t total) {
  if (!enabled_) return;
  std::fprintf(stderr, "\r\033[K%s %zu/%zu", what.c_str(), done, total);
  std::fflush(stderr);
  shown_ = true;
}

void Progress::Done() {
  if (shown_) std::fprintf(stderr, "\r\033[K");
  shown_ = false;
}

void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = static_cast<std::size_t>(DisplayWidth(header[c]));
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], static_cast<std::size_t>(DisplayWidth(row[c])));
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - static_cast<std::size_t>(DisplayWidth(row[c])) + 2, ' ');
    }
    std::cout << line << '\n';
  };
  print_row(header);
  for (const auto& row : rows) print_row(row);
}

std::string FormatFloat(double value, int decimals) {
  if (std::isnan(value)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

nlohmann::json QualityToJson(const data::QualityReport& r, const std::vector<data::SkippedRecord>& skipped,
                             const std::vector<data::SkippedRecord>& warnings) {
  nlohmann::json j;
  j["files"] = r.files;
  j["storms"] = r.storms;
  j["fixes"] = r.fixes;
  j["records_read"] = r.records_read;
  j["skipped_records"] = r.skipped;
  j["skipped_by_reason"] = r.skipped_by_reason;
  j["findings_by_kind"] = r.findings_by_kind;
  auto records = [](const std::vector<data::SkippedRecord>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& s : v) a.push_back({{"file", s.file}, {"line", s.line}, {"field", s.field}, {"reason", s.reason}});
    return a;
  };
  j["skipped"] = records(skipped);
  j["warnings"] = records(warnings);
  nlohmann::json f = nlohmann::json::array();
  for (const auto& x : r.findings) {
    f.push_back({{"kind", x.kind}, {"storm", x.storm_id}, {"file", x.file}, {"line", x.line}, {"detail", x.detail}});
  }
  j["findings"] = std::move(f);
  return j;
}

void PrintQuality(const data::QualityReport& r, const std::vector<data::SkippedRecord>& skipped,
                  const std::vector<data::SkippedRecord>& warnings) {
  std::cout << "Data quality\n"
            << "  files read:        " << r.files << "\n"
            << "  storms read:       " << r.storms << "\n"
            << "  fixes kept:        " << r.fixes << "\n"
            << "  records read:      " << r.records_read << "\n"
            << "  records skipped:   " << r.skipped << "\n";
  constexpr std::size_t kShown = 10;
  for (std::size_t i = 0; i < skipped.size() && i < kShown; ++i) {
    const auto& s = skipped[i];
    std::cout << "    " << s.file << ":" << s.line << ": " << s.field << ": " << s.reason << "\n";
  }
  if (skipped.size() > kShown) std::cout << "    … " << skipped.size() - kShown << " more (--report FILE lists all)\n";
  if (!warnings.empty()) {
    std::cout << "  warnings:          " << warnings.size() << "\n";
    for (std::size_t i = 0; i < warnings.size() && i < kShown; ++i) {
      const auto& s = warnings[i];
      std::cout << "    " << s.file << ":" << s.line << ": " << s.field << ": " << s.reason << "\n";
    }
  }
  std::cout << "  findings (kept, worth a look):\n";
  if (r.findings_by_kind.empty()) std::cout << "    none\n";
  for (const auto& [kind, count] : r.findings_by_kind) {
    std::cout << "    " << kind << ": " << count;
    for (const auto& f : r.findings) {
      if (f.kind == kind) {
        std::cout << "  (e.g. " << f.storm_id << " " << f.file << ":" << f.line << ": " << f.detail << ")";
        break;
      }
    }
    std::cout << "\n";
  }
}

}  // namespace taifeng::cli
