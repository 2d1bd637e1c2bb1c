// Warning rules: which signal each region should have, from a hazard (core/hazard.h), in the
// warning system of the jurisdiction the region belongs to.
//
// A rule set is a list of jurisdictions, each from its own TOML file (config/jurisdictions/):
// the regions it owns, its languages (the Chinese info block's tag, zh-CN, zh-HK, zh-MO, and
// English), the label of its local time, its CAP sender and, per kind of warning, a ladder of
// signals (Guangdong's typhoon white < blue < yellow < orange < red; Hong Kong's No. 1 < 3 < 8 <
// 9 < 10; …), each with the criterion that raises it, the ensemble probability it needs, its CAP
// values, its agency event code and its text templates; plus the lifecycle settings (hold,
// extension, hysteresis) and, where the agency reads its signals at a reference network, the
// sites of that network. A new jurisdiction is one file and one line in the list
// (config/warnings.toml). A file without a [jurisdiction] table is one jurisdiction owning every
// region (the format of a single rule file).
//
// Because the forecast is an ensemble, a signal's rule fires when the member weight that meets its
// criterion within its window (RegionHazard::criteria) reaches `probability`. A region gets, per
// kind, the highest enabled signal whose rule fires; of a signal with quadrants (Hong Kong's and
// Macau's No. 8), the variant of the quadrant the forecast wind comes from.
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
  // Of a signal with quadrants (`quadrants = true` in the file, expanded into four rules of one
  // rank named NAMEne, NAMEse, NAMEsw, NAMEnw): "NE", "SE", "SW" or "NW", the quadrant the wind
  // comes from ([0, 90), [90, 180), … degrees); "" for other signals.
  std::string quadrant;
  std::string event_code;  // the agency's code for the signal (HKO "TC8NE"): CAP's second eventCode; "" none
  Texts short_label;       // for a display's column: "8 NE", "紅"; defaults to the label
  // The colour a map or legend shows the signal in ("#ff8c00"; lower-case #rrggbb). Defaults to
  // the colour the name says (white, blue, yellow, amber, orange, red, black), else grey.
  std::string colour;
  int expires_h = 12;  // an issued message expires this many hours after its onset (sent time or the
                       // forecast onset, whichever is later), 1-168
  std::string urgency = "Expected", severity = "Moderate", certainty = "Likely";  // CAP values
  std::string response_type = "Prepare";                                         // CAP value
  // Templates: {region} {region_en} {signal} {signal_en} {storm} {storm_name} {storm_number}
  // {probability} {within_h} {threshold} {threshold_en} {onset} {expires} {time_label}
  // {time_label_en} (times local, utc_offset); in a signal with quadrants also {quadrant} ("NE"),
  // {quadrant_en} ("Northeast") and {quadrant_zh} ("東北"), filled when the file is read.
  Texts headline, description, instruction;
};

struct KindTexts {
  Texts event;  // CAP event: "台风" / "Typhoon"
  Texts cancel_headline, cancel_description, cancel_instruction;  // templates, as SignalRule's
  // A new warning of this kind is proposed only when it is expected within this many hours: its
  // criterion's onset, or for flood risk the region's first forecast rainstorm onset. 0: no limit.
  int lead_h = 0;
  // A signal of this kind is not lowered or cancelled by a proposal until this long after it was
  // raised; -1: the lifecycle's hold_h.
  int hold_h = -1;
};

struct CapSettings {
  std::string sender = "taifeng.local";  // CAP sender: no spaces, commas, '&' or '<'
  Texts sender_name = {"Taifeng 预警服务", "Taifeng early-warning service"};
  std::string utc_offset = "+08:00";     // offset of `sent`, `onset`, `expires` (CAP forbids "Z")
  std::size_t max_polygon_vertices = 100;
  std::string web;                       // optional CAP <web>: where the public reads more (absolute URI)
  std::string contact;                   // optional CAP <contact>: who to ask about the message
  // Optional XML signature of every CAP message (cap_signature.h): a PEM private key file
  // (relative paths from the rules file's folder; refused when others can read it) and the
  // name the signature carries (default: the sender).
  std::string signing_key, signing_key_name;
  std::string event_code_name = "agency"; // valueName of the eventCode carrying SignalRule::event_code
};

