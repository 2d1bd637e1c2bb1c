// Jurisdictions: each region in its own warning system. Data-driven tables (a small track in, the
// expected signals out, built here), the quadrant of Hong Kong's No. 8, a fourth jurisdiction made
// by configuration alone, and the refusals of bad jurisdiction files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <fstream>

#include "taifeng/base/error.h"
#include "taifeng/core/hazard.h"
#include "taifeng/warnings/cap.h"
#include "taifeng/warnings/desk.h"
#include "taifeng/warnings/rules.h"
#include "taifeng/warnings/warning.h"
#include "test_util.h"

namespace taifeng::warnings {
namespace {

namespace fs = std::filesystem;
using test::DefaultRegions;
using test::DefaultRules;
using test::RegionWith;

constexpr std::int64_t kNow = 1536969600;  // 2018-09-15T00:00:00Z

std::string SignalOf(const std::vector<Assessment>& as, const std::string& code, Kind kind) {
  for (const Assessment& a : as)
    if (a.region_code == code && a.kind == kind) return a.signal ? a.signal->name : "none";
  return "missing";
}

// One member moving in a straight line from (lat, lon) at (dlat, dlon) degrees per 6 h for 48 h,
// with a constant 10-minute wind: a deterministic forecast.
core::Forecast Straight(double lat, double lon, double dlat, double dlon, double wind_ms) {
  core::Forecast f;
  f.method = "test";
  core::Member m;
  m.id = "test", m.name = "TEST", m.weight = 1.0;
  for (int k = 0; k <= 8; ++k)
    m.track.push_back({kNow + k * 6 * 3600, lat + k * dlat, lon + k * dlon, wind_ms, 1010.0 - 1.2 * wind_ms});
  f.now = m.track.front();
  f.members.push_back(m);
  return f;
}

core::Hazard HazardOf(const RuleSet& rules, const core::Forecast& f) {
  core::HazardOptions o;
  o.criteria = rules.Criteria();
  o.sites = rules.Sites();
  return core::ComputeHazard(f, *DefaultRegions(), o);
}

struct TrackCase {
  const char* name;
  double lat, lon, dlat, dlon, wind_ms;
  const char* hong_kong;  // Hong Kong's typhoon signal
  const char* macau;
  const char* zhuhai;     // Guangdong's
};

// Hong Kong is at 22.3N 114.2E. Tracks built to pass it at known distances and sides.
TEST(JurisdictionTest, EachRegionGetsItsOwnSystemFromASmallTrack) {
  const auto rules = DefaultRules();
  const TrackCase cases[] = {
      // Far away in the Philippine Sea, drifting: nothing anywhere.
      {"far", 15.0, 130.0, 0.0, 0.3, 30, "none", "none", "none"},
      // 700 km south-east, weak, heading west, never nearer than ~600 km: standby only.
      {"standby", 17.0, 119.0, 0.0, -0.5, 18, "1", "1", "none"},
      // A typhoon 6 h from passing ~100 km south, heading west: gales from the north-east at Macau;
      // at Hong Kong's reference sites (mean_factor chosen against HKO's record) storm force
      // generally within 6 h: No. 9 (the quadrant of No. 8 is tested below).
      {"west-bound", 21.4, 115.2, 0.0, -1.0, 33, "9", "8ne", "orange"},
      // North-east-bound, 6 h from passing ~75 km west of Hong Kong: gales from the south-east at
      // Macau; Hong Kong, in the storm's stronger right-hand half, hurricane force generally: No. 10.
      {"north-east-bound", 21.2, 113.0, 0.9, 0.5, 33, "10", "8se", "orange"},
      // A severe typhoon 6 h from passing 30 km south of Hong Kong: hurricane force, No. 10.
      {"direct hit", 22.0, 115.2, 0.0, -1.0, 52, "10", "10", "red"},
  };
  for (const TrackCase& c : cases) {
    SCOPED_TRACE(c.name);
    const auto as = Evaluate(*rules, HazardOf(*rules, Straight(c.lat, c.lon, c.dlat, c.dlon, c.wind_ms)));
    EXPECT_EQ(SignalOf(as, "810000", Kind::kTyphoon), c.hong_kong);
    EXPECT_EQ(SignalOf(as, "820000", Kind::kTyphoon), c.macau);
    EXPECT_EQ(SignalOf(as, "440400", Kind::kTyphoon), c.zhuhai);
    // Hong Kong and Macau have no mainland flood-risk warnings; Guangdong's cities do.
    EXPECT_EQ(SignalOf(as, "810000", Kind::kFlood), "missing");
    EXPECT_EQ(SignalOf(as, "820000", Kind::kFlood), "missing");
    EXPECT_NE(SignalOf(as, "440400", Kind::kFlood), "missing");
    for (const Assessment& a : as) {
      ASSERT_NE(a.jurisdiction, nullptr);
      if (a.signal) {
        EXPECT_EQ(a.jurisdiction->Find(a.kind, a.signal->name), a.signal) << a.region_code << " " << a.signal->name;
      }
    }
  }
}

// Hong Kong's wind is read at the eight reference anemometers ("generally": half of them), and the
// hazard reports each site's forecast maximum.
TEST(JurisdictionTest, HongKongReadsItsEightReferenceAnemometers) {
  const auto rules = DefaultRules();
  const auto sites = rules->Sites();
  ASSERT_EQ(sites.count("810000"), 1u);
  ASSERT_EQ(sites.at("810000").size(), 8u);
  EXPECT_EQ(sites.at("810000")[0].name, "Chek Lap Kok");
  EXPECT_EQ(sites.count("440300"), 0u) << "Shenzhen reads its region, no reference network";
  const core::Hazard h = HazardOf(*rules, Straight(20.5, 118.0, 0.0, -1.0, 42));
  const core::RegionHazard* hk = nullptr;
  for (const auto& r : h.regions)
    if (r.code == "810000") hk = &r;
  ASSERT_NE(hk, nullptr);
  ASSERT_EQ(hk->sites.size(), 8u);
  // Cheung Chau (south, exposed) is nearer the track than Ta Kwu Ling (north border).
  EXPECT_GT(hk->sites[1].wind_ms.mean, hk->sites[6].wind_ms.mean);
  // A site's 10-minute mean is the marine profile's times its mean_factor (chosen by the verification
  // against HKO's record, README): the profile's part below the storm's 42 m/s and near the
  // region's own (the sites lie on its islands and shores, the region's points on a 0.1° grid).
  for (std::size_t i = 0; i < hk->sites.size(); ++i) {
    const double marine = hk->sites[i].wind_ms.mean / sites.at("810000")[i].mean_factor;
    EXPECT_LT(marine, 42.0) << hk->sites[i].name;
    EXPECT_GT(marine, 0.6 * 0.951 * hk->wind_ms.mean) << hk->sites[i].name;
    EXPECT_LT(marine, 1.3 * 0.951 * hk->wind_ms.mean) << hk->sites[i].name;
  }
  const SignalRule* eight = rules->Of("810000").Find(Kind::kTyphoon, "8ne");
  ASSERT_NE(eight, nullptr);
  EXPECT_EQ(eight->criterion.averaging, data::WindAveraging::kTenMinute);
  EXPECT_DOUBLE_EQ(eight->criterion.wind_kmh, 63);
  EXPECT_DOUBLE_EQ(eight->criterion.sites_share, 0.5);
  EXPECT_EQ(eight->event_code, "TC8NE");
  EXPECT_EQ(eight->short_label.en, "8 NE");
  EXPECT_EQ(eight->label.zh, "八號東北烈風或暴風信號");
  EXPECT_EQ(DescribeCriterion(*eight), "P(10-min wind >= 63 km/h at >= 50% of the reference sites within 3 h), wind from NE");
}

// The quadrant of No. 8 is where the forecast wind comes from; a change of quadrant replaces the
// signal at the same rank (not an upgrade).
TEST(JurisdictionTest, TheQuadrantOfNumberEightFollowsTheWindDirection) {
  const auto rules = DefaultRules();
  const std::pair<double, const char*> table[] = {{10, "8ne"}, {89, "8ne"}, {90, "8se"}, {200, "8sw"}, {300, "8nw"}, {359, "8nw"}};
  for (const auto& [from, expected] : table) {
    core::Hazard h;
    h.regions.push_back(RegionWith(*rules, "810000", {{"typhoon.1", 1.0}, {"typhoon.3", 0.9}, {"typhoon.8", 0.6}}, 0, from));
    EXPECT_EQ(SignalOf(Evaluate(*rules, h), "810000", Kind::kTyphoon), expected) << from;
  }
  EXPECT_EQ(QuadrantOf(-10), "NW");
  EXPECT_EQ(QuadrantOf(405), "NE");
}

// The fourth jurisdiction: a file and a line in the list, no code. A made-up island with a
// two-signal ladder, its own language tag, time label, sender and agency codes.
TEST(JurisdictionTest, AFourthJurisdictionIsAddedByConfigurationAlone) {
  const fs::path dir = fs::temp_directory_path() / ("taifeng_island_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path config = fs::path(TAIFENG_SOURCE_DIR) / "config/jurisdictions";
  std::ofstream(dir / "island.toml") << R"([jurisdiction]
id = "island"
name_zh = "測試島"
name_en = "Test Island"
language_zh = "zh-TW"
time_label_zh = "島時間"
time_label_en = "Island time"
regions = ["441500"]
region_names_zh = { "441500" = "測試島" }

[cap]
sender = "island.example"
event_code_name = "ISLAND"

[kind.typhoon]
event_zh = "颱風警報"
event_en = "Typhoon alert"

[[signal]]
kind = "typhoon"
name = "watch"
rank = 1
label_zh = "颱風注意"
label_en = "Typhoon watch"
event_code = "ISL-W"
wind_kmh = 50
averaging = "10-minute"
within_h = 24
probability = 0.4
headline_zh = "{region}{signal}（{time_label}{onset}起）"
headline_en = "{signal_en} for {region_en} from {onset} {time_label_en}"

[[signal]]
kind = "typhoon"
name = "warning"
rank = 2
label_zh = "颱風警報"
label_en = "Typhoon warning"
event_code = "ISL-X"
wind_kmh = 90
averaging = "10-minute"
within_h = 12
probability = 0.4
)";
  // Guangdong gives Shanwei (441500) to the island.
  std::ifstream in(config / "guangdong.toml");
  std::string gd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  gd.replace(gd.find("\"441500\", "), 10, "");
  std::ofstream(dir / "guangdong.toml") << gd;
  std::ofstream(dir / "warnings.toml") << "jurisdictions = [\"guangdong.toml\", \"" << (config / "hong_kong.toml").string() << "\", \""
                                       << (config / "macau.toml").string() << "\", \"island.toml\"]\n";
  const auto rules = RuleSet::Load(dir / "warnings.toml");
  ASSERT_EQ(rules->jurisdictions().size(), 4u);
  EXPECT_EQ(rules->Of("441500").id(), "island");
  EXPECT_EQ(rules->Of("441600").id(), "guangdong");
  core::Hazard h;
  h.regions.push_back(RegionWith(*rules, "441500", {{"typhoon.watch", 0.9}}));
  const auto as = Evaluate(*rules, h);
  ASSERT_EQ(SignalOf(as, "441500", Kind::kTyphoon), "watch");
  EXPECT_EQ(SignalOf(as, "441500", Kind::kRainstorm), "missing") << "the island has no rainstorm ladder";

  // Through the desk: its CAP speaks its language, sender and codes.
  Desk desk(Journal::Open(dir / "journal"), rules, DefaultRegions(), test::Schema());
  const auto plan = Plan(*rules, as, desk.StateAt(kNow), kNow);
  ASSERT_EQ(plan.size(), 1u);
  ChangeRequest r;
  r.assessment = plan[0].assessment;
  r.storm = "TEST", r.storm_name = "TEST";
  const std::vector<Message> ms = desk.Preview({r}, {kNow, "duty", "Exercise", "test"});
  ASSERT_EQ(ms.size(), 1u);
  const Message& m = ms[0];
  EXPECT_EQ(m.jurisdiction, "island");
  EXPECT_EQ(m.sender, "island.example");
  EXPECT_EQ(m.time_label.en, "Island time");
  EXPECT_EQ(m.event_code, "ISL-W");
  EXPECT_EQ(m.region_name, "測試島");
  const CapAlert cap = ReadCap(m.cap_xml, m.identifier, {});
  ASSERT_EQ(cap.infos.size(), 2u);
  EXPECT_EQ(cap.infos[0].language, "zh-TW");
  EXPECT_EQ(cap.infos[0].headline, "測試島颱風注意（島時間2018-09-15 10:00 (UTC+08:00)起）");
  EXPECT_EQ(cap.infos[0].event, "颱風警報");
  ASSERT_EQ(cap.infos[0].event_codes.size(), 2u);
  EXPECT_EQ(cap.infos[0].event_codes[1].first, "ISLAND");
  EXPECT_EQ(cap.infos[0].event_codes[1].second, "ISL-W");
  fs::remove_all(dir);
}

// Hong Kong's CAP: zh-HK, its sender, HKO's code as the second eventCode; Macau's: zh-MO.
TEST(JurisdictionTest, CapSpeaksEachJurisdictionsLanguageAndCodes) {
  const fs::path dir = fs::temp_directory_path() / ("taifeng_jcap_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const auto rules = DefaultRules();
  Desk desk(Journal::Open(dir), rules, DefaultRegions(), test::Schema());
  core::Hazard h;
  h.regions.push_back(RegionWith(*rules, "810000", {{"typhoon.1", 1.0}, {"typhoon.3", 0.9}, {"typhoon.8", 0.6}}, 0, 120));
  h.regions.push_back(RegionWith(*rules, "820000", {{"typhoon.1", 1.0}, {"typhoon.3", 0.9}}));
  h.regions.push_back(RegionWith(*rules, "440400", {{"typhoon.blue", 0.9}}));
  std::vector<ChangeRequest> requests;
  for (const Proposal& p : Plan(*rules, Evaluate(*rules, h), desk.StateAt(kNow), kNow)) {
    if (!p.Changes()) continue;
    ChangeRequest r;
    r.assessment = p.assessment;
    r.storm = "CMA:2018-0022", r.storm_name = "MANGKHUT";
    requests.push_back(r);
  }
  ASSERT_EQ(requests.size(), 3u);
  std::map<std::string, Message> by;
  for (const Message& m : desk.Preview(requests, {kNow, "duty", "Exercise", "test"})) by[m.region_code] = m;
  const CapAlert hk = ReadCap(by["810000"].cap_xml, "hk", {});
  EXPECT_EQ(by["810000"].signal, "8se");
  EXPECT_EQ(by["810000"].short_label.en, "8 SE");
  EXPECT_EQ(hk.sender, "hk.taifeng.local");
  EXPECT_EQ(hk.infos[0].language, "zh-HK");
  EXPECT_EQ(hk.infos[0].headline, "八號東南烈風或暴風信號現正生效");
  EXPECT_EQ(hk.infos[1].headline, "The No. 8 Southeast Gale or Storm Signal is in force");
  EXPECT_EQ(hk.infos[0].areas[0].area_desc, "香港");
  ASSERT_EQ(hk.infos[0].event_codes.size(), 2u);
  EXPECT_EQ(hk.infos[0].event_codes[1], std::make_pair(std::string("HKO"), std::string("TC8SE")));
  const CapAlert mo = ReadCap(by["820000"].cap_xml, "mo", {});
  EXPECT_EQ(mo.infos[0].language, "zh-MO");
  EXPECT_EQ(mo.infos[0].headline, "三號風球現正懸掛");
  const CapAlert gd = ReadCap(by["440400"].cap_xml, "gd", {});
  EXPECT_EQ(gd.infos[0].language, "zh-CN");
  EXPECT_EQ(gd.infos[0].event_codes.size(), 1u) << "Guangdong's signals carry no agency code";
  fs::remove_all(dir);
}

TEST(JurisdictionTest, ASameRankChangeOfQuadrantIsAReplace) {
  const auto rules = DefaultRules();
  Message m;
  m.region_code = "810000", m.kind = Kind::kTyphoon, m.signal = "8ne", m.rank = 3, m.change = Change::kNew;
  m.identifier = "A", m.incident = "A", m.sent_utc = kNow - 3600, m.expires_utc = kNow + 11 * 3600;
  std::deque<Message> ms = {m};
  const State state = State::Derive(ms, kNow);
  core::Hazard h;
  h.regions.push_back(RegionWith(*rules, "810000", {{"typhoon.1", 1.0}, {"typhoon.3", 0.9}, {"typhoon.8", 0.6}}, 0, 150));
  const auto plan = Plan(*rules, Evaluate(*rules, h), state, kNow);
  ASSERT_EQ(plan.size(), 2u);  // typhoon and rainstorm
  EXPECT_EQ(plan[0].action, Action::kReplace);
  EXPECT_EQ(plan[0].from_signal, "8ne");
  EXPECT_EQ(plan[0].to_signal, "8se");
  // Through the desk: an Update that replaces 8 NE by 8 SE in the same incident (once a Cancel).
  const fs::path dir = fs::temp_directory_path() / ("taifeng_jreplace_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Desk desk(Journal::Open(dir), rules, DefaultRegions(), test::Schema());
  const ActionContext ctx{kNow - 3600, "duty", "Exercise", "test"};
  core::Hazard first;
  first.regions.push_back(RegionWith(*rules, "810000", {{"typhoon.1", 1.0}, {"typhoon.3", 0.9}, {"typhoon.8", 0.6}}, 0, 45));
  const auto p1 = Plan(*rules, Evaluate(*rules, first), desk.StateAt(kNow - 3600), kNow - 3600);
  desk.RecordProposal(p1, {"T", "TEST", kNow - 3600, true, "test", "", ""}, "duty", kNow - 3600);
  desk.Commit("issue", "{}", desk.FromProposal(*desk.LatestProposal(), {}), ctx);
  const auto p2 = Plan(*rules, Evaluate(*rules, h), desk.StateAt(kNow), kNow);
  desk.RecordProposal(p2, {"T", "TEST", kNow, true, "test", "", ""}, "duty", kNow);
  const auto issued = desk.Commit("issue", "{}", desk.FromProposal(*desk.LatestProposal(), {}), {kNow, "duty", "Exercise", "test"});
  ASSERT_EQ(issued.size(), 1u);
  EXPECT_EQ(issued[0].change, Change::kReplace);
  EXPECT_EQ(issued[0].msg_type, "Update");
  EXPECT_EQ(issued[0].signal, "8se");
  EXPECT_EQ(issued[0].references.size(), 1u);
  fs::remove_all(dir);
}

// ---- bad jurisdiction files ----

struct Files {
  fs::path dir = fs::temp_directory_path() / ("taifeng_jbad_" + std::to_string(::getpid()));
  Files() { fs::create_directories(dir); }
  ~Files() { fs::remove_all(dir); }
  fs::path Write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return dir / name;
  }
};

void ExpectRefused(const fs::path& path, const std::string& file, std::int64_t line, const std::string& field) {
  try {
    RuleSet::Load(path);
    FAIL() << "accepted " << path;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), file) << e.what();
    EXPECT_EQ(e.line(), line) << e.what();
    EXPECT_EQ(e.field(), field) << e.what();
  }
}

constexpr const char* kSignal = "[[signal]]\nkind = \"typhoon\"\nname = \"a\"\nrank = 1\nwind_kmh = 60\n";

TEST(JurisdictionTest, BadJurisdictionFilesAreRefusedWithFileLineAndKey) {
  Files f;
  // An unknown key in [jurisdiction].
  ExpectRefused(f.Write("a.toml", "[jurisdiction]\nid = \"a\"\ncolour = \"red\"\n" + std::string(kSignal)), "a.toml", 3, "jurisdiction.colour");
  // A ladder out of order: rank 2 before rank 1.
  ExpectRefused(f.Write("b.toml", "[[signal]]\nkind = \"typhoon\"\nname = \"b\"\nrank = 2\nwind_kmh = 90\n" + std::string(kSignal)), "b.toml", 4,
                "signal.rank");
  // A placeholder the signal cannot fill: {quadrant} without quadrants.
  ExpectRefused(f.Write("c.toml", std::string(kSignal) + "headline_en = \"No. 8 {quadrant}\"\n"), "c.toml", 6, "signal.headline_en");
  // A quadrant placeholder in a kind's cancel text (no signal to fill it from).
  ExpectRefused(f.Write("d.toml", "[kind.typhoon]\ncancel_headline_en = \"{quadrant_en}\"\n" + std::string(kSignal)), "d.toml", 2,
                "kind.typhoon.cancel_headline_en");
  // A region in two jurisdictions: the second file's regions line.
  f.Write("x.toml", "[jurisdiction]\nid = \"x\"\nregions = [\"440100\"]\n" + std::string(kSignal));
  f.Write("y.toml", "# y\n[jurisdiction]\nid = \"y\"\nregions = [\"440300\", \"440100\"]\n" + std::string(kSignal));
  ExpectRefused(f.Write("list.toml", "jurisdictions = [\"x.toml\", \"y.toml\"]\n"), "y.toml", 4, "jurisdiction.regions");
  // Two defaults, two ids, an unknown key in the list, a site outside the jurisdiction.
  f.Write("d1.toml", std::string(kSignal));
  f.Write("d2.toml", "[jurisdiction]\nid = \"other\"\n" + std::string(kSignal));
  ExpectRefused(f.Write("list2.toml", "jurisdictions = [\"d1.toml\", \"d2.toml\"]\n"), "d2.toml", 0, "jurisdiction.default");
  ExpectRefused(f.Write("list3.toml", "jurisdictions = [\"x.toml\", \"x.toml\"]\n"), "list3.toml", 1, "jurisdictions");
  ExpectRefused(f.Write("list4.toml", "jurisdictions = [\"x.toml\"]\nextra = 1\n"), "list4.toml", 2, "extra");
  ExpectRefused(f.Write("e.toml", "[jurisdiction]\nid = \"e\"\nregions = [\"440100\"]\n[[site]]\nregion = \"440300\"\nname = \"S\"\nlat = 22\nlon = 114\n" +
                                      std::string(kSignal)),
                "e.toml", 0, "site.region");
  // Sites need a wind criterion; a bad averaging period.
  ExpectRefused(f.Write("g.toml", "[[signal]]\nkind = \"typhoon\"\nname = \"a\"\nrank = 1\ncentre_km = 800\nsites_share = 0.5\n"), "g.toml", 1,
                "signal.sites_share");
  ExpectRefused(f.Write("h.toml", std::string(kSignal) + "averaging = \"5-minute\"\n"), "h.toml", 6, "signal.averaging");
  EXPECT_THROW(RuleSet::Load(f.Write("list5.toml", "jurisdictions = [\"missing.toml\"]\n")), Error);
}

}  // namespace
}  // namespace taifeng::warnings
