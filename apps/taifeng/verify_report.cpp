#include "verify_report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "taifeng/base/env.h"
#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/utf8.h"

namespace taifeng::cli {
namespace {

using nlohmann::json;

constexpr std::int64_t kHkt = 8 * 3600;
constexpr double kWidth = 720, kLeft = 126, kRight = 12, kRow = 18, kWindPanel = 90;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

const char* Colour(int number) {
  switch (number) {
    case 1: return "#9ecae1";
    case 3: return "#fdd0a2";
    case 8: return "#fd8d3c";
    case 9: return "#d94801";
    default: return "#7f2704";
  }
}

std::string Hkt(std::int64_t utc) {
  const CivilTime c = ToCivil(utc + kHkt);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d HKT", c.year, c.month, c.day, c.hour, c.minute);
  return buf;
}

struct Axis {
  std::int64_t t0, t1;
  double X(std::int64_t t) const {
    return kLeft + (kWidth - kLeft - kRight) * static_cast<double>(t - t0) / static_cast<double>(std::max<std::int64_t>(1, t1 - t0));
  }
};

// The observed network wind with its thresholds (41 strong, 63 gale, 118 hurricane; km/h).
std::string WindPanel(const StormChart& c, const Axis& ax, double top) {
  double ymax = 130;
  for (const auto& [t, v] : c.network_kmh) ymax = std::max(ymax, v * 1.1);
  const auto y = [&](double v) { return top + kWindPanel - kWindPanel * v / ymax; };
  std::string s = "<text x=\"4\" y=\"" + Num(top + 12) + "\" font-size=\"10\">observed wind</text>\n<text x=\"4\" y=\"" + Num(top + 24) +
                  "\" font-size=\"9\" fill=\"#555\">4th of 8 stations</text>\n<text x=\"4\" y=\"" + Num(top + 36) +
                  "\" font-size=\"9\" fill=\"#555\">10-min mean, km/h</text>\n";
  for (double th : {41.0, 63.0, 118.0})
    s += "<line x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(y(th)) + "\" y2=\"" + Num(y(th)) +
         "\" stroke=\"#999\" stroke-dasharray=\"3,3\"/>\n<text x=\"" + Num(kLeft - 4) + "\" y=\"" + Num(y(th) + 3) +
         "\" font-size=\"9\" text-anchor=\"end\">" + Num(th).substr(0, Num(th).size() - 2) + "</text>\n";
  std::string path;
  std::int64_t previous = 0;
  for (const auto& [t, v] : c.network_kmh) {
    if (t < ax.t0 || t > ax.t1) continue;
    path += (path.empty() || t - previous > 1800 ? "M" : "L") + Num(ax.X(t)) + "," + Num(y(v)) + " ";
    previous = t;
  }
  if (!path.empty()) s += "<path d=\"" + path + "\" fill=\"none\" stroke=\"#08519c\" stroke-width=\"1.2\"/>\n";
  return s;
}

std::string Row(const std::vector<SignalSpan>& spans, const std::string& name, const Axis& ax, double top) {
  std::string s = "<text x=\"4\" y=\"" + Num(top + 13) + "\" font-size=\"11\">" + XmlEscape(name) + "</text>\n<rect x=\"" + Num(kLeft) +
                  "\" y=\"" + Num(top + 2) + "\" width=\"" + Num(kWidth - kLeft - kRight) + "\" height=\"" + Num(kRow - 4) +
                  "\" fill=\"#f4f4f4\"/>\n";
  for (const SignalSpan& sp : spans) {
    const double x0 = ax.X(std::max(sp.from_utc, ax.t0)), x1 = ax.X(std::min(sp.to_utc, ax.t1));
    if (x1 <= x0) continue;
    s += "<rect x=\"" + Num(x0) + "\" y=\"" + Num(top + 2) + "\" width=\"" + Num(x1 - x0) + "\" height=\"" + Num(kRow - 4) + "\" fill=\"" +
         Colour(sp.number) + "\"><title>" + XmlEscape(sp.label + " " + Hkt(sp.from_utc) + " to " + Hkt(sp.to_utc)) + "</title></rect>\n";
    if (x1 - x0 > 22)
      s += "<text x=\"" + Num(x0 + 2) + "\" y=\"" + Num(top + 13) + "\" font-size=\"9\">" + XmlEscape(sp.label) + "</text>\n";
  }
  return s;
}

// Day ticks at 00:00 HKT, labelled MM-DD.
std::string TimeAxis(const Axis& ax, double top, double bottom) {
  std::string s;
  const std::int64_t day = 86400;
  for (std::int64_t d = ((ax.t0 + kHkt) / day + 1) * day - kHkt; d <= ax.t1; d += day) {
    const CivilTime c = ToCivil(d + kHkt);
    char label[8];
    std::snprintf(label, sizeof label, "%02d-%02d", c.month, c.day);
    s += "<line x1=\"" + Num(ax.X(d)) + "\" x2=\"" + Num(ax.X(d)) + "\" y1=\"" + Num(top) + "\" y2=\"" + Num(bottom) +
         "\" stroke=\"#ccc\"/>\n<text x=\"" + Num(ax.X(d)) + "\" y=\"" + Num(bottom + 11) + "\" font-size=\"9\" text-anchor=\"middle\">" +
         label + "</text>\n";
  }
  s += "<text x=\"" + Num(kWidth - kRight) + "\" y=\"" + Num(bottom + 23) + "\" font-size=\"9\" text-anchor=\"end\">date, Hong Kong Time (HKT, UTC+8), ticks at 00:00 HKT</text>\n";
  return s;
}

std::string Legend(double top) {
  std::string s = "<text x=\"4\" y=\"" + Num(top + 9) + "\" font-size=\"9\">signal:</text>\n";
  double x = 44;
  for (int n : {1, 3, 8, 9, 10}) {
    s += "<rect x=\"" + Num(x) + "\" y=\"" + Num(top) + "\" width=\"12\" height=\"10\" fill=\"" + Colour(n) + "\"/><text x=\"" + Num(x + 15) +
         "\" y=\"" + Num(top + 9) + "\" font-size=\"9\">No. " + std::to_string(n) + "</text>\n";
    x += 52;
  }
  return s;
}

}  // namespace

std::string ChartSvg(const StormChart& c) {
  Axis ax{c.t0_utc, c.t1_utc};
  for (const SignalSpan& s : c.hko) ax.t0 = std::min(ax.t0, s.from_utc), ax.t1 = std::max(ax.t1, s.to_utc);
  const bool winds = !c.network_kmh.empty();
  double y = 22;
  std::string body = "<text x=\"4\" y=\"14\" font-size=\"12\" font-weight=\"bold\">" +
                     XmlEscape(c.number + " " + c.name + " " + std::to_string(c.season) + ", closest " + Num(c.closest_km).substr(0, Num(c.closest_km).size() - 2) +
                               " km from Hong Kong") +
                     "</text>\n";
  const double top = y;
  if (winds) body += WindPanel(c, ax, y), y += kWindPanel + 6;
  body += Row(c.hko, "HKO", ax, y), y += kRow;
  for (const auto& [mode, spans] : c.taifeng) body += Row(spans, "Taifeng " + mode, ax, y), y += kRow;
  body += TimeAxis(ax, top, y);
  body += Legend(y + 30);
  const double height = y + 46;
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Num(kWidth) + "\" height=\"" + Num(height) + "\" viewBox=\"0 0 " + Num(kWidth) +
         " " + Num(height) + "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n" + body + "</svg>\n";
}

namespace {

std::string Cell(const json& v, int digits = 0, double scale = 1) {
  if (v.is_null()) return "–";
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v.get<double>() * scale);
    return buf;
  }
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string Lag(const json& s) {
  if (s["n"].get<int>() == 0) return "–";
  return Cell(s["median_h"], 1) + " (" + Cell(s["p10_h"], 1) + ", " + Cell(s["p90_h"], 1) + "; n " + std::to_string(s["n"].get<int>()) + ")";
}

std::string SignalsTable(const json& j) {
  std::string s =
      "| mode | hits | misses | false alarms | correct negatives | hit rate | false-alarm rate | first No. 8 minus HKO's, h: median (p10, p90) | "
      "first No. 10 minus HKO's, h |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& m : j["modes"]) {
    const auto& c = m["no8"];
    s += "| " + m["mode"].get<std::string>() + " | " + Cell(c["hits"]) + " | " + Cell(c["misses"]) + " | " + Cell(c["false_alarms"]) + " | " +
         Cell(c["correct_negatives"]) + " | " + Cell(c["hit_rate"], 0, 100) + " % | " + Cell(c["false_alarm_rate"], 1, 100) + " % | " +
         Lag(m["no8_first_minus_hko_h"]) + " | " + Lag(m["no10_first_minus_hko_h"]) + " |\n";
  }
  s += "\nNo. 9 or higher and No. 10 (hits / misses / false alarms / correct negatives):\n\n| mode | No. 9+ | No. 10 |\n|---|---|---|\n";
  const auto four = [](const json& t) {
    return Cell(t["hits"]) + " / " + Cell(t["misses"]) + " / " + Cell(t["false_alarms"]) + " / " + Cell(t["correct_negatives"]);
  };
  for (const auto& m : j["modes"]) s += "| " + m["mode"].get<std::string>() + " | " + four(m["no9"]) + " | " + four(m["no10"]) + " |\n";
  return s;
}

