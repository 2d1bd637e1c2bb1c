// The storms a season-wide replay or verification takes: every CMA storm of a range of seasons
// whose centre came within a distance of a region, with the span to replay and HKO's highest
// signal for it (data/hko.h). Shared by `taifeng warn seasons` and `taifeng verify warnings`.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "taifeng/data/hko.h"
#include "taifeng/data/track.h"
#include "taifeng/geo/regions.h"

namespace taifeng::cli {

struct Selection {
  std::string cma;           // directory of CMA best-track files CHYYYYBST.txt
  double within_km = 800;
  int every_h = 6;
  std::vector<std::string> only;  // names, CMA ids or numbers; empty: all
};

struct Candidate {
  data::Storm storm;
  std::string file;
  double closest_km = 1e9;
  std::int64_t t0 = 0, t1 = 0;  // the replay's span
  std::string hko_highest;      // HKO's highest signal for it ("10", "9", "8SE"; "" none)
};

// "2000-2022" -> (2000, 2022); throws Error(kUsage) naming --seasons.
std::pair<int, int> ParseSeasons(const std::string& text);
std::string Upper(std::string s);
std::string Lower(std::string s);
// HKO's highest signal per (season, NAME): "10", "9", "8SE".
std::map<std::pair<int, std::string>, std::string> HighestSignals(const std::vector<data::HkoSignal>& signals);
// The CMA storms of the seasons that came within `a.within_km` of region `near`; the replay span
// of each: from when it is first within within_km + 600 km (a day after its first fix at the
// earliest) to 12 h after it is last within within_km. Throws Error(kNotFound) for a missing
// season file, ParseError for a bad one.
std::vector<Candidate> Candidates(const Selection& a, const geo::RegionSet& regions, std::size_t near, int y1, int y2);

}  // namespace taifeng::cli
