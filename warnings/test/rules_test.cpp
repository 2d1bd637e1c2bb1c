// Data-driven rule cases: a hazard in, the expected signal out, for every signal and at each edge.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "taifeng/base/error.h"
#include "taifeng/warnings/rules.h"
#include "taifeng/warnings/warning.h"
#include "test_util.h"

namespace taifeng::warnings {
namespace {

using test::DefaultRules;
using test::RegionWith;

std::string SignalOf(const std::vector<Assessment>& as, const std::string& code, Kind kind) {
  for (const Assessment& a : as)
    if (a.region_code == code && a.kind == kind) return a.signal ? a.signal->name : "none";
  return "missing";
}

TEST(RulesTest, BundledRulesLoad) {
  const auto all = DefaultRules();
  ASSERT_EQ(all->jurisdictions().size(), 3u);
  const Jurisdiction* rules = all->For("440300");  // Shenzhen is Guangdong's
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(rules->id(), "guangdong");
  EXPECT_EQ(rules->signals().size(), 13u);
  EXPECT_EQ(rules->Criteria().size(), 8u);  // 5 typhoon + 3 enabled rainstorm
  const SignalRule* y = rules->Find(Kind::kTyphoon, "yellow");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->criterion.wind_force, 8);
  EXPECT_EQ(y->criterion.gust_force, 10);
  EXPECT_EQ(y->criterion.within_h, 24);
  EXPECT_DOUBLE_EQ(y->probability, 0.3);
  const SignalRule* red = rules->Find(Kind::kTyphoon, "red");
  EXPECT_EQ(red->criterion.within_h, 6);
  EXPECT_EQ(red->criterion.gust_force, 14);
  EXPECT_FALSE(rules->Find(Kind::kRainstorm, "blue")->enabled);
  EXPECT_EQ(rules->Find(Kind::kRainstorm, "red")->criterion.rain_mm, 100);
  EXPECT_EQ(rules->cap().utc_offset, "+08:00");
  EXPECT_EQ(rules->lifecycle().hold_h, 12);
  EXPECT_EQ(rules->lifecycle().extend_before_h, 7);
  EXPECT_DOUBLE_EQ(rules->lifecycle().lower_below, 0.5);
  EXPECT_EQ(rules->texts(Kind::kFlood).hold_h, 24);
  EXPECT_EQ(rules->texts(Kind::kFlood).lead_h, 24);
  EXPECT_EQ(rules->texts(Kind::kRainstorm).lead_h, 12);
  EXPECT_EQ(rules->texts(Kind::kTyphoon).lead_h, 0);
}

struct Case {
  const char* name;
  std::map<std::string, double> p;
  int flood_level;
  const char* typhoon;
  const char* rainstorm;
  const char* flood;
};

TEST(RulesTest, SignalsFromHazard) {
  const auto rules = DefaultRules();
  const Case cases[] = {
      {"nothing", {}, 0, "none", "none", "none"},
      {"white at 20% exactly", {{"typhoon.white", 0.2}}, 0, "white", "none", "none"},
      {"white just under 20%", {{"typhoon.white", 0.1999}}, 0, "none", "none", "none"},
      {"blue at 30%", {{"typhoon.white", 0.9}, {"typhoon.blue", 0.3}}, 0, "blue", "none", "none"},
      {"blue under 30% keeps white", {{"typhoon.white", 0.9}, {"typhoon.blue", 0.29}}, 0, "white", "none", "none"},
      {"yellow", {{"typhoon.white", 1}, {"typhoon.blue", 1}, {"typhoon.yellow", 0.31}}, 0, "yellow", "none", "none"},
      {"orange needs 50%", {{"typhoon.blue", 1}, {"typhoon.yellow", 1}, {"typhoon.orange", 0.49}}, 0, "yellow", "none", "none"},
      {"orange at 50%", {{"typhoon.yellow", 1}, {"typhoon.orange", 0.5}}, 0, "orange", "none", "none"},
      {"red", {{"typhoon.orange", 1}, {"typhoon.red", 0.8}}, 0, "red", "none", "none"},
      {"red alone (higher wins)", {{"typhoon.red", 0.5}}, 0, "red", "none", "none"},
      {"rain yellow 30%", {{"rainstorm.yellow", 0.3}}, 0, "none", "yellow", "none"},
      {"rain orange 50%", {{"rainstorm.yellow", 1}, {"rainstorm.orange", 0.5}}, 0, "none", "orange", "none"},
      {"rain red under 50%", {{"rainstorm.orange", 1}, {"rainstorm.red", 0.4}}, 0, "none", "orange", "none"},
      {"rain red", {{"rainstorm.red", 0.6}}, 0, "none", "red", "none"},
      {"flood level 1", {}, 1, "none", "none", "blue"},
      {"flood level 3", {}, 3, "none", "none", "orange"},
      {"flood level 4", {}, 4, "none", "none", "red"},
  };
  for (const Case& c : cases) {
    core::Hazard h;
    h.regions.push_back(RegionWith(*rules, "440100", c.p, c.flood_level));
    const auto as = Evaluate(*rules, h);
    ASSERT_EQ(as.size(), 3u) << c.name;
    EXPECT_EQ(SignalOf(as, "440100", Kind::kTyphoon), c.typhoon) << c.name;
    EXPECT_EQ(SignalOf(as, "440100", Kind::kRainstorm), c.rainstorm) << c.name;
    EXPECT_EQ(SignalOf(as, "440100", Kind::kFlood), c.flood) << c.name;
  }
}

TEST(RulesTest, ReasonCarriesProbabilityThresholdAndWindow) {
  const auto rules = DefaultRules();
  core::Hazard h;
  h.regions.push_back(RegionWith(*rules, "440400", {{"typhoon.blue", 1}, {"typhoon.yellow", 0.64}, {"typhoon.orange", 0.2}}));
  const auto as = Evaluate(*rules, h);
  const Assessment& a = as[0];
  ASSERT_EQ(a.kind, Kind::kTyphoon);
  EXPECT_EQ(a.reason, "P(wind >= F8 or gust >= F10 within 24 h) = 64% >= 30%");
  EXPECT_DOUBLE_EQ(a.probability, 0.64);
  ASSERT_TRUE(a.onset_utc);
  EXPECT_NE(a.evidence_json.find("\"signal\":\"orange\""), std::string::npos);
  EXPECT_NE(a.evidence_json.find("\"fires\":false"), std::string::npos);
}

TEST(RulesTest, HazardWithoutTheRulesCriteriaIsRefused) {
  core::Hazard h;
  h.regions.emplace_back();
  EXPECT_THROW(Evaluate(*DefaultRules(), h), Error);
}

std::filesystem::path WriteTemp(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("taifeng_rules_" + name + ".toml");
  std::ofstream(p) << text;
  return p;
}

void ExpectParseError(const std::string& text, std::int64_t line, const std::string& field) {
  const auto p = WriteTemp(field, text);
  try {
    RuleSet::Load(p);
    FAIL() << "accepted: " << text;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.field(), field) << e.what();
  }
  std::filesystem::remove(p);
}

