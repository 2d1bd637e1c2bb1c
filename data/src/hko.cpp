#include "taifeng/data/hko.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"

namespace taifeng::data {
namespace {

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

// Calls fn(line number, line) for each line of a CSV file, a UTF-8 BOM and CR stripped; refuses
// a file longer than `max_lines` (file, line) and a file it cannot open (kNotFound, naming `what`).
template <typename Fn>
void ForEachLine(const std::filesystem::path& path, const char* what, std::int64_t max_lines, Fn fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, path.string() + ": cannot read the " + what);
  std::string line;
  std::int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n > max_lines) throw ParseError(path.filename().string(), n, "file", "at most " + std::to_string(max_lines) + " lines");
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!fn(n, line)) break;
  }
}

}  // namespace

std::optional<std::int64_t> ParseTimeWithOffset(std::string_view text) {
  if (text.size() < 16) return std::nullopt;
  int sign = 0, offset_min = 0;
  std::string_view local = text;
  if (text.back() == 'Z') {
    local = text.substr(0, text.size() - 1);
  } else if (text.size() >= 22 && (text[text.size() - 6] == '+' || text[text.size() - 6] == '-') && text[text.size() - 3] == ':') {
    const std::string_view o = text.substr(text.size() - 6);
    if (!std::isdigit(static_cast<unsigned char>(o[1])) || !std::isdigit(static_cast<unsigned char>(o[2])) ||
        !std::isdigit(static_cast<unsigned char>(o[4])) || !std::isdigit(static_cast<unsigned char>(o[5])))
      return std::nullopt;
    sign = o[0] == '-' ? -1 : 1;
    offset_min = ((o[1] - '0') * 10 + (o[2] - '0')) * 60 + (o[4] - '0') * 10 + (o[5] - '0');
    local = text.substr(0, text.size() - 6);
  } else {
    return std::nullopt;
  }
  const auto t = ParseUtc(std::string(local) + "Z");
  if (!t) return std::nullopt;
  return *t - static_cast<std::int64_t>(sign) * offset_min * 60;
}

std::vector<HkoSignal> ReadHkoSignals(const std::filesystem::path& path) {
  const std::string file = path.filename().string();
  std::vector<HkoSignal> out;
  std::int64_t lines = 0;
  bool header = false;
  ForEachLine(path, "HKO signals file", 100000, [&](std::int64_t n, const std::string& line) {
    lines = n;
    if (line.empty()) return true;
    const std::vector<std::string> c = SplitCsv(line);
    if (!header) {
      if (c.size() != 5 || c[0] != "season" || c[1] != "storm_name" || c[2] != "signal" || c[3] != "start_hkt" || c[4] != "end_hkt")
        throw ParseError(file, n, "header", "season,storm_name,signal,start_hkt,end_hkt");
      header = true;
      return true;
    }
    if (c.size() != 5) throw ParseError(file, n, "line", "5 comma-separated fields");
    HkoSignal s;
    try {
      std::size_t used = 0;
      s.season = std::stoi(c[0], &used);
      if (used != c[0].size() || s.season < 1884 || s.season > 2100) throw std::invalid_argument("season");
    } catch (const std::exception&) {
      throw ParseError(file, n, "season", "a year");
    }
    s.storm_name = c[1];
    std::transform(s.storm_name.begin(), s.storm_name.end(), s.storm_name.begin(), [](unsigned char ch) { return std::toupper(ch); });
    if (s.storm_name.empty() || s.storm_name.size() > 40) throw ParseError(file, n, "storm_name", "a storm name");
    s.signal = c[2];
    static const std::vector<std::string> kSignals = {"8NE", "8SE", "8SW", "8NW", "9", "10"};
    if (std::find(kSignals.begin(), kSignals.end(), s.signal) == kSignals.end())
      throw ParseError(file, n, "signal", "8NE, 8SE, 8SW, 8NW, 9 or 10");
    s.number = s.signal[0] == '8' ? 8 : std::stoi(s.signal);
    const auto start = ParseTimeWithOffset(c[3]), end = ParseTimeWithOffset(c[4]);
    if (!start) throw ParseError(file, n, "start_hkt", "an ISO 8601 time with its offset (2001-07-05T19:30+08:00)");
    if (!end || *end < *start) throw ParseError(file, n, "end_hkt", "an ISO 8601 time with its offset, not before start_hkt");
    s.start_utc = *start, s.end_utc = *end;
    out.push_back(std::move(s));
    return true;
  });
  if (!header) throw ParseError(file, lines, "header", "season,storm_name,signal,start_hkt,end_hkt");
  return out;
}

