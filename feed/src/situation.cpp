#include "taifeng/feed/situation.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::feed {

using nlohmann::json;

namespace {

json Rounded(double v, double scale) {
  if (!std::isfinite(v)) return nullptr;
  return std::round(v * scale) / scale;
}

json PointJson(const SituationPoint& p, bool forecast) {
  json j = {{"t", taifeng::FormatIsoUtc(p.time_utc)},
            {"lat", Rounded(p.lat_deg, 100)},
            {"lon", Rounded(p.lon_deg, 100)},
            {"wind_ms", Rounded(p.wind_ms, 10)},
            {"pressure_hpa", Rounded(p.pressure_hpa, 1)}};
  if (forecast) {
    j["lead_h"] = p.lead_h;
    j["cone_km"] = Rounded(p.cone_km, 1);
  }
  return j;
}

double Number(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw ParseError(where, 0, key, "a number or null");
  const json& v = j[key];
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!v.is_number()) throw ParseError(where, 0, key, "a number or null");
  return v.get<double>();
}

std::vector<SituationPoint> PointsFromJson(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_array()) throw ParseError(where, 0, key, "an array of track points");
  std::vector<SituationPoint> out;
  for (const json& x : j[key]) {
    const std::string field = std::string(key) + "[" + std::to_string(out.size()) + "]";
    if (!x.is_object() || !x.contains("t") || !x["t"].is_string()) throw ParseError(where, 0, field + ".t", "a UTC time");
    SituationPoint p;
    const auto t = taifeng::ParseUtc(x["t"].get<std::string>());
    if (!t) throw ParseError(where, 0, field + ".t", "an ISO 8601 UTC time");
    p.time_utc = *t;
    p.lat_deg = Number(x, "lat", where);
    p.lon_deg = Number(x, "lon", where);
    if (!(std::abs(p.lat_deg) <= 90) || !(std::abs(p.lon_deg) <= 180)) throw ParseError(where, 0, field, "a latitude and longitude in degrees");
    p.wind_ms = Number(x, "wind_ms", where);
    p.pressure_hpa = Number(x, "pressure_hpa", where);
    if (x.contains("lead_h")) p.lead_h = x["lead_h"].is_number_integer() ? x["lead_h"].get<int>() : 0;
    if (x.contains("cone_km")) p.cone_km = Number(x, "cone_km", where);
    out.push_back(p);
  }
  return out;
}

}  // namespace

std::string SituationToJson(const Situation& s) {
  json observed = json::array(), forecast = json::array(), analogs = json::array();
  for (const auto& p : s.observed) observed.push_back(PointJson(p, false));
  for (const auto& p : s.forecast) forecast.push_back(PointJson(p, true));
  for (const auto& a : s.analogs) {
    json track = json::array();
    for (const auto& p : a.track) track.push_back(PointJson(p, false));
    analogs.push_back({{"id", a.id}, {"name", a.name}, {"weight", Rounded(a.weight, 1000)}, {"track", track}});
  }
  json cone = json::array();
  for (const auto& [lat, lon] : s.cone) cone.push_back({Rounded(lon, 100), Rounded(lat, 100)});
  return json{{"storm", s.storm},     {"storm_name", s.storm_name}, {"method", s.method},
              {"observed", observed}, {"forecast", forecast},       {"analogs", analogs}, {"cone", cone}}
      .dump();
}

Situation SituationFromJson(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw ParseError(where, 0, "situation", std::string("JSON: ") + e.what());
  }
  if (!j.is_object()) throw ParseError(where, 0, "situation", "an object");
  Situation s;
  auto str = [&](const char* k) {
    if (!j.contains(k) || !j[k].is_string()) throw ParseError(where, 0, std::string("situation.") + k, "a string");
    return j[k].get<std::string>();
  };
  s.storm = str("storm");
  s.storm_name = str("storm_name");
  s.method = str("method");
  s.observed = PointsFromJson(j, "observed", where);
  s.forecast = PointsFromJson(j, "forecast", where);
  if (j.contains("analogs") && j["analogs"].is_array())
    for (const json& a : j["analogs"]) {
      if (!a.is_object() || !a.contains("id") || !a["id"].is_string()) throw ParseError(where, 0, "situation.analogs", "analog objects");
      SituationAnalog x;
      x.id = a["id"].get<std::string>();
      x.name = a.value("name", "");
      x.weight = a.value("weight", 0.0);
      x.track = PointsFromJson(a, "track", where);
      s.analogs.push_back(std::move(x));
    }
  if (j.contains("cone") && j["cone"].is_array())
    for (const json& v : j["cone"]) {
      if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number())
        throw ParseError(where, 0, "situation.cone", "[lon, lat] pairs");
      s.cone.emplace_back(v[1].get<double>(), v[0].get<double>());
    }
  return s;
}

std::string FormatPosition(double lat_deg, double lon_deg) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f%c %.1f%c", std::abs(lat_deg), lat_deg < 0 ? 'S' : 'N', std::abs(lon_deg), lon_deg < 0 ? 'W' : 'E');
  return buf;
}

}  // namespace taifeng::feed