std::string Counts(const json& t) {
  return Cell(t["hits"]) + " hits, " + Cell(t["misses"]) + " misses, " + Cell(t["false_alarms"]) + " false alarms, " +
         Cell(t["correct_negatives"]) + " correct negatives; first No. 8 minus HKO's " + Lag(t["lag_h"]) + " h";
}

std::string ChoiceSection(const json& j) {
  std::string s;
  for (const auto& m : j["modes"]) {
    if (!m.contains("choice")) continue;
    const auto& c = m["choice"];
    s += "\n**" + m["mode"].get<std::string>() + "** chooses " + c["what"].get<std::string>() + " (" + c["rule"].get<std::string>() +
         "; the margins reproduce the desk's first No. 8 in " + Cell(c["reproduced_desk_first_no8"]) + " of " + Cell(c["storms"]) +
         " storms).\n\n- Chosen on every season: mean_factor " + Cell(c["chosen"]["mean_factor"], 2) + ", No. 8 within " +
         Cell(c["chosen"]["no8_within_h"]) + " h, bar " + Cell(c["chosen"]["no8_bar"], 2) + ": " + Counts(c["chosen"]) +
         ".\n- Each season scored with the choice made on the others: " + Counts(c["held_out"]) +
         ".\n\n| mean_factor | No. 8 within, h | No. 8 bar | hits | misses | false alarms | correct negatives | first No. 8 minus HKO's, h |\n"
         "|---|---|---|---|---|---|---|---|\n";
    for (const auto& g : c["grid"])
      s += "| " + Cell(g["mean_factor"], 2) + " | " + Cell(g["no8_within_h"]) + " | " + Cell(g["no8_bar"], 2) + " | " + Cell(g["hits"]) + " | " + Cell(g["misses"]) + " | " +
           Cell(g["false_alarms"]) + " | " + Cell(g["correct_negatives"]) + " | " + Lag(g["lag_h"]) + " |\n";
  }
  return s;
}

