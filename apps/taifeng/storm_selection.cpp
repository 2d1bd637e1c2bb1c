#include "storm_selection.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "taifeng/base/error.h"
#include "taifeng/data/import.h"

namespace taifeng::cli {

namespace fs = std::filesystem;

std::pair<int, int> ParseSeasons(const std::string& text) {
  int y1 = 0, y2 = 0;
  if (std::sscanf(text.c_str(), "%d-%d", &y1, &y2) != 2 || y1 > y2 || y1 < 1949 || y2 > 2100)
    throw Error(ErrorCode::kUsage, "--seasons: expected Y1-Y2 (e.g. 2000-2022)");
  return {y1, y2};
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::map<std::pair<int, std::string>, std::string> HighestSignals(const std::vector<data::HkoSignal>& signals) {
  std::map<std::pair<int, std::string>, std::pair<int, std::string>> best;
  for (const auto& s : signals) {
    auto& b = best[{s.season, s.storm_name}];
    if (s.number > b.first || (s.number == b.first && b.second.empty())) b = {s.number, s.signal};
  }
  std::map<std::pair<int, std::string>, std::string> out;
  for (const auto& [k, v] : best) out[k] = v.second;
  return out;
}

std::vector<Candidate> Candidates(const Selection& a, const geo::RegionSet& regions, std::size_t near, int y1, int y2) {
  std::vector<Candidate> out;
  for (int y = y1; y <= y2; ++y) {
    const fs::path file = fs::path(a.cma) / ("CH" + std::to_string(y) + "BST.txt");
    if (!fs::exists(file)) throw Error(ErrorCode::kNotFound, file.string() + ": no CMA best-track file for season " + std::to_string(y));
    data::ImportOptions options;
    options.strict = true;
    data::ImportResult r;
    data::ImportFile(data::Format::Named("cma"), file.string(), options, r);
    for (data::Storm& s : r.storms) {
      if (s.fixes.size() < 5) continue;
      if (!a.only.empty() && std::none_of(a.only.begin(), a.only.end(), [&](const std::string& o) {
            return Upper(o) == Upper(s.name) || o == s.id || o == s.intl_number;
          }))
        continue;
      Candidate c;
      std::int64_t first_near = 0, last_near = 0;
      for (const data::Fix& f : s.fixes) {
        const double d = regions.DistanceKm(near, f.lat_deg, f.lon_deg);
        c.closest_km = std::min(c.closest_km, d);
        if (d <= a.within_km + 600 && !first_near) first_near = f.time_utc;
        if (d <= a.within_km) last_near = f.time_utc;
      }
      if (c.closest_km > a.within_km) continue;
      c.t0 = std::max(first_near, s.fixes.front().time_utc + 24 * 3600);
      c.t0 -= c.t0 % (static_cast<std::int64_t>(a.every_h) * 3600);
      c.t1 = std::min(last_near + 12 * 3600, s.fixes.back().time_utc);
      if (c.t1 < c.t0) continue;
      c.file = file.string();
      c.storm = std::move(s);
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace taifeng::cli
