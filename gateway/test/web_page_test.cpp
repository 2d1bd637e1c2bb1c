// The web page's server-side render (page.h) and its key of signals (legend.h), on the project's
// own rule files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "legend.h"
#include "page.h"
#include "taifeng/base/error.h"

namespace taifeng::gateway {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kRules = std::string(TAIFENG_SOURCE_DIR) + "/config/warnings.toml";

TEST(WebLegendTest, ReadsEverySignalOfEveryJurisdiction) {
  const Legend legend = LoadLegend(kRules);
  ASSERT_EQ(legend.jurisdictions.size(), 3u);
  const LegendJurisdiction* hk = legend.Find("hong_kong");
  ASSERT_NE(hk, nullptr);
  EXPECT_EQ(hk->time_label_en, "HKT");
  EXPECT_EQ(hk->language_zh, "zh-HK");
  EXPECT_EQ(hk->utc_offset_min, 480);
  ASSERT_EQ(hk->kinds.size(), 2u);
  EXPECT_EQ(hk->kinds[0].kind, "typhoon");
  ASSERT_EQ(hk->kinds[0].signals.size(), 5u);  // 1, 3, 8, 9, 10
  EXPECT_EQ(hk->kinds[0].signals[2].label_en, "No. 8 Gale or Storm Signal") << "the quadrant left out of the key";
  const LegendSignal* eight = legend.Find("hong_kong", "typhoon", "8ne");
  ASSERT_NE(eight, nullptr);
  EXPECT_EQ(eight->name, "8");
  EXPECT_EQ(eight->colour, "#ff8c00");
  EXPECT_EQ(legend.Find("hong_kong", "typhoon", "8nee"), nullptr);
  const LegendSignal* red = legend.Find("guangdong", "typhoon", "red");
  ASSERT_NE(red, nullptr);
  EXPECT_EQ(red->colour, "#e0201b") << "named colour";
  EXPECT_EQ(legend.Find("guangdong")->kinds.size(), 3u);  // typhoon, rainstorm, flood
  const std::string css = LegendCss(legend);
  EXPECT_NE(css.find(".sig-hong_kong-typhoon-10.sw,.sig-hong_kong-typhoon-10.hl-kind{background:#7b1fa2;color:#fff}"), std::string::npos);
  EXPECT_NE(css.find(".sig-guangdong-typhoon-yellow.sw,.sig-guangdong-typhoon-yellow.hl-kind{background:#ffd200;color:#000}"), std::string::npos);
  EXPECT_TRUE(LoadLegend("none").jurisdictions.empty());
}

TEST(WebLegendTest, ABadColourOrFileIsRefusedByName) {
  const fs::path dir = fs::temp_directory_path() / ("taifeng-legend-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "rules.toml") << "jurisdictions = [\"j.toml\"]\n";
  std::ofstream(dir / "j.toml") << "[jurisdiction]\nid = \"j\"\nname_zh = \"甲\"\nname_en = \"J\"\n\n[[signal]]\nkind = \"typhoon\"\nname = \"1\"\nrank = 1\n"
                                   "colour = \"orange\"\n";
  try {
    LoadLegend((dir / "rules.toml").string());
    ADD_FAILURE() << "a colour that is not #rrggbb was accepted";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), (dir / "j.toml").string());
    EXPECT_EQ(e.field(), "signal.colour");
  }
  std::ofstream(dir / "rules.toml") << "jurisdictions = [\"missing.toml\"]\n";
  EXPECT_THROW(LoadLegend((dir / "rules.toml").string()), Error);
  fs::remove_all(dir);
}

json Warning(const std::string& jurisdiction, const std::string& region, const std::string& signal, int rank, const std::string& headline_zh) {
  return json{{"identifier", "TF-" + region + "-" + signal}, {"kind", "typhoon"}, {"region", region}, {"region_name", "区" + region},
              {"region_name_en", "Region " + region}, {"signal", signal}, {"rank", rank}, {"msg_type", "Alert"}, {"change", "new"},
              {"status", "Actual"}, {"sent", "2018-09-16T06:00:00+08:00"}, {"sent_utc", "2018-09-15T22:00:00Z"},
              {"expires_utc", "2018-09-16T12:00:00Z"}, {"headline_zh", headline_zh}, {"headline_en", "Signal " + signal},
              {"instruction_zh", "留在室内"}, {"instruction_en", "Stay indoors"}, {"description_zh", "概率 30%"}, {"description_en", "probability 30%"},
              {"probability", 0.3}, {"storm_distance_km", 123.4}, {"cap_url", "/alerts/TF-" + region + ".xml"},
              {"presentation", {{"jurisdiction", jurisdiction}, {"label_zh", "标签" + signal}, {"label_en", "Label " + signal}, {"storm_number", "1822"}}}};
}

TEST(WebPageTest, RendersTheStateInForceWithOneHeadlinePerJurisdiction) {
  const Legend legend = LoadLegend(kRules);
  PageOptions o;
  for (const auto& j : legend.jurisdictions) o.shown.push_back(&j);
  json model = {{"feed", "live"}, {"seq", 7}, {"now_utc", "2018-09-16T00:00:00Z"}, {"situation", nullptr}, {"warnings", json::array()}};
  model["warnings"].push_back(Warning("hong_kong", "810000", "8se", 3, "八號<script>alert(1)</script>"));
  model["warnings"].push_back(Warning("guangdong", "440300", "orange", 4, "深圳市台风橙色预警信号"));
  model["warnings"].push_back(Warning("guangdong", "440400", "red", 5, "珠海市台风红色预警信号"));
  model["situation"] = {{"storm_name", "MANGKHUT"}, {"observed", json::array({{{"t", "2018-09-16T00:00:00Z"}, {"lat", 20.0}, {"lon", 115.5},
                                                                              {"wind_ms", 52.0}, {"pressure_hpa", 935.0}}})}};
  const std::string page = RenderPage(model, legend, o);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos) << "text is escaped";
  EXPECT_NE(page.find("八號&lt;script&gt;"), std::string::npos);
  // Guangdong's headline is its highest signal (red, Zhuhai) and comes before the lower one.
  const auto gd = page.find("data-jurisdiction=\"guangdong\" lang=\"zh-CN\"");
  ASSERT_NE(gd, std::string::npos);
  EXPECT_NE(page.find("class=\"headline sig-guangdong-typhoon-red\""), std::string::npos);
  EXPECT_NE(page.find("class=\"hl-kind first sig-guangdong-typhoon-red\" data-kind=\"typhoon\" data-signal=\"red\""), std::string::npos);
  EXPECT_NE(page.find("class=\"headline sig-hong_kong-typhoon-8\""), std::string::npos);
  EXPECT_NE(page.find("class=\"headline none\" data-jurisdiction=\"macau\""), std::string::npos);
  EXPECT_NE(page.find("現時沒有生效的警告信號"), std::string::npos);
  // Local time with its label: 12:00 UTC is 20:00 HKT and 北京时间.
  EXPECT_NE(page.find("生效至 9月16日 20:00 香港時間"), std::string::npos);
  EXPECT_NE(page.find("until 16 Sep 20:00 HKT"), std::string::npos);
  EXPECT_NE(page.find("生效至 9月16日 20:00 北京时间"), std::string::npos);
  // Cards: the highest first; plain words outside, the evidence inside <details>.
  EXPECT_LT(page.find("data-identifier=\"TF-440400-red\""), page.find("data-identifier=\"TF-440300-orange\""));
  const auto card = page.find("data-identifier=\"TF-440400-red\"");
  EXPECT_LT(page.find("留在室内", card), page.find("<details>", card));
  EXPECT_LT(page.find("<details>", card), page.find("概率 30%", card));
  EXPECT_NE(page.find("超强台风 MANGKHUT（1822）"), std::string::npos);
  EXPECT_NE(page.find("Super Typhoon MANGKHUT (1822) at 16 Sep 08:00 (UTC+8)"), std::string::npos);
  EXPECT_NE(page.find("52 m/s (10-minute mean)"), std::string::npos);
  // The key: every signal of every jurisdiction shown.
  std::size_t swatches = 0;
  for (std::size_t at = page.find("<span class=\"sw "); at != std::string::npos; at = page.find("<span class=\"sw ", at + 1)) ++swatches;
  std::size_t signals = 0;
  for (const auto& j : legend.jurisdictions)
    for (const auto& k : j.kinds) signals += k.signals.size();
  EXPECT_EQ(swatches, signals);
  // The model for the map, inert: "</script>" inside it cannot end the element.
  const auto model_at = page.find("<script type=\"application/json\" id=\"model\">");
  ASSERT_NE(model_at, std::string::npos);
  EXPECT_EQ(page.find("</script>", model_at), page.find("</script>\n</body>", model_at));
  EXPECT_NE(page.find("<body class=\"lang-zh\">"), std::string::npos);
  o.lang = "en";
  EXPECT_NE(RenderPage(model, legend, o).find("<body class=\"lang-en\">"), std::string::npos);
}

TEST(WebPageTest, LocalTimeIsTheOffsetsWallClock) {
  EXPECT_EQ(LocalTime("2018-09-16T16:30:00Z", 480, true), "9月17日 00:30");
  EXPECT_EQ(LocalTime("2018-09-16T16:30:00Z", 480, false), "17 Sep 00:30");
  EXPECT_EQ(LocalTime("2018-12-31T20:00:00Z", 480, false), "1 Jan 04:00");
  EXPECT_EQ(LocalTime("not a time", 480, false), "");
}

}  // namespace
}  // namespace taifeng::gateway
