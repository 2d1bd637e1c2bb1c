#include "taifeng/core/forecast.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "cma_sample.h"
#include "taifeng/core/cliper.h"
#include "taifeng/core/verify.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"
#include "taifeng/geo/geodesy.h"

namespace taifeng::core {
namespace {

std::int64_t Utc(int y, int m, int d, int h) { return *taifeng::UtcSeconds(y, m, d, h); }

TrackPoint Point(std::int64_t t, double lat, double lon, double wind = 30, double pres = 980) {
  return {t, lat, lon, wind, pres};
}

TEST(Persistence, ContinuesTheLast12HoursOfMotion) {
  const std::int64_t t0 = Utc(2020, 8, 1, 0);
  // Due north at 1 degree per 6 h along 120E: +24 h is 4 degrees (444.8 km) further north.
  std::vector<TrackPoint> track;
  for (int i = 0; i < 5; ++i) track.push_back(Point(t0 + i * 6 * 3600, 15.0 + i, 120.0));
  const Forecast f = PersistenceForecast(track, 48);
  ASSERT_EQ(f.points.size(), 8u);
  const ForecastPoint* p24 = f.At(24);
  ASSERT_NE(p24, nullptr);
  EXPECT_EQ(p24->time_utc, t0 + 48 * 3600);
  EXPECT_NEAR(p24->lon_deg, 120.0, 1e-6);
  // 12 h covered 2 degrees; 24 h covers twice that geodesic distance.
  const double d12 = geo::DistanceKm(17.0, 120.0, 19.0, 120.0);
  EXPECT_NEAR(geo::DistanceKm(19.0, 120.0, p24->lat_deg, p24->lon_deg), 2 * d12, 0.5);
  EXPECT_DOUBLE_EQ(p24->wind_ms, 30.0);
  // Crossing the antimeridian eastwards keeps moving east.
  std::vector<TrackPoint> east;
  for (int i = 0; i < 3; ++i) east.push_back(Point(t0 + i * 6 * 3600, 20.0, 179.0 + 0.5 * i));
  const Forecast fe = PersistenceForecast(east, 12);
  EXPECT_NEAR(fe.At(12)->lon_deg, -179.0, 0.05);
  EXPECT_THROW(PersistenceForecast({track.back()}, 24), Error);
}

MatchResult TwoAnalogs() {
  // Analog A moves east 1 degree of longitude per 6 h along the equator; B moves north 1 degree
  // per 6 h; A scores better.
  MatchResult m;
  const std::int64_t t = Utc(1990, 8, 1, 0);
  Analog a, b;
  a.id = "A", b.id = "B";
  a.score = 0.1, b.score = 0.1 + 0.5 * std::log(3.0);  // weights 3:1 at temperature 0.5
  for (int i = 0; i <= 4; ++i) {
    a.next.push_back(Point(t + i * 6 * 3600, 0.0, 130.0 + i, 30 + i, 990 - i));
    b.next.push_back(Point(t + i * 6 * 3600, 10.0 + i, 150.0, 30, 990));
  }
  a.matched_utc = b.matched_utc = t;
  m.analogs = {a, b};
  return m;
}

// The options these hand-computed tests were written for: weights 3:1, no motion alignment, an
// uncalibrated cone.
ForecastOptions Plain() {
  ForecastOptions o;
  o.min_members = 2;
  o.weight_temperature = 0.5;
  o.align_motion_h = 0;
  o.cone_scale.clear();
  return o;
}

// The official track as the spine: positions become the official ones, every member moves by the
// same displacement (its spread kept), the cone is the official error (HKO 2015-2023: 74 km at
// 24 h), winds come from the official track where it has them, and nothing goes past its end.
TEST(OfficialTrack, RecentresTheEnsembleAndKeepsItsSpread) {
  const std::int64_t t0 = 1536969600;
  Forecast analog;
  analog.method = "analog";
  analog.now = {t0, 19.0, 118.0, 45, 950};
  for (int lead = 6; lead <= 72; lead += 6)
    analog.points.push_back({lead, t0 + lead * 3600LL, 19.0 + 0.1 * lead / 6, 118.0 - 0.5 * lead / 6, 300, 40, 955, 2});
  for (const double offset : {-0.5, 0.5}) {
    Member m;
    m.weight = 0.5;
    m.track.push_back(analog.now);
    for (const auto& p : analog.points) m.track.push_back({p.time_utc, p.lat_deg + offset, p.lon_deg, 40, 955});
    analog.members.push_back(m);
  }
  OfficialTrack official;
  official.source = "a test forecast";
  official.points = {analog.now, {t0 + 24 * 3600, 21.4, 116.0, 38, std::nan("")}, {t0 + 48 * 3600, 23.8, 114.0, 25, 985}};
  const Forecast f = OnOfficialTrack(analog, official);
  EXPECT_EQ(f.method, "analog on a test forecast");
  ASSERT_EQ(f.points.size(), 8u);  // to +48 h only
  const ForecastPoint* p24 = f.At(24);
  ASSERT_TRUE(p24);
  EXPECT_DOUBLE_EQ(p24->lat_deg, 21.4);
  EXPECT_DOUBLE_EQ(p24->lon_deg, 116.0);
  EXPECT_DOUBLE_EQ(p24->cone_km, 74.0);
  EXPECT_DOUBLE_EQ(p24->wind_ms, 38.0);
  EXPECT_DOUBLE_EQ(p24->pressure_hpa, 955.0) << "no official pressure: the ensemble's";
  EXPECT_NEAR(f.At(12)->lat_deg, 19.0 + 2.4 / 2, 1e-9) << "interpolated in time";
  EXPECT_NEAR(f.At(36)->cone_km, 101.0, 1e-9);
  for (std::size_t k = 0; k < 2; ++k) {
    const Member& m = f.members[k];
    ASSERT_EQ(m.track.size(), 9u);  // lead 0 to +48 h
    EXPECT_NEAR(m.track[4].lat_deg, 21.4 + (k == 0 ? -0.5 : 0.5), 1e-9) << "the spread about the official track is kept";
    EXPECT_NEAR(m.track[4].lon_deg, 116.0, 1e-9);
  }
  EXPECT_NEAR(OfficialCone{}.At(120), 195.0 + 48 * (195.0 - 128.0) / 24, 1e-9) << "extrapolated beyond 72 h";
  // An official track that does not start at the forecast's time, or goes back in time, is refused.
  OfficialTrack late = official;
  late.points.front().time_utc += 3600;
  EXPECT_THROW(OnOfficialTrack(analog, late), Error);
  OfficialTrack back = official;
  std::swap(back.points[1], back.points[2]);
  EXPECT_THROW(OnOfficialTrack(analog, back), Error);
}

TEST(AnalogForecast, ReplaysEachAnalogsMotionFromTheLivePosition) {
  ForecastOptions o = Plain();
  const TrackPoint now = Point(Utc(2020, 9, 1, 0), 20.0, 120.0, 40, 970);
  const Forecast f = AnalogForecast(TwoAnalogs(), now, o);
  ASSERT_EQ(f.members.size(), 2u);
  EXPECT_NEAR(f.members[0].weight, 0.75, 1e-9);
  EXPECT_NEAR(f.members[1].weight, 0.25, 1e-9);
  // Member A moved east by the geodesic step of 1 degree of longitude at the equator (111.3 km).
  const TrackPoint& a1 = f.members[0].track[1];
  EXPECT_NEAR(geo::DistanceKm(20.0, 120.0, a1.lat_deg, a1.lon_deg), geo::DistanceKm(0, 130, 0, 131), 0.01);
  EXPECT_GT(a1.lon_deg, 120.0);
  // Intensity changes are the analog's, added to the live values.
  EXPECT_NEAR(f.members[0].track[4].wind_ms, 44.0, 1e-9);
  EXPECT_NEAR(f.members[0].track[4].pressure_hpa, 966.0, 1e-9);
  ASSERT_EQ(f.points.size(), 4u);  // +6 … +24 h, then the members end
  const ForecastPoint& p = f.points[3];
  EXPECT_EQ(p.lead_h, 24);
  EXPECT_EQ(p.members, 2u);
  EXPECT_NEAR(p.wind_ms, 0.75 * 44 + 0.25 * 40, 1e-9);
  // The mean lies between the members, nearer A; the 67% cone reaches A (75% of the weight) but
  // not B.
  const TrackPoint& a4 = f.members[0].track[4];
  const TrackPoint& b4 = f.members[1].track[4];
  const double to_a = geo::DistanceKm(p.lat_deg, p.lon_deg, a4.lat_deg, a4.lon_deg);
  const double to_b = geo::DistanceKm(p.lat_deg, p.lon_deg, b4.lat_deg, b4.lon_deg);
  EXPECT_LT(to_a, to_b);
  EXPECT_NEAR(p.cone_km, to_a, 1e-6);
  EXPECT_THROW(AnalogForecast(MatchResult{}, now, o), Error);
  // Too few members: no forecast points.
  o.min_members = 3;
  EXPECT_TRUE(AnalogForecast(TwoAnalogs(), now, o).points.empty());
}

TEST(AnalogForecast, AlignsMembersWithTheLiveMotionAndScalesTheCone) {
  // The live storm moved north 1 degree per 6 h; analog A was moving east (heading 90) at the
  // same speed, analog B north at half the speed. Aligned, A's first step turns north by the full
  // 90 degrees (decay 1 at +0 h) and B's doubles in length.
  MatchResult m = TwoAnalogs();
  const std::int64_t t = m.analogs[0].matched_utc;
  m.analogs[0].matched = {Point(t - 12 * 3600, 0.0, 128.0), Point(t - 6 * 3600, 0.0, 129.0), m.analogs[0].next[0]};
  m.analogs[1].matched = {Point(t - 12 * 3600, 9.0, 150.0), Point(t - 6 * 3600, 9.5, 150.0), m.analogs[1].next[0]};
  const TrackPoint now = Point(Utc(2020, 9, 1, 0), 20.0, 120.0, 40, 970);
  m.live = {Point(now.time_utc - 12 * 3600, 18.0, 120.0), Point(now.time_utc - 6 * 3600, 19.0, 120.0), now};
  ForecastOptions o = Plain();
  o.align_motion_h = 24;
  const Forecast f = AnalogForecast(m, now, o);
  const TrackPoint& a1 = f.members[0].track[1];
  const geo::GeodesicLine step_a = geo::Inverse(20.0, 120.0, a1.lat_deg, a1.lon_deg);
  EXPECT_NEAR(step_a.azimuth1_deg, 0.0, 0.5);  // was 90: turned by the live-minus-analog heading
  // Speed ratio: live 2 degrees of latitude per 12 h against the analog's 2 degrees of longitude
  // at the equator (nearly the same distance).
  EXPECT_NEAR(step_a.distance_km, geo::DistanceKm(0, 130, 0, 131) * geo::DistanceKm(18, 120, 20, 120) /
                                      geo::DistanceKm(0, 128, 0, 130), 0.5);
  // The second step's correction has decayed by exp(-6/24).
  const TrackPoint& a2 = f.members[0].track[2];
  EXPECT_NEAR(geo::Inverse(a1.lat_deg, a1.lon_deg, a2.lat_deg, a2.lon_deg).azimuth1_deg, 90 - 90 * std::exp(-0.25), 1.0);
  const TrackPoint& b1 = f.members[1].track[1];
  EXPECT_NEAR(geo::DistanceKm(20.0, 120.0, b1.lat_deg, b1.lon_deg), 2 * geo::DistanceKm(10, 150, 11, 150), 1.0);
  // Without the analog's own motion (no matched segment) a member is left as it was.
  m.analogs[1].matched.clear();
  const Forecast g = AnalogForecast(m, now, o);
  EXPECT_NEAR(geo::DistanceKm(20.0, 120.0, g.members[1].track[1].lat_deg, g.members[1].track[1].lon_deg),
              geo::DistanceKm(10, 150, 11, 150), 0.5);
  // The cone calibration multiplies the radius.
  ForecastOptions scaled = Plain();
  scaled.cone_scale.assign(20, 0.5);
  const Forecast h = AnalogForecast(TwoAnalogs(), now, Plain()), hs = AnalogForecast(TwoAnalogs(), now, scaled);
  EXPECT_NEAR(hs.At(24)->cone_km, 0.5 * h.At(24)->cone_km, 1e-9);
}

TEST(AnalogForecast, ChainedMeanDoesNotJumpWhenAMemberEnds) {
  // B ends after +12 h. Averaging positions, the mean jumps to A at +18 h; chained, it moves on
  // from the +12 h mean by A's step (1 degree of longitude at the equator, 111.3 km, due east).
  MatchResult m = TwoAnalogs();
  m.analogs[1].next.resize(3);
  ForecastOptions o = Plain();
  o.min_members = 1;
  const TrackPoint now = Point(Utc(2020, 9, 1, 0), 20.0, 120.0, 40, 970);
  const Forecast plain = AnalogForecast(m, now, o);
  o.chain_mean = true;
  const Forecast chained = AnalogForecast(m, now, o);
  const ForecastPoint &p12 = *chained.At(12), &p18 = *chained.At(18);
  EXPECT_NEAR(p12.lat_deg, plain.At(12)->lat_deg, 0.05);  // same members: nearly the same mean
  const geo::GeodesicLine step = geo::Inverse(p12.lat_deg, p12.lon_deg, p18.lat_deg, p18.lon_deg);
  EXPECT_NEAR(step.distance_km, geo::DistanceKm(0, 130, 0, 131), 0.01);
  EXPECT_NEAR(step.azimuth1_deg, 90.0, 0.01);
  EXPECT_EQ(p18.members, 1u);
  // The plain mean is member A itself at +18 h, far from the chained one.
  const TrackPoint& a3 = plain.members[0].track[3];
  EXPECT_NEAR(plain.At(18)->lat_deg, a3.lat_deg, 1e-9);
  EXPECT_GT(geo::DistanceKm(a3.lat_deg, a3.lon_deg, p18.lat_deg, p18.lon_deg), 50.0);
  // Intensity moves on by A's change (+1 m/s per 6 h) from the +12 h mean.
  EXPECT_NEAR(p18.wind_ms, p12.wind_ms + 1.0, 1e-9);
}

TEST(AnalogForecast, ConsensusWithCliperMovesPositionsOnly) {
  const TrackPoint now = Point(Utc(2020, 9, 1, 0), 20.0, 120.0, 40, 970);
  Forecast f = AnalogForecast(TwoAnalogs(), now, Plain());
  const ForecastPoint before = *f.At(24);
  Forecast other;
  other.points.push_back({24, before.time_utc, 22.0, 122.0, std::nan(""), 10.0, 1000.0, 1});
  BlendPositions(f, other, 0.5);
  const ForecastPoint& after = *f.At(24);
  // Halfway on the sphere: equidistant from both, on the great circle between them.
  const double d1 = geo::DistanceKm(before.lat_deg, before.lon_deg, after.lat_deg, after.lon_deg);
  const double d2 = geo::DistanceKm(22.0, 122.0, after.lat_deg, after.lon_deg);
  EXPECT_NEAR(d1, d2, 0.01);
  EXPECT_NEAR(d1 + d2, geo::DistanceKm(before.lat_deg, before.lon_deg, 22.0, 122.0), 0.01);
  EXPECT_EQ(after.cone_km, before.cone_km);
  EXPECT_EQ(after.wind_ms, before.wind_ms);
  EXPECT_EQ(f.At(6)->lat_deg, AnalogForecast(TwoAnalogs(), now, Plain()).At(6)->lat_deg);  // no CLIPER point there
}

TEST(AnalogForecast, BlendsPersistenceAtShortLeads) {
  ForecastOptions o = Plain();
  o.persistence_weight_6h = 1.0;
  o.persistence_until_h = 12;
  const TrackPoint now = Point(Utc(2020, 9, 1, 0), 20.0, 120.0);
  Forecast f = AnalogForecast(TwoAnalogs(), now, o);
  const ForecastPoint at12 = *f.At(12);
  std::vector<TrackPoint> history = {Point(now.time_utc - 12 * 3600, 18.0, 120.0),
                                     Point(now.time_utc - 6 * 3600, 19.0, 120.0), now};
  const Forecast p = PersistenceForecast(history, 24);
  BlendPersistence(f, p, o);
  EXPECT_NEAR(f.At(6)->lat_deg, p.At(6)->lat_deg, 1e-9);  // weight 1 at +6 h
  EXPECT_NEAR(f.At(12)->lat_deg, at12.lat_deg, 1e-12);    // weight 0 from persistence_until_h
}

TEST(SetOption, NamesEveryOptionAndRefusesUnknownOnes) {
  MatchOptions m;
  ForecastOptions f;
  SetOption(m, f, "w_shape=2.5");
  SetOption(m, f, "top_k=25");
  SetOption(m, f, "persistence_until_h=36");
  EXPECT_DOUBLE_EQ(m.w_shape, 2.5);
  EXPECT_EQ(m.top_k, 25);
  EXPECT_EQ(f.persistence_until_h, 36);
  EXPECT_THROW(SetOption(m, f, "w_nothing=1"), Error);
  EXPECT_THROW(SetOption(m, f, "top_k=2.5"), Error);
  EXPECT_THROW(SetOption(m, f, "w_shape=abc"), Error);
  EXPECT_THROW(SetOption(m, f, "w_shape"), Error);
}

using ForecastArchiveTest = testing::CmaArchiveTest;

// Leave-one-season-out from one pass: the model without 2018 (and without 2017) forecasts as a
// refit without that season does, to metres (only the 1e-6 ridge and the standardisation differ).
TEST_F(ForecastArchiveTest, CliperLeavingOutEachSeasonMatchesARefitWithoutIt) {
  const auto models = CliperModel::FitLeavingOut(**index_, {}, {2017, 2018});
  ASSERT_EQ(models.size(), 2u);
  const data::Archive& a = **archive_;
  data::Storm mangkhut = a.StormAt(*a.Find("CMA:2018-0026"));
  std::erase_if(mangkhut.fixes, [&](const data::Fix& f) { return f.time_utc > Utc(2018, 9, 14, 0); });
  const auto observed = LiveSegment(mangkhut, 24);
  for (int season : {2017, 2018}) {
    MatchFilter without;
    without.exclude_seasons = {season};
    const CliperModel refit = CliperModel::Fit(**index_, without);
    EXPECT_EQ(models.at(season).cases(24), refit.cases(24)) << season;
    EXPECT_EQ(models.at(season).cases(120), refit.cases(120)) << season;
    const auto one = models.at(season).Predict(observed), two = refit.Predict(observed);
    ASSERT_TRUE(one && two);
    for (int lead : {24, 72, 120}) {
      EXPECT_LT(geo::DistanceKm(one->At(lead)->lat_deg, one->At(lead)->lon_deg, two->At(lead)->lat_deg, two->At(lead)->lon_deg), 0.05)
          << season << " +" << lead << " h";
      EXPECT_NEAR(one->At(lead)->wind_ms, two->At(lead)->wind_ms, 0.01);
    }
  }
  // Leaving out 2018 moves the forecast (the season's cases counted), so the test can fail.
  const CliperModel all = CliperModel::Fit(**index_);
  EXPECT_GT(all.cases(24), models.at(2018).cases(24));
}

TEST_F(ForecastArchiveTest, CliperForecastsMangkhutTowardsSouthChina) {
  MatchFilter without_2018;
  without_2018.exclude_seasons = {2018};
  const CliperModel model = CliperModel::Fit(**index_, without_2018);
  EXPECT_GT(model.cases(24), 30000u);
  EXPECT_GT(model.cases(24), model.cases(120));
  const data::Archive& a = **archive_;
  data::Storm mangkhut = a.StormAt(*a.Find("CMA:2018-0026"));
  const std::int64_t now = Utc(2018, 9, 14, 0);
  std::erase_if(mangkhut.fixes, [&](const data::Fix& f) { return f.time_utc > now; });
  const auto observed = LiveSegment(mangkhut, 24);
  const auto f = model.Predict(observed);
  ASSERT_TRUE(f.has_value());
  // Best track: 2018-09-15T00Z at 18.0N 123.1E (CMA), moving west-north-west.
  const ForecastPoint* p24 = f->At(24);
  ASSERT_NE(p24, nullptr);
  EXPECT_LT(geo::DistanceKm(p24->lat_deg, p24->lon_deg, 18.0, 123.1), 250.0);
  EXPECT_LT(p24->lon_deg, observed.back().lon_deg);  // westward
  // Stored with the archive and read back: identical forecasts; another archive is refused.
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("taifeng-cliper-" + std::to_string(::getpid()) + ".h5");
  data::WriteArchive(path, a);
  data::WriteArchiveModel(path, "cliper", model.ToModel(data::ArchiveFingerprint(a)));
  const auto stored = data::ReadArchiveModel(path, "cliper");
  ASSERT_TRUE(stored.has_value());
  EXPECT_FALSE(data::ReadArchiveModel(path, "other").has_value());
  const CliperModel back = CliperModel::FromModel(*stored, data::ArchiveFingerprint(a));
  EXPECT_DOUBLE_EQ(back.Predict(observed)->At(72)->lat_deg, f->At(72)->lat_deg);
  EXPECT_THROW(CliperModel::FromModel(*stored, "storms=1 fixes=2 created=x"), Error);
  EXPECT_EQ(data::LoadArchive(path).storm_count(), a.storm_count());  // the archive still loads
  std::filesystem::remove(path);
}

TEST_F(ForecastArchiveTest, LeaveOneSeasonOutVerificationIsHomogeneous) {
  VerifyOptions o;
  o.leads_h = {24, 72};
  const VerifyReport r = VerifyLeaveOneSeasonOut(**index_, 2018, 2018, o);
  EXPECT_GT(r.storms, 20u);
  EXPECT_GT(r.forecasts, 300u);
  ASSERT_EQ(r.leads.size(), 2u);
  const LeadScores& l24 = r.leads[0];
  EXPECT_GT(l24.cases, 200u);
  EXPECT_GT(l24.cases, r.leads[1].cases);
  // Every case has all three methods; each error is a real distance.
  std::size_t at24 = 0;
  for (const VerifyCase& c : r.cases) {
    if (c.lead_h != 24) continue;
    ++at24;
    for (double e : c.error_km) EXPECT_TRUE(std::isfinite(e));
    EXPECT_EQ(c.storm.rfind("CMA:2018-", 0), 0u);
  }
  EXPECT_EQ(at24, l24.cases);
  // Plausible 24 h errors for the western North Pacific (operational CLIPER: ~150-250 km).
  for (const MethodScores* m : {&l24.analog, &l24.cliper, &l24.persistence}) {
    EXPECT_GT(m->track_km, 80.0);
    EXPECT_LT(m->track_km, 400.0);
  }
  EXPECT_GE(l24.cone_coverage, 0.0);
  EXPECT_LE(l24.cone_coverage, 1.0);
  // Shares (MPI ranks): 2017-2018 split in two, the second share is season 2018 alone, and the
  // joined report is bit for bit the single worker's; a season in two shares is refused.
  VerifyOptions second = o;
  second.part = 1, second.parts = 2;
  const VerifyReport share = VerifyLeaveOneSeasonOut(**index_, 2017, 2018, second);
  EXPECT_EQ(share.storms, r.storms);
  ASSERT_EQ(share.cases.size(), r.cases.size());
  const VerifyReport joined = CombineReports({VerifyReport{}, share}, o);
  ASSERT_EQ(joined.leads.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(joined.leads[i].cases, r.leads[i].cases);
    EXPECT_EQ(joined.leads[i].analog.track_km, r.leads[i].analog.track_km);
    EXPECT_EQ(joined.leads[i].cliper.along_km, r.leads[i].cliper.along_km);
    EXPECT_EQ(joined.leads[i].persistence.wind_mae_ms, r.leads[i].persistence.wind_mae_ms);
    EXPECT_EQ(joined.leads[i].cone_coverage, r.leads[i].cone_coverage);
  }
  EXPECT_THROW(CombineReports({r, share}, o), Error);
  second.part = 2;
  EXPECT_THROW(VerifyLeaveOneSeasonOut(**index_, 2017, 2018, second), Error);
}

}  // namespace
}  // namespace taifeng::core
