#include "taifeng/core/hazard.h"
#include "taifeng/core/signal_verify.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <fstream>

#include "cma_sample.h"
#include "taifeng/core/verify.h"
#include "taifeng/data/rain.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/data/units.h"
#include "taifeng/base/error.h"

namespace taifeng::core {
namespace {

std::int64_t Utc(int y, int mo, int d, int h) { return *taifeng::UtcSeconds(y, mo, d, h); }

// Reference values computed by hand from the published formulas (wind.h, rain.h).
TEST(Wind, HollandProfileMatchesThePublishedFormulas) {
  // B (Holland 1980) = ρ e Vm² / Δp: Vm 40 m/s, Δp 50 hPa, ρ 1.15 -> 1.000328.
  EXPECT_NEAR(HollandB1980(40.0, 50.0), 1.15 * std::exp(1.0) * 1600.0 / 5000.0, 1e-12);
  EXPECT_NEAR(HollandB1980(40.0, 50.0), 1.000328, 1e-6);
  // Holland (2008) b_s: Δp 50 hPa, steady, 20°N, moving 5 m/s -> 1.42473.
  EXPECT_NEAR(HollandB2008(50.0, 0.0, 20.0, 5.0), 1.42473, 1e-5);
  // At the equator (no Coriolis) the profile peaks at Vm at Rm, and at 2 Rm with B = 1.5 gives
  // Vm sqrt(0.5^1.5 e^(1-0.5^1.5)) = 32.8595 m/s for Vm 40.
  EXPECT_NEAR(HollandWindMs(30.0, 40.0, 30.0, 1.5, 0.0), 40.0, 1e-9);
  EXPECT_NEAR(HollandWindMs(60.0, 40.0, 30.0, 1.5, 0.0), 32.8595, 1e-4);
  // At 20°N Coriolis lowers the gradient wind at Rm = 30 km to 39.2588 m/s.
  EXPECT_NEAR(HollandWindMs(30.0, 40.0, 30.0, 1.5, 20.0), 39.2588, 1e-4);
  EXPECT_EQ(HollandWindMs(0.0, 40.0, 30.0, 1.5, 20.0), 0.0);
  // Willoughby et al. (2006) 7a: 46.4 exp(-0.0155·40 + 0.0169·20) = 35.00 km.
  EXPECT_NEAR(RmwClimatologyKm(40.0, 20.0), 34.998, 1e-3);
  EXPECT_NEAR(RmwClimatologyKm(40.0, -20.0), 34.998, 1e-3);
}

TEST(Wind, MotionMakesTheRightSideStronger) {
  WindCentre c;
  c.lat_deg = 20.0, c.lon_deg = 115.0, c.vmax_ms = 40.0, c.pressure_hpa = 950.0, c.rmw_km = 30.0;
  c.motion_north_ms = 6.0;  // moving north: the right (east) side is the stronger in the north
  const geo::LatLon east = geo::Direct(20.0, 115.0, 90.0, 60.0), west = geo::Direct(20.0, 115.0, 270.0, 60.0);
  const double e = SurfaceWindMs(c, east.lat_deg, east.lon_deg), w = SurfaceWindMs(c, west.lat_deg, west.lon_deg);
  EXPECT_GT(e, w + 4.0);
  // The total never exceeds the track's maximum wind by more than rounding.
  for (double r : {10.0, 30.0, 50.0, 100.0}) {
    const geo::LatLon p = geo::Direct(20.0, 115.0, 90.0, r);
    EXPECT_LE(SurfaceWindMs(c, p.lat_deg, p.lon_deg), 40.0 + 1e-6);
  }
  // Stationary: symmetric, and it decays outwards.
  c.motion_north_ms = 0.0;
  const double e0 = SurfaceWindMs(c, east.lat_deg, east.lon_deg), w0 = SurfaceWindMs(c, west.lat_deg, west.lon_deg);
  EXPECT_NEAR(e0, w0, 1e-3);
  const geo::LatLon far = geo::Direct(20.0, 115.0, 90.0, 300.0);
  EXPECT_LT(SurfaceWindMs(c, far.lat_deg, far.lon_deg), e0);
  // Unknown wind: no field.
  c.vmax_ms = NAN;
  EXPECT_EQ(SurfaceWindMs(c, east.lat_deg, east.lon_deg), 0.0);
}

TEST(Wind, GustFactorsAndBeaufortFollowTheirTables) {
  // WMO/TD-No. 1555 Table 1.1.
  EXPECT_DOUBLE_EQ(GustFactor(Exposure::kAtSea, data::WindAveraging::kTenMinute), 1.23);
  EXPECT_DOUBLE_EQ(GustFactor(Exposure::kOffSea, data::WindAveraging::kTenMinute), 1.38);
  EXPECT_DOUBLE_EQ(GustFactor(Exposure::kOffLand, data::WindAveraging::kTwoMinute), 1.42);
  EXPECT_DOUBLE_EQ(GustFactor(Exposure::kInLand, data::WindAveraging::kOneMinute), 1.49);
  EXPECT_DOUBLE_EQ(GustFactor(Exposure::kOffSea, data::WindAveraging::kUnknown), 1.38);
  // GB/T 28591-2012 boundaries.
  EXPECT_EQ(BeaufortForce(10.7), 5);
  EXPECT_EQ(BeaufortForce(10.8), 6);
  EXPECT_EQ(BeaufortForce(17.1), 7);
  EXPECT_EQ(BeaufortForce(17.2), 8);
  EXPECT_EQ(BeaufortForce(24.5), 10);
  EXPECT_EQ(BeaufortForce(32.6), 11);
  EXPECT_EQ(BeaufortForce(32.7), 12);
  EXPECT_EQ(BeaufortForce(56.1), 17);
  EXPECT_EQ(BeaufortForce(80.0), 17);
  EXPECT_EQ(BeaufortForce(NAN), -1);
  EXPECT_DOUBLE_EQ(BeaufortLowerMs(12), 32.7);
}

TEST(Rain, RCliperMatchesTuleya2007) {
  // 65 kt (1-minute): U = 1 + 30/33; T0 6.8368, Tm 8.0048 mm/h; rm 39.68 km, re 119.45 km.
  const double v = data::KnotsToMs(65.0);
  EXPECT_NEAR(RCliperRateMmH(0.0, v), 6.8368, 1e-3);
  EXPECT_NEAR(RCliperRateMmH(39.6818, v), 8.0048, 1e-3);
  EXPECT_NEAR(RCliperRateMmH(39.6818 / 2, v), 7.4208, 1e-3);
  EXPECT_NEAR(RCliperRateMmH(39.6818 + 119.4545, v), 2.9448, 1e-3);
  EXPECT_EQ(RCliperRateMmH(10.0, NAN), 0.0);
  EXPECT_GE(RCliperRateMmH(10.0, 5.0), 0.0);  // weak storms: never negative
  // A stationary storm for 24 h: 24 hourly rates at its centre.
  std::vector<TrackPoint> track;
  for (int h = 0; h <= 24; h += 6) track.push_back({h * 3600, 20.0, 115.0, 30.0, 970.0});
  std::vector<double> mm;
  AccumulateRCliper(track, 0, 24 * 3600, {{20.0, 115.0}}, mm);
  const double v1 = data::ConvertAveraging(30.0, data::WindAveraging::kTenMinute, data::WindAveraging::kOneMinute);
  ASSERT_EQ(mm.size(), 1u);
  EXPECT_NEAR(mm[0], 24 * RCliperRateMmH(0.0, v1), 1e-9);
}

TEST(Rain, SimilarityTermIsZeroForTheSameFieldAndGrowsWithDifference) {
  LiveRain live;
  for (int i = 0; i < 10; ++i) {
    live.points.push_back({20.0 + i * 0.1, 115.0});
    live.mm.push_back(i * 10.0);
  }
  EXPECT_NEAR(RainTerm(live, live.mm), 0.0, 1e-12);
  std::vector<double> reversed(live.mm.rbegin(), live.mm.rend());
  EXPECT_NEAR(RainTerm(live, reversed), 1.0, 1e-12);  // same volume, r = -1
  std::vector<double> doubled = live.mm;
  for (double& v : doubled) v *= 2;
  EXPECT_NEAR(RainTerm(live, doubled), std::log((90.0 + 1) / (45.0 + 1)), 1e-9);  // r = 1
  EXPECT_TRUE(std::isnan(RainTerm(live, {1, 2})));
}

TEST(Hazard, FloodConfigReadsTomlAndNamesBadKeys) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto good = dir / ("taifeng-flood-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(good) << "[defaults]\nstatistic = \"mean\"\nantecedent_raise_mm = 80\n"
                         "[region.\"440100\"]\nlevels = [{name = \"yellow\", window_h = 6, mm = 40}]\n";
  const FloodConfig c = FloodConfig::Load(good);
  EXPECT_EQ(c.defaults.statistic, "mean");
  EXPECT_EQ(c.defaults.levels.size(), 4u);
  EXPECT_EQ(c.For("440100").levels.size(), 1u);
  EXPECT_EQ(c.For("440100").antecedent_raise_mm, 80.0);  // inherits the defaults
  EXPECT_EQ(c.For("440300").levels[3].mm, 100.0);
  std::ofstream(good) << "[defaults]\nstatistc = \"mean\"\n";
  try {
    FloodConfig::Load(good);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("defaults.statistc"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(":2"), std::string::npos) << e.what();
  }
  std::ofstream(good) << "[defaults\n";
  EXPECT_THROW(FloodConfig::Load(good), ParseError);
  std::filesystem::remove(good);
}

// Mangkhut 2018 at 2018-09-15 12 UTC (before its landfall at Taishan, Jiangmen, 16 Sep 09 UTC),
// with Mangkhut and everything after now left out.
class HazardArchiveTest : public testing::CmaArchiveTest {
 protected:
  static const geo::RegionSet& Regions() {
    static const auto set = [] {
      const std::string samples = TAIFENG_SAMPLES_DIR;
      geo::RegionSet::LoadOptions o = geo::RegionSet::Administrative();
      o.land = geo::RegionSet::Load(samples + "/regions/china_provinces_wgs84/china.shp",
                                    geo::RegionSet::Fields("", "", "FENAME", 0.0));
      return geo::RegionSet::Load(samples + "/regions/south_china_23.geojson", o);
    }();
    return *set;
  }
  static Hindcast MangkhutForecast(int top_k) {
    const data::Archive& a = **archive_;
    data::Storm mangkhut = a.StormAt(*a.Find("CMA:2018-0026"));
    const std::int64_t now = Utc(2018, 9, 15, 12);
    std::erase_if(mangkhut.fixes, [&](const data::Fix& f) { return f.time_utc > now; });
    MatchOptions mo;
    mo.top_k = top_k;
    MatchFilter filter;
    filter.exclude = {"CMA:2018-0026"};
    filter.before_utc = now;
    const auto h = ForecastFrom(**index_, LiveSegment(mangkhut, 24), nullptr, mo, ForecastOptions{}, filter);
    EXPECT_TRUE(h.has_value());
    return *h;
  }
  static const RegionHazard& Get(const Hazard& h, const std::string& name_en) {
    for (const auto& r : h.regions)
      if (r.name_en == name_en) return r;
    throw std::runtime_error(name_en);
  }
};

TEST_F(HazardArchiveTest, MangkhutCoastNearLandfallIsWindierThanInland) {
  const Hindcast hc = MangkhutForecast(20);
  const Hazard h = ComputeHazard(hc.analog, Regions(), HazardOptions{});
  ASSERT_EQ(h.regions.size(), 23u);
  EXPECT_EQ(h.hours, 120);
  for (const char* coast : {"Jiangmen", "Zhuhai", "Zhongshan", "Yangjiang"}) {
    for (const char* inland : {"Shaoguan", "Meizhou"}) {
      EXPECT_GT(Get(h, coast).wind_ms.mean, Get(h, inland).wind_ms.mean + 1.0) << coast << " vs " << inland;
      EXPECT_GT(Get(h, coast).gust_ms.mean, Get(h, inland).gust_ms.mean) << coast << " vs " << inland;
    }
  }
  // Real values a forecaster can check: Mangkhut brought force 12+ gusts to the Pearl River
  // estuary; the ensemble gives the coast near landfall at least gale force (8) as the mean.
  const RegionHazard& jm = Get(h, "Jiangmen");
  EXPECT_GE(jm.wind_force, 8);
  EXPECT_GE(jm.gust_force, jm.wind_force);
  EXPECT_TRUE(jm.coastal);
  // Probabilities are monotone in the window and in the threshold, within [0, 1].
  for (const auto& r : h.regions) {
    for (std::size_t f = 0; f < r.wind_probability.size(); ++f) {
      for (std::size_t w = 0; w < r.wind_probability[f].size(); ++w) {
        EXPECT_GE(r.wind_probability[f][w], 0.0);
        EXPECT_LE(r.wind_probability[f][w], 1.0 + 1e-9);
        if (w > 0) {
          EXPECT_GE(r.wind_probability[f][w], r.wind_probability[f][w - 1]);
        }
        if (f > 0) {
          EXPECT_LE(r.wind_probability[f][w], r.wind_probability[f - 1][w] + 1e-12);
        }
      }
    }
    EXPECT_LE(r.wind_ms.mean, r.gust_ms.mean);
    // Rain: wider windows hold at least as much; the total at least the 24 h window.
    for (std::size_t k = 1; k < r.rain_mm.size(); ++k) EXPECT_GE(r.rain_mm[k].mean + 1e-9, r.rain_mm[k - 1].mean);
    EXPECT_GE(r.rain_total_mm.mean + 1e-9, r.rain_mm.back().mean);
    EXPECT_EQ(r.rain_observed_share, 0.0);  // no observed grid given: all modelled
  }
  // Onset of force 6 at Jiangmen before landfall (16 Sep 09 UTC) and after now.
  ASSERT_TRUE(jm.wind_onset_utc[0].has_value());
  EXPECT_GT(*jm.wind_onset_utc[0], h.now_utc);
  EXPECT_LT(*jm.wind_onset_utc[0], Utc(2018, 9, 16, 9));
  EXPECT_GT(jm.wind_probability[0][3], 0.8);  // force 6 within 48 h
  EXPECT_GT(jm.rain_total_mm.mean, 30.0);
  EXPECT_GE(jm.rain_total_mm.p90, jm.rain_total_mm.mean * 0.8);
}

// Computing one region alone (verification of one place) gives exactly what the whole set gives it.
TEST_F(HazardArchiveTest, OneRegionAloneIsTheSameAsInTheWholeSet) {
  const Hindcast hc = MangkhutForecast(20);
  HazardOptions o;
  const Hazard all = ComputeHazard(hc.analog, Regions(), o);
  o.only_regions = {"810000"};
  const Hazard one = ComputeHazard(hc.analog, Regions(), o);
  ASSERT_EQ(one.regions.size(), 1u);
  const RegionHazard* hk = nullptr;
  for (const auto& r : all.regions)
    if (r.code == "810000") hk = &r;
  ASSERT_NE(hk, nullptr);
  EXPECT_EQ(one.regions[0].code, "810000");
  EXPECT_DOUBLE_EQ(one.regions[0].wind_ms.mean, hk->wind_ms.mean);
  EXPECT_DOUBLE_EQ(one.regions[0].rain_total_mm.p90, hk->rain_total_mm.p90);
  EXPECT_DOUBLE_EQ(one.regions[0].approach_km, hk->approach_km);
  EXPECT_GT(one.regions[0].wind_ms.mean, 10);
}

// The members' wind margins give the criterion's probability, and the probability had the sites
// been k times as exposed: Hong Kong's eight reference anemometers, No. 8 (63 km/h generally).
TEST_F(HazardArchiveTest, WindMarginsGiveTheProbabilityAtAnyWindScale) {
  const Hindcast hc = MangkhutForecast(20);
  const auto options = [](double factor) {
    HazardOptions o;
    const std::vector<std::pair<double, double>> at = {{22.30944, 113.92194}, {22.20111, 114.02667}, {22.30972, 114.21333}, {22.46889, 113.98361},
                                                       {22.37556, 114.27444}, {22.40250, 114.21000}, {22.52861, 114.15667}, {22.34667, 114.08639}};
    for (std::size_t i = 0; i < at.size(); ++i) o.sites["810000"].push_back({"s" + std::to_string(i), "", at[i].first, at[i].second, factor});
    for (int within : {12, 24}) {
      Criterion c;
      c.wind_kmh = 63, c.averaging = data::WindAveraging::kTenMinute, c.sites_share = 0.5, c.within_h = within;
      o.criteria.push_back(c);
    }
    o.only_regions = {"810000"};
    return o;
  };
  const Hazard base = ComputeHazard(hc.analog, Regions(), options(0.8));
  const Hazard twice = ComputeHazard(hc.analog, Regions(), options(1.2));
  ASSERT_EQ(base.regions.size(), 1u);
  for (std::size_t c = 0; c < 2; ++c) {
    const auto& margins = base.regions[0].criteria[c].wind_margins;
    ASSERT_EQ(margins.size(), base.members);
    EXPECT_NEAR(ProbabilityAt(margins, 1.0), base.regions[0].criteria[c].probability, 1e-9);
    EXPECT_NEAR(ProbabilityAt(margins, 1.5), twice.regions[0].criteria[c].probability, 1e-6);
    for (const auto& m : margins) {
      ASSERT_EQ(m.upto.size(), c == 0 ? 13u : 25u);  // hourly, now to within_h
      EXPECT_TRUE(std::is_sorted(m.upto.begin(), m.upto.end()));
      EXPECT_GT(m.upto.back(), 0.0f);
    }
    // The 24 h criterion's margins cut at 12 h give the 12 h criterion's probability.
    if (c == 1) {
      EXPECT_NEAR(ProbabilityAt(margins, 1.0, 12), base.regions[0].criteria[0].probability, 1e-9);
    }
  }
  // The two windows differ for this storm 21 h before its closest approach, so the test can fail.
  EXPECT_LT(base.regions[0].criteria[0].probability, base.regions[0].criteria[1].probability);
  EXPECT_GT(twice.regions[0].criteria[1].probability, base.regions[0].criteria[1].probability);
}

// Warning-rule criteria agree with the per-force probabilities at the same window edges, and an
// "either wind or gust" criterion is per member: at least the larger of the two, at most their sum.
TEST_F(HazardArchiveTest, CriteriaAgreeWithTheForceProbabilitiesAtWindowEdges) {
  const Hindcast hc = MangkhutForecast(20);
  HazardOptions o;
  const auto wind = [](int w, int g, int within) {
    Criterion c;
    c.wind_force = w, c.gust_force = g, c.within_h = within;
    return c;
  };
  const auto rain = [](int window, double mm, int within) {
    Criterion c;
    c.rain_window_h = window, c.rain_mm = mm, c.within_h = within;
    return c;
  };
  o.criteria = {wind(8, 0, 24), wind(0, 10, 24), wind(8, 10, 24), wind(10, 0, 12), wind(6, 0, 6), rain(6, 50, 12), rain(6, 0.001, 120)};
  const Hazard h = ComputeHazard(hc.analog, Regions(), o);
  for (const auto& r : h.regions) {
    SCOPED_TRACE(r.name_en);
    ASSERT_EQ(r.criteria.size(), 7u);
    // wind_forces {6, 8, 10, 12}, gust_forces {8, 10, 12, 14}, windows {6, 12, 24, 48}
    EXPECT_NEAR(r.criteria[0].probability, r.wind_probability[1][2], 1e-12);
    EXPECT_NEAR(r.criteria[1].probability, r.gust_probability[1][2], 1e-12);
    EXPECT_NEAR(r.criteria[3].probability, r.wind_probability[2][1], 1e-12);
    EXPECT_NEAR(r.criteria[4].probability, r.wind_probability[0][0], 1e-12);
    const double w = r.criteria[0].probability, g = r.criteria[1].probability, e = r.criteria[2].probability;
    EXPECT_GE(e + 1e-12, std::max(w, g));
    EXPECT_LE(e, std::min(1.0, w + g) + 1e-12);
    if (e > 0) {
      ASSERT_TRUE(r.criteria[2].onset_utc);
      EXPECT_GE(*r.criteria[2].onset_utc, h.now_utc);
      EXPECT_LE(*r.criteria[2].onset_utc, h.now_utc + 24 * 3600);
    }
    // Rain: any rain at all within the forecast is likelier than 50 mm in 6 h within 12 h.
    EXPECT_LE(r.criteria[5].probability, r.criteria[6].probability + 1e-12);
    if (r.criteria[5].probability > 0) {
      EXPECT_GE(r.criteria[5].rain_mm, 50.0);
    }
  }
  const RegionHazard& zh = Get(h, "Zhuhai");
  EXPECT_GT(zh.criteria[2].probability, 0.5);  // force 8 or gusts 10 within 24 h at Zhuhai
  EXPECT_GT(zh.criteria[6].probability, 0.9);
}

TEST_F(HazardArchiveTest, FloodRiskFollowsThresholdsAndAntecedentRain) {
  const Hindcast hc = MangkhutForecast(10);
  FloodConfig config;
  config.defaults.levels = {{"low", 24, 10.0}, {"high", 24, 10000.0}};
  HazardInputs in;
  in.flood = &config;
  const Hazard h = ComputeHazard(hc.analog, Regions(), HazardOptions{}, in);
  const RegionHazard& jm = Get(h, "Jiangmen");
  EXPECT_EQ(jm.flood_level, 1);
  EXPECT_EQ(jm.flood_name, "low");
  EXPECT_NE(jm.flood_reason.find("in 24 h >= 10 mm"), std::string::npos) << jm.flood_reason;
  EXPECT_TRUE(std::isnan(jm.antecedent_mm));
  // 150 mm already fell over Jiangmen: raised one level.
  LiveRain wet;
  wet.start_utc = h.now_utc - 24 * 3600;
  wet.end_utc = h.now_utc;
  for (const geo::LatLon& p : Regions().SamplePoints(*Regions().Find("440700"))) {
    wet.points.push_back(p);
    wet.mm.push_back(150.0);
  }
  in.antecedent = &wet;
  const Hazard raised = ComputeHazard(hc.analog, Regions(), HazardOptions{}, in);
  const RegionHazard& jm2 = Get(raised, "Jiangmen");
  EXPECT_NEAR(jm2.antecedent_mm, 150.0, 1e-9);
  EXPECT_EQ(jm2.flood_level, 2);
  EXPECT_NE(jm2.flood_reason.find("antecedent 150 mm"), std::string::npos) << jm2.flood_reason;
  EXPECT_TRUE(std::isnan(Get(raised, "Meizhou").antecedent_mm));
}

}  // namespace
}  // namespace taifeng::core

