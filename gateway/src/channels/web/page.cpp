#include "page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/utf8.h"

namespace taifeng::gateway {

namespace {

using nlohmann::json;

// Text and attribute values (always in double quotes) as HTML.
std::string Esc(const std::string& s) { return XmlEscape(s); }

std::string Str(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// One text in both languages; the page shows one (app.css hides the other by the body's class).
std::string Bi(const std::string& zh, const std::string& zh_lang, const std::string& en) {
  return "<span class=\"t\" lang=\"" + Esc(zh_lang) + "\">" + Esc(zh) + "</span><span class=\"t\" lang=\"en\">" + Esc(en) + "</span>";
}

struct Where {  // a warning's jurisdiction as the page presents it
  std::string id, name_zh, name_en, language = "zh-CN", label_zh = "北京时间", label_en = "Beijing time";
  int offset_min = 480;
};

Where WhereOf(const json& w, const Legend& legend) {
  Where where;
  const json p = w.value("presentation", json::object());
  where.id = Str(p, "jurisdiction");
  if (const LegendJurisdiction* j = legend.Find(where.id)) {
    where.name_zh = j->name_zh, where.name_en = j->name_en, where.offset_min = j->utc_offset_min;
    where.language = j->language_zh, where.label_zh = j->time_label_zh, where.label_en = j->time_label_en;
  }
  if (!Str(p, "language_zh").empty()) where.language = Str(p, "language_zh");
  if (!Str(p, "time_label_zh").empty()) where.label_zh = Str(p, "time_label_zh"), where.label_en = Str(p, "time_label_en");
  return where;
}

std::string SignalClassOf(const json& w, const Legend& legend) {
  const std::string j = Str(w.value("presentation", json::object()), "jurisdiction"), kind = Str(w, "kind");
  const LegendSignal* s = legend.Find(j, kind, Str(w, "signal"));
  return s ? SignalClass(j, kind, s->name) : "sig-unknown";
}

std::string Label(const json& w, bool zh) {
  const json p = w.value("presentation", json::object());
  const std::string l = Str(p, zh ? "label_zh" : "label_en");
  return l.empty() ? Str(w, "signal") : l;
}

// "台风 · 橙色" style pieces of one kind's top signal, with the regions that hold it.
std::string HeadlineKind(const std::vector<const json*>& ws, const Legend& legend, const Where& where, bool first) {
  const json& top = *ws.front();
  std::string regions_zh, regions_en;
  int same = 0;
  for (const json* w : ws) {
    if ((*w)["rank"] != top["rank"]) continue;
    if (++same > 4) continue;
    regions_zh += (regions_zh.empty() ? "" : "、") + Str(*w, "region_name");
    regions_en += (regions_en.empty() ? "" : ", ") + Str(*w, "region_name_en");
  }
  if (same > 4) regions_zh += " 等 " + std::to_string(same) + " 地", regions_en += " and " + std::to_string(same - 4) + " more";
  const LegendJurisdiction* j = legend.Find(where.id);
  std::string event_zh = Str(top, "kind"), event_en = event_zh;
  if (j)
    for (const auto& k : j->kinds)
      if (k.kind == Str(top, "kind")) event_zh = k.event_zh, event_en = k.event_en;
  const std::string until_zh = "生效至 " + LocalTime(Str(top, "expires_utc"), where.offset_min, true) + " " + where.label_zh;
  const std::string until_en = "until " + LocalTime(Str(top, "expires_utc"), where.offset_min, false) + " " + where.label_en;
  return std::string("<div class=\"hl-kind") + (first ? " first" : "") + " " + SignalClassOf(top, legend) + "\" data-kind=\"" +
         Esc(Str(top, "kind")) + "\" data-signal=\"" + Esc(Str(top, "signal")) + "\"><div class=\"hl-event\">" +
         Bi(event_zh, where.language, event_en) + "</div><div class=\"hl-signal\">" + Bi(Label(top, true), where.language, Label(top, false)) +
         "</div><div class=\"hl-detail\">" + Bi(regions_zh + " · " + until_zh, where.language, regions_en + " · " + until_en) + "</div></div>";
}

// One headline per shown jurisdiction: its highest signal in force per kind (the highest first).
std::string Headlines(const std::vector<const json*>& sorted, const Legend& legend, const PageOptions& o) {
  std::string html = "<div id=\"headlines\" class=\"headlines\">";
  for (const LegendJurisdiction* j : o.shown) {
    std::map<std::string, std::vector<const json*>> by_kind;
    std::vector<std::string> kinds;  // in the order of their top signal's rank
    for (const json* w : sorted) {
      if (WhereOf(*w, legend).id != j->id) continue;
      if (by_kind[Str(*w, "kind")].empty()) kinds.push_back(Str(*w, "kind"));
      by_kind[Str(*w, "kind")].push_back(w);
    }
    const std::string cls = kinds.empty() ? "none" : SignalClassOf(*by_kind[kinds.front()].front(), legend);
    html += "<section class=\"headline " + cls + "\" data-jurisdiction=\"" + Esc(j->id) + "\" lang=\"" + Esc(j->language_zh) +
            "\"><h2 class=\"hl-where\">" + Bi(j->name_zh, j->language_zh, j->name_en) + "</h2>";
    const char* none_zh = j->language_zh == "zh-CN" ? "当前没有生效的预警信号" : "現時沒有生效的警告信號";
    if (kinds.empty()) html += "<div class=\"hl-signal\">" + Bi(none_zh, j->language_zh, "No warning in force") + "</div>";
    Where where;
    where.id = j->id, where.language = j->language_zh, where.label_zh = j->time_label_zh, where.label_en = j->time_label_en;
    where.offset_min = j->utc_offset_min;
    for (std::size_t k = 0; k < kinds.size(); ++k) html += HeadlineKind(by_kind[kinds[k]], legend, where, k == 0);
    html += "</section>";
  }
  return html + "</div>";
}

// China's scale (GB/T 19201, 10-minute mean wind, m/s).
std::pair<const char*, const char*> Grade(double wind_ms) {
  static const struct {
    double from;
    const char *zh, *en;
  } kGrades[] = {{51.0, "超强台风", "Super Typhoon"}, {41.5, "强台风", "Severe Typhoon"},      {32.7, "台风", "Typhoon"},
                 {24.5, "强热带风暴", "Severe Tropical Storm"}, {17.2, "热带风暴", "Tropical Storm"}, {10.8, "热带低压", "Tropical Depression"}};
  for (const auto& g : kGrades)
    if (wind_ms >= g.from) return {g.zh, g.en};
  return {"低于热带低压", "below tropical depression"};
}

std::string Storm(const json& model, const std::vector<const json*>& warnings) {
  const json& s = model["situation"];
  if (!s.is_object() || !s.contains("observed") || s["observed"].empty())
    return "<div id=\"storm\" class=\"storm\">" + Bi("暂无台风", "zh-CN", "No storm on the feed") + "</div>";
  const json& now = s["observed"].back();
  std::string number;
  for (const json* w : warnings)
    if (number.empty()) number = Str(w->value("presentation", json::object()), "storm_number");
  const std::string name = Str(s, "storm_name");
  const double lat = now.value("lat", 0.0), lon = now.value("lon", 0.0);
  char pos[64];
  std::snprintf(pos, sizeof pos, "%.1f%s %.1f%s", std::fabs(lat), lat >= 0 ? "N" : "S", std::fabs(lon), lon >= 0 ? "E" : "W");
  const bool has_wind = now.contains("wind_ms") && now["wind_ms"].is_number();
  const double wind = has_wind ? now["wind_ms"].get<double>() : 0;
  const auto grade = Grade(wind);
  const std::string w = has_wind ? std::to_string(static_cast<int>(std::lround(wind))) : "?";
  const std::string p = now.contains("pressure_hpa") && now["pressure_hpa"].is_number()
                            ? std::to_string(static_cast<int>(std::lround(now["pressure_hpa"].get<double>()))) : "?";
  const std::string t = Str(now, "t");
  const std::string zh = (has_wind ? std::string(grade.first) : std::string("热带气旋")) + " " + name + (number.empty() ? "" : "（" + number + "）") + "：" +
                         LocalTime(t, 480, true) + "（UTC+8）位于 " + pos + "，中心附近最大风速 " + w + " 米/秒（10分钟平均），中心气压 " + p + " 百帕";
  const std::string en = (has_wind ? std::string(grade.second) : std::string("Tropical cyclone")) + " " + name + (number.empty() ? "" : " (" + number + ")") +
                         " at " + LocalTime(t, 480, false) + " (UTC+8): " + pos + ", maximum wind " + w + " m/s (10-minute mean), central pressure " + p + " hPa";
  return "<div id=\"storm\" class=\"storm\" data-t=\"" + Esc(t) + "\">" + Bi(zh, "zh-CN", en) + "</div>";
}

std::string Card(const json& w, const Legend& legend) {
  const Where where = WhereOf(w, legend);
  const std::string lang = where.language;
  const bool cancel = Str(w, "msg_type") == "Cancel";
  std::string html = "<li class=\"card " + SignalClassOf(w, legend) + "\" data-identifier=\"" + Esc(Str(w, "identifier")) + "\" data-region=\"" +
                     Esc(Str(w, "region")) + "\" data-jurisdiction=\"" + Esc(where.id) + "\">";
  html += "<div class=\"card-head\">" + Bi(Str(w, "headline_zh"), lang, Str(w, "headline_en")) + "</div>";
  html += "<div class=\"card-when\">" +
          Bi((cancel ? "发出 " : "生效至 ") + LocalTime(Str(w, cancel ? "sent_utc" : "expires_utc"), where.offset_min, true) + " " + where.label_zh, lang,
             (cancel ? "issued " : "until ") + LocalTime(Str(w, cancel ? "sent_utc" : "expires_utc"), where.offset_min, false) + " " + where.label_en) +
          "</div>";
  if (!Str(w, "instruction_zh").empty() || !Str(w, "instruction_en").empty())
    html += "<div class=\"card-do\">" + Bi(Str(w, "instruction_zh"), lang, Str(w, "instruction_en")) + "</div>";
  html += "<details><summary>" + Bi(lang == "zh-CN" ? "详情（预报员）" : "詳情（預報員）", lang, "Details (for forecasters)") + "</summary>";
  if (!Str(w, "description_zh").empty()) html += "<p class=\"desc\">" + Bi(Str(w, "description_zh"), lang, Str(w, "description_en")) + "</p>";
  std::string meta = Str(w, "msg_type") + " (" + Str(w, "change") + ") · sent " + Str(w, "sent") + " · " + Str(w, "status");
  if (w.contains("probability") && w["probability"].is_number())
    meta += " · probability " + std::to_string(static_cast<int>(std::lround(100 * w["probability"].get<double>()))) + "%";
  if (w.contains("storm_distance_km") && w["storm_distance_km"].is_number())
    meta += " · storm centre " + std::to_string(static_cast<int>(std::lround(w["storm_distance_km"].get<double>()))) + " km away";
  html += "<p class=\"meta\" lang=\"en\">" + Esc(meta) + "</p><a class=\"meta\" href=\"" + Esc(Str(w, "cap_url")) + "\">CAP " +
          Esc(Str(w, "identifier")) + "</a></details></li>";
  return html;
}

std::string Status(const json& model) {
  const std::string feed = Str(model, "feed");
  const std::string zh = feed == "lost" ? "信号中断，信息可能过时" : feed == "live" ? "实时" : "同步中";
  const std::string en = feed == "lost" ? "FEED LOST: may be out of date" : feed == "live" ? "live" : "syncing";
  const std::string t = LocalTime(Str(model, "now_utc"), 480, false);
  return "<div id=\"status\" class=\"status " + Esc(feed) + "\" role=\"status\" data-seq=\"" + std::to_string(model.value("seq", 0)) + "\">" +
         Bi(zh + " · 更新于 " + LocalTime(Str(model, "now_utc"), 480, true) + "（UTC+8）", "zh-CN", en + " · updated " + t + " (UTC+8)") + "</div>";
}

std::string Key(const PageOptions& o) {
  std::string html = "<div id=\"signal-key\" class=\"signal-key\"><h2>" + Bi("信号图例", "zh-CN", "Key to the signals") + "</h2>";
  for (const LegendJurisdiction* j : o.shown)
    for (const LegendKind& k : j->kinds) {
      html += "<div class=\"key-row\" data-jurisdiction=\"" + Esc(j->id) + "\" data-kind=\"" + Esc(k.kind) + "\"><span class=\"key-name\">" +
              Bi(j->name_zh + " · " + k.event_zh, j->language_zh, j->name_en + " · " + k.event_en) + "</span>";
      for (const LegendSignal& s : k.signals)
        html += "<span class=\"sw " + SignalClass(j->id, k.kind, s.name) + "\" data-signal=\"" + Esc(s.name) + "\">" +
                Bi(s.label_zh, j->language_zh, s.label_en) + "</span>";
      html += "</div>";
    }
  return html + "</div>";
}

std::vector<const json*> SortedWarnings(const json& model) {
  std::vector<const json*> out;
  if (model.contains("warnings"))
    for (const json& w : model["warnings"]) out.push_back(&w);
  std::stable_sort(out.begin(), out.end(), [](const json* a, const json* b) {
    const int ra = a->value("rank", 0), rb = b->value("rank", 0);
    return ra != rb ? ra > rb : Str(*a, "region") < Str(*b, "region");
  });
  return out;
}

}  // namespace

std::string LocalTime(const std::string& utc_iso, int offset_min, bool zh) {
  const auto t = ParseUtc(utc_iso);
  if (!t) return "";
  const CivilTime c = ToCivil(*t + std::int64_t{60} * offset_min);
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[48];
  if (zh)
    std::snprintf(buf, sizeof buf, "%d月%d日 %02d:%02d", c.month, c.day, c.hour, c.minute);
  else
    std::snprintf(buf, sizeof buf, "%d %s %02d:%02d", c.day, kMonths[c.month - 1], c.hour, c.minute);
  return buf;
}

std::string RenderPanel(const json& model, const Legend& legend, const PageOptions& options) {
  const std::vector<const json*> sorted = SortedWarnings(model);
  std::string html = Status(model);
  const json* exercise = nullptr;
  for (const json* w : sorted)
    if (Str(*w, "status") != "Actual") exercise = w;
  if (exercise)
    html += "<div id=\"exercise\" class=\"exercise\">" + Esc(Str(*exercise, "status")) + " — 演习/测试信息，非真实预警 — not a real warning</div>";
  html += Headlines(sorted, legend, options) + Storm(model, sorted);
  html += "<h2 class=\"list-title\">" + Bi("生效中的预警", "zh-CN", "Warnings in force") + " <span id=\"count\">(" + std::to_string(sorted.size()) +
          ")</span></h2><ol id=\"warnings\">";
  for (const json* w : sorted) html += Card(*w, legend);
  return html + "</ol>";
}

std::string RenderPage(const json& model, const Legend& legend, const PageOptions& options) {
  return RenderPage(model.dump(), RenderPanel(model, legend, options), options);
}

std::string RenderPage(const std::string& model_json, const std::string& panel, const PageOptions& options) {
  const bool en = options.lang == "en";
  std::string model_text = model_json;
  // Inert inside <script>: no "<" at all ("</script>", "<!--" cannot occur), as JSON's \u003c.
  for (std::size_t at = model_text.find('<'); at != std::string::npos; at = model_text.find('<', at + 6)) model_text.replace(at, 1, "\\u003c");
  std::string html = std::string("<!DOCTYPE html>\n<html lang=\"") + (en ? "en" : "zh-CN") + "\">\n<head>\n<meta charset=\"utf-8\">\n" +
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>台风与洪涝预警 · Typhoon and flood warnings · Taifeng</title>\n" +
                     "<link rel=\"stylesheet\" href=\"/vendor/leaflet.css\">\n<link rel=\"stylesheet\" href=\"/app.css\">\n" +
                     "<link rel=\"stylesheet\" href=\"/signals.css\">\n<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n" +
                     "<script defer src=\"/vendor/leaflet.js\"></script>\n<script defer src=\"/app.js\"></script>\n" +
                     "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Taifeng CAP alerts (Atom)\" href=\"/alerts.atom\">\n</head>\n";
  html += std::string("<body class=\"") + (en ? "lang-en" : "lang-zh") + "\">\n<header><h1>" +
          Bi("Taifeng 台风与洪涝预警", "zh-CN", "Taifeng typhoon and flood warnings") +
          "</h1><nav class=\"langs\"><a id=\"lang-zh\" href=\"/?lang=zh\" lang=\"zh-CN\">中文</a> <a id=\"lang-en\" href=\"/?lang=en\" lang=\"en\">English</a></nav></header>\n";
  html += "<main>\n<section id=\"panel\" class=\"panel\">" + panel + "</section>\n";
  html += "<section class=\"map-panel\"><div id=\"map\" role=\"region\" aria-label=\"Map: the regions coloured by their signal, the storm's track and forecast cone\"></div>"
          "<ul class=\"legend\"><li><span class=\"ln obs\"></span>" + Bi("实测路径（颜色：强度等级）", "zh-CN", "observed track (colour: category)") +
          "</li><li><span class=\"ln fc\"></span>" + Bi("预报路径", "zh-CN", "forecast track") + "</li><li><span class=\"ln cone\"></span>" +
          Bi("预报锥（72小时）", "zh-CN", "forecast cone (72 h)") + "</li><li><label><input type=\"checkbox\" id=\"show-analogs\"> " +
          Bi("相似台风", "zh-CN", "analog storms") + "</label></li></ul>" + Key(options) +
          "<p class=\"links\"><a href=\"/alerts.atom\">Atom feed (CAP)</a> · <a href=\"/api/warnings\">JSON</a></p></section>\n</main>\n";
  html += "<script type=\"application/json\" id=\"model\">" + model_text + "</script>\n";
  return html + "</body>\n</html>\n";
}

}  // namespace taifeng::gateway