std::string RainSection(const json& j) {
  std::string s =
      "| mode | issued before closest approach | storms | storm total: bias mm | MAE mm | r | wettest 24 h: bias mm | MAE mm | r |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  bool any = false;
  for (const auto& m : j["modes"]) {
    if (!m.contains("rain")) continue;
    for (const auto& [lead, r] : m["rain"].items()) {
      const auto& t = r["storm_total"];
      const auto& d = r["wettest_24h"];
      if (t["n"].get<int>() == 0) continue;
      any = true;
      s += "| " + m["mode"].get<std::string>() + " | " + lead + " | " + Cell(t["n"]) + " | " + Cell(t["bias_mm"]) + " | " + Cell(t["mae_mm"]) +
           " | " + Cell(t["correlation"], 2) + " | " + Cell(d["bias_mm"]) + " | " + Cell(d["mae_mm"]) + " | " + Cell(d["correlation"], 2) + " |\n";
    }
  }
  return any ? s : "";
}

std::string Firsts(const json& t) {
  std::string s;
  for (const char* n : {"1", "3", "8", "9", "10"})
    if (t.contains(n)) s += std::string(s.empty() ? "" : ", ") + "No. " + n + " " + Hkt(*ParseUtc(t[n].get<std::string>()));
  return s.empty() ? "none" : s;
}

