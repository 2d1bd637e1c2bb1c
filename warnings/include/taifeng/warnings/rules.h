// Warning rules: which signal each region should have, from a hazard (core/hazard.h).
//
// A rule set holds, per kind of warning, a ladder of signals (typhoon: white < blue < yellow <
// orange < red; rainstorm: blue < yellow < orange < red; flood risk: the FloodConfig levels), each
// with the criterion that raises it, the ensemble probability it needs, its CAP values and its
// Chinese and English text templates; plus the lifecycle settings (hold time, extension) and the
// CAP sender. The bundled defaults are config/warnings.toml: China's typhoon and rainstorm signal
// criteria (CMA Order No. 16, 2007, 气象灾害预警信号发布与传播办法, annex), Guangdong's white
// typhoon signal and its rainstorm signals, and the flood-risk levels of core::FloodConfig.
//
// Because the forecast is an ensemble, a signal's rule fires when the member weight that meets its
// criterion within its window (RegionHazard::criteria) reaches `probability`. A region gets, per
// kind, the highest enabled signal whose rule fires.
// Thread safety: a RuleSet is immutable after Load and may be shared; Evaluate is a pure function.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "taifeng/core/hazard.h"

namespace taifeng::warnings {

enum class Kind : std::uint8_t { kTyphoon, kRainstorm, kFlood };
inline constexpr Kind kKinds[] = {Kind::kTyphoon, Kind::kRainstorm, Kind::kFlood};
std::string_view KindName(Kind kind);  // "typhoon", "rainstorm", "flood"
std::optional<Kind> ParseKind(std::string_view name);

struct Texts {
  std::string zh, en;
};

// One signal of a kind's ladder.
struct SignalRule {
  Kind kind = Kind::kTyphoon;
  std::string name;   // "yellow": unique within its kind ([a-z0-9_-])
  int rank = 0;       // 1 = weakest; unique within the kind
  bool enabled = true;
  Texts label;        // "黄色" / "Yellow"
  // Typhoon and rainstorm: the hazard criterion (wind force or gust force, or rain over a window,
  // within `criterion.within_h` hours) and the probability, (0, 1], that raises the signal.
  core::Criterion criterion;
  double probability = 0.3;
  // Flood: the hazard's flood level (1 = FloodConfig's first level) that raises the signal.
  int flood_level = 0;
  int expires_h = 12;  // an issued message expires this many hours after its onset (sent time or the
                       // forecast onset, whichever is later), 1-168
  std::string urgency = "Expected", severity = "Moderate", certainty = "Likely";  // CAP values
  std::string response_type = "Prepare";                                         // CAP value
  // Templates: {region} {region_en} {signal} {signal_en} {storm} {storm_name} {probability}
  // {within_h} {threshold} {threshold_en} {onset} {expires} (times local, utc_offset).
  Texts headline, description, instruction;
};

struct KindTexts {
  Texts event;  // CAP event: "台风" / "Typhoon"
  Texts cancel_headline, cancel_description, cancel_instruction;  // templates, as SignalRule's
  // A new warning of this kind is proposed only when it is expected within this many hours: its
  // criterion's onset, or for flood risk the region's first forecast rainstorm onset. 0: no limit.
  int lead_h = 0;
  // A signal of this kind is not lowered or cancelled by a proposal until this long after it was
  // raised; -1: the lifecycle's hold_h. (Flood risk has no probability for hysteresis: a longer hold
  // keeps it from lapsing and coming back.)
  int hold_h = -1;
};

struct CapSettings {
  std::string sender = "taifeng.local";  // CAP sender: no spaces, commas, '&' or '<'
  Texts sender_name = {"Taifeng 预警服务", "Taifeng early-warning service"};
  std::string utc_offset = "+08:00";     // offset of `sent`, `onset`, `expires` (CAP forbids "Z")
  std::size_t max_polygon_vertices = 100;
  std::string web;                       // optional CAP web link
};

struct LifecycleSettings {
  int hold_h = 3;            // a proposal never lowers or cancels a signal raised less than this ago
  int extend_before_h = 3;   // a standing signal whose message expires within this is extended
  // Hysteresis: a signal in force is lowered only when the probability of its own criterion falls
  // below this fraction of the probability that raises it (1: lowered as soon as it no longer
  // fires). While it is held up this way it stands, and is extended like a standing signal.
  double lower_below = 1.0;
  int proposal_valid_h = 1;  // `warn issue` refuses a live proposal older than this (wall clock)
};

class RuleSet {
 public:
  // Reads a TOML rule file. Throws ParseError naming the file, line and key on a bad value, an
  // unknown key, a duplicate signal, or a template with an unknown placeholder;
  // Error(kNotFound) when the file is missing.
  static std::shared_ptr<const RuleSet> Load(const std::filesystem::path& path);

  const std::vector<SignalRule>& signals() const { return signals_; }  // by kind, then rank
  const SignalRule* Find(Kind kind, std::string_view name) const;     // nullptr when unknown
  const KindTexts& texts(Kind kind) const { return kind_texts_[static_cast<std::size_t>(kind)]; }
  const CapSettings& cap() const { return cap_; }
  const LifecycleSettings& lifecycle() const { return lifecycle_; }
  const std::filesystem::path& source() const { return source_; }

  // The hazard criteria the rules need, one per enabled typhoon or rainstorm signal in signals()
  // order. Evaluate expects a hazard computed with exactly these (HazardOptions::criteria).
  std::vector<core::Criterion> Criteria() const;

 private:
  std::vector<SignalRule> signals_;
  KindTexts kind_texts_[3];
  CapSettings cap_;
  LifecycleSettings lifecycle_;
  std::filesystem::path source_;
};

// A region's assessment for one kind of warning.
struct Assessment {
  std::string region_code, region_name, region_name_en;
  Kind kind = Kind::kTyphoon;
  const SignalRule* signal = nullptr;  // highest enabled signal whose rule fires; nullptr: none
  double probability = 0;              // of `signal`'s criterion (of the lowest signal when none)
  std::optional<std::int64_t> onset_utc;  // weighted median time the criterion is first met
  std::map<std::string, double> probabilities;  // every enabled signal of the kind: its criterion's probability
  std::string reason;  // e.g. "P(wind >= F8 or gust >= F10 within 24 h) = 64% >= 30%"
  std::string evidence_json;  // every signal of the kind: probability, needed, criterion, values
};

// Per region of the hazard and per kind. Throws Error(kInvalidArgument) when the hazard was not
// computed with rules.Criteria().
std::vector<Assessment> Evaluate(const RuleSet& rules, const core::Hazard& hazard);

// "P(wind >= F8 or gust >= F10 within 24 h)", "P(rain >= 50 mm in 6 h within 12 h)",
// "flood level 2 (yellow)": the criterion of a signal, in English and in Chinese.
std::string DescribeCriterion(const SignalRule& rule);
std::string DescribeCriterionZh(const SignalRule& rule);

// Fills {name} placeholders from `values`; throws Error(kInvalidArgument) on an unknown one.
std::string FillTemplate(std::string_view text, const std::map<std::string, std::string>& values);

}  // namespace taifeng::warnings