namespace {

// "202207011850" (HKT) -> UTC seconds.
std::optional<std::int64_t> HktCompact(const std::string& t) {
  if (t.size() != 12 || !std::all_of(t.begin(), t.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  return ParseTimeWithOffset(t.substr(0, 4) + "-" + t.substr(4, 2) + "-" + t.substr(6, 2) + "T" + t.substr(8, 2) + ":" + t.substr(10, 2) +
                             "+08:00");
}

std::optional<double> Speed(const std::string& cell, bool& bad) {
  if (cell == "N/A" || cell.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(cell, &used);
    if (used == cell.size() && v >= 0 && v <= 400) return v;
  } catch (const std::exception&) {
  }
  bad = true;
  return std::nullopt;
}

}  // namespace

std::vector<HkoWind> ReadHkoWindFile(const std::filesystem::path& path) {
  const std::string file = path.filename().string();
  std::vector<HkoWind> out;
  std::set<std::string> seen;
  std::int64_t lines = 0;
  ForEachLine(path, "HKO wind file", 10000, [&](std::int64_t n, const std::string& line) {
    lines = n;
    if (line.empty()) return true;
    const std::vector<std::string> c = SplitCsv(line);
    if (n == 1) {
      if (c.size() != 5 || c[0] != "Date time" || c[1] != "Automatic Weather Station")
        throw ParseError(file, n, "header", "Date time,Automatic Weather Station,10-Minute Mean Wind Direction(Compass points),…");
      return true;
    }
    if (c.size() != 5) throw ParseError(file, n, "line", "5 comma-separated fields");
    HkoWind w;
    const auto t = HktCompact(c[0]);
    if (!t) throw ParseError(file, n, "Date time", "YYYYMMDDhhmm (HKT)");
    w.time_utc = *t;
    w.station = c[1];
    if (w.station.empty() || w.station.size() > 60) throw ParseError(file, n, "Automatic Weather Station", "a station name");
    w.direction = c[2] == "N/A" ? "" : c[2];
    bool bad = false;
    w.mean_kmh = Speed(c[3], bad);
    if (bad) throw ParseError(file, n, "10-Minute Mean Speed(km/hour)", "a speed in km/h or N/A");
    w.gust_kmh = Speed(c[4], bad);
    if (bad) throw ParseError(file, n, "10-Minute Maximum Gust(km/hour)", "a speed in km/h or N/A");
    if (seen.insert(c[0] + "|" + w.station).second) out.push_back(std::move(w));  // repeated: the first row stands
    return true;
  });
  if (lines == 0) throw ParseError(file, 0, "header", "a header line");
  return out;
}

std::vector<HkoWind> ReadHkoWindDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw Error(ErrorCode::kNotFound, dir.string() + ": no such directory");
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".csv") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::map<std::pair<std::int64_t, std::string>, HkoWind> merged;
  for (const auto& f : files)
    for (HkoWind& w : ReadHkoWindFile(f)) merged.try_emplace({w.time_utc, w.station}, std::move(w));
  std::vector<HkoWind> out;
  out.reserve(merged.size());
  for (auto& [k, w] : merged) out.push_back(std::move(w));
  return out;
}

std::vector<HkoDailyRain> ReadHkoDailyRainfall(const std::filesystem::path& path) {
  const std::string file = path.filename().string();
  std::vector<HkoDailyRain> out;
  ForEachLine(path, "HKO daily rainfall file", 200000, [&](std::int64_t n, const std::string& line) {
    if (n <= 3) return true;  // the two titles and the column names
    if (line.empty() || !std::isdigit(static_cast<unsigned char>(line[0]))) return false;  // the closing notes
    const std::vector<std::string> c = SplitCsv(line);
    if (c.size() < 4) throw ParseError(file, n, "line", "year,month,day,value,completeness");
    HkoDailyRain d;
    try {
      d.year = std::stoi(c[0]), d.month = std::stoi(c[1]), d.day = std::stoi(c[2]);
    } catch (const std::exception&) {
      throw ParseError(file, n, "date", "year,month,day as integers");
    }
    if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) throw ParseError(file, n, "date", "a valid month and day");
    if (c[3] == "***") return true;  // unavailable
    if (c[3] == "Trace") {
      d.mm = 0;
    } else {
      try {
        std::size_t used = 0;
        d.mm = std::stod(c[3], &used);
        if (used != c[3].size() || d.mm < 0 || d.mm > 2000) throw std::invalid_argument("mm");
      } catch (const std::exception&) {
        throw ParseError(file, n, "value", "rainfall in mm, Trace or ***");
      }
    }
    d.complete = c.size() < 5 || c[4] != "#";
    out.push_back(d);
    return true;
  });
  return out;
}

}  // namespace taifeng::data