struct LifecycleSettings {
  int hold_h = 3;            // a proposal never lowers or cancels a signal raised less than this ago
  int extend_before_h = 3;   // a standing signal whose message expires within this is extended
  // Hysteresis: a signal in force is lowered only when the probability of its own criterion falls
  // below this fraction of the probability that raises it (1: lowered as soon as it no longer
  // fires); a flood-risk level, when its forecast rain falls below this fraction of the level's
  // threshold (RegionHazard::flood_ratio). While it is held up this way it stands, and is
  // extended like a standing signal.
  double lower_below = 1.0;
  int proposal_valid_h = 1;  // `warn issue` refuses a live proposal older than this (wall clock)
  // Against a cancel followed by a new alert: within this many hours after a region's warning of a
  // kind ended (cancelled or lapsed), a new one needs its criterion's probability at
  // `reissue_factor` times what raises it (capped at 0.95; flood risk: its forecast at that many
  // times the level's threshold). 0: no guard.
  int reissue_guard_h = 0;
  double reissue_factor = 1.5;
  // A warning is not cancelled by a proposal while the storm is still approaching the region: its
  // forecast closest approach is at least 6 h ahead and within this distance (km). It stands, and
  // is extended. 0: no such hold.
  double hold_approaching_km = 0;
  // Forecasts in a row (this one and those before it, 12 h apart at most) that must all be below
  // the hysteresis bar before a proposal lowers a signal: 2 waits out a one-forecast dip. 1: this
  // forecast alone.
  int lower_after = 1;
};

// One jurisdiction's warning system.
class Jurisdiction {
 public:
  const std::string& id() const { return id_; }            // "guangdong", "hong_kong" ([a-z0-9_-])
  const Texts& name() const { return name_; }               // "香港" / "Hong Kong"
  const std::string& language_zh() const { return language_zh_; }  // the Chinese block's tag: "zh-CN", "zh-HK", "zh-MO"
  bool traditional() const { return language_zh_ != "zh-CN" && language_zh_ != "zh-SG"; }  // Traditional characters
  const Texts& time_label() const { return time_label_; }   // "北京时间" / "Beijing time"; "香港時間" / "HKT"
  const std::vector<std::string>& regions() const { return regions_; }  // region codes it names
  bool is_default() const { return default_; }  // owns every region no jurisdiction names
  // A region's Chinese name in the jurisdiction's own script ("香港"), or `fallback`.
  std::string RegionNameZh(const std::string& code, const std::string& fallback) const;
  const std::vector<SignalRule>& signals() const { return signals_; }  // by kind, then rank, quadrants NE SE SW NW
  const SignalRule* Find(Kind kind, std::string_view name) const;     // nullptr when unknown
  bool HasKind(Kind kind) const;                                       // an enabled signal of the kind
  const KindTexts& texts(Kind kind) const { return kind_texts_[static_cast<std::size_t>(kind)]; }
  const CapSettings& cap() const { return cap_; }
  const LifecycleSettings& lifecycle() const { return lifecycle_; }
  const std::map<std::string, std::vector<core::Site>>& sites() const { return sites_; }  // by region code
  const std::filesystem::path& source() const { return source_; }
  // Its criteria, one per enabled typhoon or rainstorm signal in signals() order; in the rule
  // set's Criteria() from index first_criterion().
  std::vector<core::Criterion> Criteria() const;
  std::size_t first_criterion() const { return first_criterion_; }

 private:
  friend class RuleSet;
  friend struct JurisdictionLoader;
  std::string id_ = "default";
  Texts name_ = {"默认", "Default"};
  std::string language_zh_ = "zh-CN";
  Texts time_label_ = {"北京时间", "Beijing time"};
  std::vector<std::string> regions_;
  std::map<std::string, std::string> region_names_zh_;
  bool default_ = true;
  std::vector<SignalRule> signals_;
  KindTexts kind_texts_[3];
  CapSettings cap_;
  LifecycleSettings lifecycle_;
  std::map<std::string, std::vector<core::Site>> sites_;
  std::filesystem::path source_;
  std::size_t first_criterion_ = 0;
};

