// The web page rendered by the gateway: the state in force at request time is in the HTML itself
// (headlines, the storm, the warnings), so the first render needs no script and no second
// request; the page's script then draws the map and swaps in the panel (RenderPanel, /panel) on
// every Server-Sent Event. Text is HTML-escaped here. Both languages are in the markup (lang
// attributes); the page shows one (`lang`, switched by the visitor without a reload).
// Thread safety: pure functions of their arguments.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "legend.h"

namespace taifeng::gateway {

struct PageOptions {
  std::string lang = "zh";  // "zh" or "en": the language shown first
  std::vector<const LegendJurisdiction*> shown;  // the jurisdictions whose regions are shown, in order
};

// The dynamic part: one headline per jurisdiction (its highest signal in force, per kind), the
// storm now, and the warnings as cards (plain words; the evidence behind "details").
// `model` is /api/warnings' JSON.
std::string RenderPanel(const nlohmann::json& model, const Legend& legend, const PageOptions& options);

// The whole page: header, panel, map, the key of every signal of the shown jurisdictions, and the
// model as JSON for the map's first draw.
std::string RenderPage(const nlohmann::json& model, const Legend& legend, const PageOptions& options);
// The same from the model's JSON text and its panel already rendered (both languages share them:
// the gateway renders each once per change).
std::string RenderPage(const std::string& model_json, const std::string& panel, const PageOptions& options);

// "9月16日 20:00" (zh) or "16 Sep 20:00" (en): a UTC ISO time at a UTC offset; "" if unparsable.
std::string LocalTime(const std::string& utc_iso, int offset_min, bool zh);

}  // namespace taifeng::gateway