namespace taifeng::core {
namespace {

// CMA 0411 with its real CHM_PRE rain: matched against the archive with its own observed rain.
TEST_F(HazardArchiveTest, RainfallTermFindsTheStormWithTheSameObservedRain) {
  const data::Archive& a = **archive_;
  const std::size_t i0411 = *a.Find("CMA:2004-0014");
  data::Storm s = a.StormAt(i0411);
  const std::int64_t now = Utc(2004, 7, 27, 0);
  std::erase_if(s.fixes, [&](const data::Fix& f) { return f.time_utc > now; });
  data::RainGrid grid = data::ReadRainFile(std::string(TAIFENG_SAMPLES_DIR) + "/rainfall/pre_0411.nc", {});
  for (auto& id : grid.storm) id = "CMA:2004-0014";
  const LiveRain live_rain = LiveRainFromGrid(grid, now);
  EXPECT_EQ(live_rain.end_utc, now);
  EXPECT_EQ(live_rain.points.size(), 1583u);  // the cells with rain on 26 July
  std::vector<const data::RainGrid*> observed(a.storm_count(), nullptr);
  observed[i0411] = &grid;
  MatchOptions mo;
  mo.window_h = 18;
  mo.top_k = 5;
  std::vector<double> terms;
  const MatchResult r = MatchWithRain(**index_, LiveSegment(s, 18), mo, {}, live_rain, observed, {}, &terms);
  ASSERT_EQ(r.analogs.size(), 5u);
  ASSERT_EQ(terms.size(), 5u);
  EXPECT_EQ(r.analogs[0].id, "CMA:2004-0014");
  EXPECT_NEAR(terms[0], 0.0, 1e-6);  // the same observed rain over the same day
  for (std::size_t k = 1; k < terms.size(); ++k) EXPECT_GT(terms[k], 0.05) << r.analogs[k].id;
  for (std::size_t k = 1; k < r.analogs.size(); ++k) EXPECT_GE(r.analogs[k].score, r.analogs[k - 1].score);
  // Rain that looks nothing like 0411's (all of it far to the west) lowers 0411's standing.
  LiveRain elsewhere = live_rain;
  for (std::size_t k = 0; k < elsewhere.mm.size(); ++k) elsewhere.mm[k] = elsewhere.points[k].lon_deg < 112 ? 80.0 : 0.0;
  EXPECT_GT(RainTerm(elsewhere, AnalogStageRain(**index_, r.analogs[0], elsewhere, &grid)), 0.4);
  RainMatchOptions heavy;
  heavy.w_rain = 10.0;
  const MatchResult r2 = MatchWithRain(**index_, LiveSegment(s, 18), mo, {}, elsewhere, observed, heavy);
  EXPECT_NE(r2.analogs[0].id, "CMA:2004-0014");
}

}  // namespace
}  // namespace taifeng::core