class RuleSet {
 public:
  // Reads a rule file: either a list of jurisdiction files (`jurisdictions = ["a.toml", …]`, paths
  // relative to it) or one jurisdiction's file. Throws ParseError naming the file, line and key on
  // a bad value, an unknown key, a duplicate signal, a ladder out of order (ranks of a kind must
  // run 1, 2, 3, … in the file), a template with a placeholder the signal cannot fill, a region
  // named by two jurisdictions, two default jurisdictions or two with one id; Error(kNotFound)
  // when a file is missing.
  static std::shared_ptr<const RuleSet> Load(const std::filesystem::path& path);

  const std::vector<std::shared_ptr<const Jurisdiction>>& jurisdictions() const { return jurisdictions_; }
  // The jurisdiction owning a region: the one naming it, else the default one; nullptr when none.
  const Jurisdiction* For(std::string_view region_code) const;
  // As For; throws Error(kNotFound) naming the region when no jurisdiction owns it.
  const Jurisdiction& Of(std::string_view region_code) const;
  const Jurisdiction* FindJurisdiction(std::string_view id) const;
  const std::filesystem::path& source() const { return source_; }

  // The hazard criteria the rules need: every jurisdiction's Criteria(), in order. Evaluate
  // expects a hazard computed with exactly these (HazardOptions::criteria) and Sites().
  std::vector<core::Criterion> Criteria() const;
  std::map<std::string, std::vector<core::Site>> Sites() const;  // every jurisdiction's reference sites

 private:
  std::vector<std::shared_ptr<const Jurisdiction>> jurisdictions_;
  std::map<std::string, const Jurisdiction*, std::less<>> by_region_;
  const Jurisdiction* default_ = nullptr;
  std::filesystem::path source_;
};

// A region's assessment for one kind of warning.
struct Assessment {
  std::string region_code, region_name, region_name_en;
  const Jurisdiction* jurisdiction = nullptr;  // the region's (RuleSet::For)
  Kind kind = Kind::kTyphoon;
  const SignalRule* signal = nullptr;  // highest enabled signal whose rule fires; nullptr: none
  double probability = 0;              // of `signal`'s criterion (of the lowest signal when none)
  std::optional<std::int64_t> onset_utc;  // weighted median time the criterion is first met
  std::map<std::string, double> probabilities;  // every enabled signal of the kind: its criterion's probability
  std::string reason;  // e.g. "P(wind >= F8 or gust >= F10 within 24 h) = 64% >= 30%"
  std::string evidence_json;  // every signal of the kind: probability, needed, criterion, values
  std::optional<double> direction_from_deg;  // of `signal`'s criterion: where the wind comes from at its onset
  double flood_ratio = 0;  // flood risk: the forecast over `signal`'s level threshold (1: just reached)
  double approach_km = NAN;       // the storm's forecast closest approach (RegionHazard)
  std::int64_t approach_utc = 0;
};

// Per region of the hazard (that a jurisdiction owns) and per kind of its jurisdiction. Throws
// Error(kInvalidArgument) when the hazard was not computed with rules.Criteria().
std::vector<Assessment> Evaluate(const RuleSet& rules, const core::Hazard& hazard);

// "P(wind >= F8 or gust >= F10 within 24 h)", "P(rain >= 50 mm in 6 h within 12 h)",
// "P(10-min wind >= 63 km/h at >= 50% of the reference sites within 12 h)", "flood level 2
// (yellow)": the criterion of a signal, in English and in Chinese (averaging period named
// whenever it is not the 2-minute mean of China's scale).
std::string DescribeCriterion(const SignalRule& rule);
std::string DescribeCriterionZh(const SignalRule& rule);

// The quadrant ("NE", "SE", "SW", "NW") a direction (degrees from north, where the wind comes
// from) lies in.
std::string QuadrantOf(double direction_from_deg);

// Fills {name} placeholders from `values`; throws Error(kInvalidArgument) on an unknown one.
std::string FillTemplate(std::string_view text, const std::map<std::string, std::string>& values);

}  // namespace taifeng::warnings