constexpr const char* kMinimal = "[[signal]]\nkind = \"typhoon\"\nname = \"blue\"\nrank = 1\nwind_force = 6\n";

// A signal's display colour: given as #rrggbb, else the colour its name says, else grey.
TEST(RulesTest, SignalColours) {
  const auto p = WriteTemp("colours", std::string(kMinimal) + "\n[[signal]]\nkind = \"typhoon\"\nname = \"8\"\nrank = 2\nwind_force = 8\n" +
                                          "colour = \"#ff8c00\"\n\n[[signal]]\nkind = \"typhoon\"\nname = \"9\"\nrank = 3\nwind_force = 10\n");
  const auto rules = RuleSet::Load(p);
  std::filesystem::remove(p);
  std::map<std::string, std::string> colour;
  for (const auto& s : rules->jurisdictions().front()->signals()) colour[s.name] = s.colour;
  EXPECT_EQ(colour["blue"], "#2f6fd6");
  EXPECT_EQ(colour["8"], "#ff8c00");
  EXPECT_EQ(colour["9"], "#9e9e9e");
}

TEST(RulesTest, BadFilesAreRefusedWithLineAndKey) {
  ExpectParseError(std::string(kMinimal) + "probability = 1.5\n", 6, "signal.probability");
  ExpectParseError(std::string(kMinimal) + "colour = \"blue\"\n", 6, "signal.colour");
  ExpectParseError(std::string(kMinimal) + "headline_en = \"{nowhere}\"\n", 6, "signal.headline_en");
  ExpectParseError(std::string(kMinimal) + "urgency = \"Soon\"\n", 6, "signal.urgency");
  ExpectParseError("[lifecycle]\nhold_h = -1\n" + std::string(kMinimal), 2, "lifecycle.hold_h");
  ExpectParseError("[cap]\nsender = \"a b\"\n" + std::string(kMinimal), 2, "cap.sender");
  ExpectParseError("[[signal]]\nkind = \"typhoon\"\nname = \"blue\"\nrank = 1\n", 1, "signal");  // no criterion
  ExpectParseError(std::string(kMinimal) + std::string(kMinimal), 6, "signal.name");          // duplicate
  ExpectParseError("[[signal]\n", 1, "TOML");
  EXPECT_THROW(RuleSet::Load("/nonexistent/rules.toml"), Error);
  const auto ok = WriteTemp("ok", kMinimal);
  EXPECT_EQ(test::Only(*RuleSet::Load(ok)).signals().size(), 1u);
  std::filesystem::remove(ok);
}

TEST(RulesTest, TemplatesFill) {
  EXPECT_EQ(FillTemplate("{region}台风{signal}预警", {{"region", "广州市"}, {"signal", "黄色"}}), "广州市台风黄色预警");
  EXPECT_THROW(FillTemplate("{x}", {}), Error);
}

}  // namespace
}  // namespace taifeng::warnings