// "2017_1713_hato.svg": letters, digits and '_' only.
std::string FileName(const StormChart& c) {
  std::string s = std::to_string(c.season) + "_" + (c.number.empty() ? c.id : c.number) + "_" + c.name;
  for (char& ch : s) ch = std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(ch))) : '_';
  return s + ".svg";
}

}  // namespace

void WriteReport(const std::filesystem::path& dir, const json& j, const std::vector<StormChart>& charts, const std::string& command) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "charts", ec);
  if (ec) throw Error(ErrorCode::kIo, (dir / "charts").string() + ": cannot create: " + ec.message());
  std::string md = "# Hong Kong's tropical cyclone signals: Taifeng against the Hong Kong Observatory, " + j["seasons"].get<std::string>() +
                   "\n\nMade by `" + command + "`. " + std::to_string(j["storms"].get<int>()) + " storms whose centre came within " +
                   Cell(j["within_km"]) + " km of Hong Kong, each replayed as if live every " + Cell(j["every_h"]) +
                   " h (" + Cell(j["elapsed_s"], 1) + " s, " + Cell(j["jobs"]) + " storms at a time). Record: " + j["record"].get<std::string>() +
                   ". Times in Hong Kong Time (HKT, UTC+8).\n\n## No. 8 or higher\n\n" +
                   SignalsTable(j);
  const std::string choice = ChoiceSection(j);
  if (!choice.empty()) md += "\n## Choosing the wind scale and the probability bar\n" + choice;
  const std::string rain = RainSection(j);
  if (!rain.empty()) md += "\n## Rain at the HKO headquarters (forecast for Hong Kong, areal mean; modelled R-CLIPER where no observed analog rain)\n\n" + rain;
  md += "\n## Storms\n\nEach chart: HKO's signals No. 8 or higher (its record holds no lower signals) and Taifeng's signals for Hong Kong in each "
        "forecast mode; above them, where HKO's 10-minute station files exist, the observed wind at the reference network.\n";
  const json& first_mode = j["modes"].front();
  for (std::size_t i = 0; i < charts.size(); ++i) {
    const StormChart& c = charts[i];
    const std::string file = FileName(c);
    WriteFileAtomically(dir / "charts" / file, ChartSvg(c));
    md += "\n### " + std::to_string(c.season) + " " + c.name + " (" + c.number + "), closest " + Cell(json(c.closest_km)) + " km\n\n";
    const json& s = first_mode["storms"][i];
    md += "- HKO: " + Firsts(s["hko_first_utc"]) + "\n";
    for (const auto& m : j["modes"]) md += "- Taifeng " + m["mode"].get<std::string>() + ": " + Firsts(m["storms"][i]["taifeng_first_utc"]) + "\n";
    md += "\n![" + c.name + " " + std::to_string(c.season) + "](charts/" + file + ")\n";
  }
  WriteFileAtomically(dir / "report.md", md);
}

}  // namespace taifeng::cli
