#include "taifeng/gateway/display.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "taifeng/base/time_utc.h"

namespace taifeng::gateway {

namespace {

const std::map<std::string, std::pair<const char*, const char*>> kSignalStyle = {
    // name -> ANSI (background; foreground), Chinese colour
    {"white", {"\x1b[47;30m", "白"}},          {"blue", {"\x1b[44;97m", "蓝"}}, {"yellow", {"\x1b[43;30m", "黄"}},
    {"orange", {"\x1b[48;5;208;30m", "橙"}}, {"red", {"\x1b[41;97m", "红"}},  {"black", {"\x1b[40;97;1m", "黑"}},
    {"amber", {"\x1b[43;30m", "黄"}}};

// A jurisdiction's own short label ("8 NE", "黃雨") when its rules give one.
const std::string* ShortLabel(const Bulletin* b, bool zh) {
  const std::string& s = zh ? b->short_label_zh : b->short_label_en;
  const std::string& l = zh ? b->label_zh : b->label_en;
  return !s.empty() && s != l ? &s : nullptr;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string KindZh(const std::string& kind) { return kind == "typhoon" ? "台风" : kind == "rainstorm" ? "暴雨" : kind == "flood" ? "洪涝" : kind; }

std::string SignalCell(const Bulletin* b, bool zh) {
  if (!b) return "-";
  if (const std::string* s = ShortLabel(b, zh)) return *s;
  if (!zh) return Upper(b->signal);
  const auto it = kSignalStyle.find(b->signal);
  return KindZh(b->kind) + (it == kSignalStyle.end() ? b->signal : std::string(it->second.second));
}

std::string Paint(const std::string& text, const Bulletin* b, bool ansi) {
  if (!ansi || !b) return text;
  const auto it = kSignalStyle.find(b->signal);
  return std::string(it == kSignalStyle.end() ? "\x1b[7m" : it->second.first) + text + "\x1b[0m";
}

std::string Number(double v, const char* fmt) {
  if (!std::isfinite(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string HourMinute(std::int64_t utc) {
  const std::string iso = taifeng::FormatIsoUtc(utc);  // 2018-09-16T00:00:00Z
  return iso.size() >= 16 ? iso.substr(5, 5) + " " + iso.substr(11, 5) + "Z" : iso;
}

}  // namespace

std::vector<DisplayRow> BuildDisplayRows(const Board& board, const std::vector<DisplayRegion>& regions, std::int64_t now_utc, bool warned_first) {
  std::vector<DisplayRow> rows;
  for (const DisplayRegion& r : regions) {
    DisplayRow row{r, board.Find(r.code, "typhoon", now_utc), nullptr, std::nan("")};
    for (const char* kind : {"rainstorm", "flood"})
      if (const Bulletin* b = board.Find(r.code, kind, now_utc); b && (!row.rain || b->rank > row.rain->rank)) row.rain = b;
    for (const Bulletin* b : {row.typhoon, row.rain})
      if (b && std::isfinite(b->storm_distance_km) && !std::isfinite(row.distance_km)) row.distance_km = b->storm_distance_km;
    rows.push_back(row);
  }
  if (warned_first)
    std::stable_sort(rows.begin(), rows.end(), [](const DisplayRow& a, const DisplayRow& b) {
      const int ra = std::max(a.typhoon ? a.typhoon->rank : 0, a.rain ? a.rain->rank : 0);
      const int rb = std::max(b.typhoon ? b.typhoon->rank : 0, b.rain ? b.rain->rank : 0);
      return ra > rb;
    });
  return rows;
}

std::string RenderTerminal(const Board& board, const std::vector<DisplayRow>& rows, const DisplayStatus& status, int columns, int lines,
                           bool ansi) {
  columns = std::max(columns, 40);
  lines = std::max(lines, 5);
  const std::optional<feed::Situation> s = board.LatestSituation();
  std::vector<std::string> out;
  std::string status_tag;
  for (const DisplayRow& r : rows)
    for (const Bulletin* b : {r.typhoon, r.rain})
      if (b && b->status != "Actual") status_tag = "  " + Upper(b->status);
  out.push_back((ansi ? std::string("\x1b[1m") : "") + FitColumns("TAIFENG warnings in force  " + taifeng::FormatIsoUtc(status.now_utc) + status_tag +
                                                                   "  feed seq " + std::to_string(status.seq),
                                                               columns) +
                (ansi ? "\x1b[0m" : ""));
  if (status.feed_lost) {
    const std::string lost = "!! FEED LOST since " + taifeng::FormatIsoUtc(status.lost_since_utc) + ": warnings shown may be out of date !!";
    out.push_back(ansi ? "\x1b[41;97;1;5m" + FitColumns(lost, columns) + "\x1b[0m" : FitColumns(lost, columns));
  } else if (s && !s->empty()) {
    const feed::SituationPoint& p = s->now();
    out.push_back(FitColumns("Storm " + s->storm_name + " at " + HourMinute(p.time_utc) + ": " + feed::FormatPosition(p.lat_deg, p.lon_deg) + ", " +
                                 Number(p.wind_ms, "%.0f") + " m/s 10-min mean, " + Number(p.pressure_hpa, "%.0f") + " hPa",
                             columns));
  } else {
    out.push_back(FitColumns("No storm on the feed", columns));
  }
  const bool wide = columns >= 92;
  auto row_text = [&](const std::string& region, const std::string& ty, const std::string& rain, const std::string& storm,
                      const std::string& pos, const std::string& wind, const std::string& dist, const std::string& expires,
                      const Bulletin* tyb, const Bulletin* rainb) {
    std::string line;
    for (const std::string& cell : {FitColumns(region, 17), Paint(FitColumns(ty, 7), tyb, ansi), Paint(FitColumns(rain, 7), rainb, ansi),
                                    FitColumns(storm, 10), FitColumns(pos, 13), FitColumns(wind, 10), FitColumns(dist, 8)}) {
      line.append(cell);
      line.push_back(' ');
    }
    if (wide) line.append(FitColumns(expires, 11));
    return line;
  };
  out.push_back(row_text("Region", "Typhoon", "Rain", "Storm", "Position", "10-min m/s", "Dist km", "Until UTC", nullptr, nullptr));
  const std::size_t room = static_cast<std::size_t>(lines) - out.size();
  const std::size_t fit = rows.size() <= room ? rows.size() : room - 1;  // the last line then says what is left out
  std::size_t quiet_hidden = 0, warned_hidden = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const DisplayRow& r = rows[i];
    if (i >= fit) {
      (r.typhoon || r.rain ? warned_hidden : quiet_hidden)++;
      continue;
    }
    std::string storm = "-", pos = "-", wind = "-", until = "-";
    const Bulletin* any = r.typhoon ? r.typhoon : r.rain;
    if (any && s && !s->empty()) {
      storm = s->storm_name;
      pos = feed::FormatPosition(s->now().lat_deg, s->now().lon_deg);
      wind = Number(s->now().wind_ms, "%.0f");
    }
    if (any) until = HourMinute(any->expires_utc);
    out.push_back(row_text(r.region.name + " " + r.region.name_en, SignalCell(r.typhoon, false), SignalCell(r.rain, false), storm, pos, wind,
                           Number(r.distance_km, "%.0f"), until, r.typhoon, r.rain));
  }
  if (warned_hidden || quiet_hidden)
  {
    char buf[96];
    std::snprintf(buf, sizeof buf, "+%zu more regions (%zu with a signal): widen the terminal", warned_hidden + quiet_hidden, warned_hidden);
    out.push_back(FitColumns(buf, columns));
  }
  std::string frame;
  for (const std::string& l : out) frame += l + "\n";
  return frame;
}

std::string RenderLed(const Board& board, const std::vector<DisplayRow>& rows, const DisplayStatus& status, int width, std::string_view language,
                      bool all_rows) {
  const bool zh = language == "zh";
  width = std::max(width, 8);
  std::string frame;
  const std::optional<feed::Situation> s = board.LatestSituation();
  if (status.feed_lost)
    frame += FitColumns(zh ? "!! 信号中断 FEED LOST !!" : "!! FEED LOST !!", width) + "\n";
  else if (s && !s->empty())
    frame += FitColumns(s->storm_name + " " + feed::FormatPosition(s->now().lat_deg, s->now().lon_deg) + " " + Number(s->now().wind_ms, "%.0f") + "m/s(10min)",
                        width) +
             "\n";
  else
    frame += FitColumns(zh ? "无风暴" : "NO STORM", width) + "\n";
  for (const DisplayRow& r : rows) {
    if (!all_rows && !r.typhoon && !r.rain) continue;
    std::string name = zh ? r.region.name : r.region.name_en;
    for (const std::string suffix : {"特别行政区", "市"})
      if (zh && name.size() > suffix.size() && name.ends_with(suffix)) name = name.substr(0, name.size() - suffix.size());
    auto cell = [&](const Bulletin* b) {
      if (zh || !b) return SignalCell(b, zh);
      if (const std::string* s = ShortLabel(b, false)) return std::string(b->kind == "typhoon" ? "TC " : "") + *s;
      return std::string(b->kind == "typhoon" ? "TC " : b->kind == "flood" ? "FLOOD " : "RAIN ") + Upper(b->signal);
    };
    std::string line = name;
    line.push_back(' ');
    line.append(cell(r.typhoon));
    if (r.rain) line.append(" ").append(cell(r.rain));
    if (std::isfinite(r.distance_km)) line.append(" ").append(Number(r.distance_km, "%.0f")).append("km");
    frame += FitColumns(line, width) + "\n";
  }
  return frame;
}

}  // namespace taifeng::gateway
