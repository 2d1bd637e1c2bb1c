// taifeng risk build, show and compare, through the CLI: the same atlas on one process and on two
// MPI ranks (mpirun -n 2 --oversubscribe, real ranks), the bad inputs refused before anything is
// written, a failing machine; and forecast and warning verification with their seasons split over
// two ranks.
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "cli_fixture.h"
#include "taifeng/data/atlas.h"

namespace taifeng_cli_test {

namespace {

// mpirun as root needs OpenMPI's explicit consent (CI runs as root).
// OpenMPI's own allocations at MPI_Init are not freed at exit: no leak check of the ranks.
std::string Mpirun() {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 mpirun -n 2 --oversubscribe -x OMP_NUM_THREADS=1 "
         "-x ASAN_OPTIONS ";
}

std::string Stations() { return std::string(TAIFENG_SAMPLES_DIR) + "/risk/gb50009_2012_stations.csv"; }

}  // namespace

TEST_F(CliTest, RiskAtlasIsBitForBitTheSameOnOneProcessAndTwoMpiRanks) {
  ASSERT_EQ(Shell("command -v mpirun", false).status, 0) << "OpenMPI's mpirun (scripts/setup.sh installs openmpi-bin)";
  const std::string one = (*dir_ / "risk-1.h5").string(), two = (*dir_ / "risk-2.h5").string();
  const std::string args = " risk build --archive " + *archive_ + " --years 24 --seed 7 --bootstrap 200 --grid 1 --bbox 18,108,26,120 --json --points " +
                           Stations();
  const CommandResult r1 = Shell("OMP_NUM_THREADS=2 " + Cli() + args + " --out " + one + " --csv " + (*dir_ / "risk-csv").string() +
                                     " --geotiff " + (*dir_ / "risk-maps").string() + " --maps " + (*dir_ / "risk-svg").string(),
                                 false);
  ASSERT_EQ(r1.status, 0) << r1.out;
  const CommandResult r2 = Shell(Mpirun() + Cli() + args + " --out " + two, false);
  ASSERT_EQ(r2.status, 0) << r2.out;
  const json s1 = json::parse(r1.out), s2 = json::parse(r2.out);
  EXPECT_EQ(s1["ranks"], 1);
  EXPECT_EQ(s2["ranks"], 2);
  EXPECT_EQ(s1["synthetic_storms"], s2["synthetic_storms"]);
  EXPECT_GT(s1["synthetic_storms"].get<int>(), 24 * 10);
  const taifeng::data::Atlas a = taifeng::data::ReadAtlas(one), b = taifeng::data::ReadAtlas(two);
  ASSERT_EQ(a.sites(), 23u + 16u + 8u * 12u);  // the regions, the load code's stations, then the 1° grid
  EXPECT_EQ(a.code[23], "gb50009:guangzhou");
  EXPECT_EQ(a.kind[23], 2);
  EXPECT_EQ(a.grid->first_site, 39);
  ASSERT_TRUE(a.grid);
  EXPECT_EQ(a.grid->nlat, 8);
  ASSERT_EQ(a.quantities.size(), 4u);
  for (std::size_t q = 0; q < 4; ++q) {
    EXPECT_EQ(a.quantities[q].counts, b.quantities[q].counts) << a.quantities[q].name;
    EXPECT_EQ(a.quantities[q].level, b.quantities[q].level) << a.quantities[q].name;
    EXPECT_EQ(a.quantities[q].low, b.quantities[q].low) << a.quantities[q].name;
  }
  EXPECT_EQ(a.periods_years, (std::vector<double>{10, 20, 50, 100, 200, 500, 1000}));
  // Hong Kong's 10-year wind: a gale or more (HKO raised No. 8 or higher 38 times in 2000-2022).
  const auto hk = a.Site("810000");
  ASSERT_TRUE(hk);
  const auto* wind = a.Find("wind_ms");
  EXPECT_GT(wind->level[*hk * 7], 17.2);
  EXPECT_LE(wind->low[*hk * 7], wind->level[*hk * 7]);
  EXPECT_GE(wind->high[*hk * 7], wind->level[*hk * 7]);
  for (std::size_t p = 1; p < 7; ++p) EXPECT_GE(wind->level[*hk * 7 + p], wind->level[*hk * 7 + p - 1]) << "levels rise with the period";
  // The 3-second gust: the mean times the exposure's factor (1.23 at sea to 1.38 on the coast).
  const auto* gust = a.Find("gust_ms");
  ASSERT_NE(gust, nullptr);
  EXPECT_GT(gust->level[*hk * 7], 1.15 * wind->level[*hk * 7]);
  EXPECT_LT(gust->level[*hk * 7], 1.45 * wind->level[*hk * 7]);
  const CommandResult show = Shell(Cli() + " risk show 'Hong Kong' --atlas " + one, false);
  ASSERT_EQ(show.status, 0) << show.out;
  EXPECT_NE(show.out.find("MODELLED"), std::string::npos);
  EXPECT_NE(show.out.find("wind, 10-min mean, m/s"), std::string::npos);
  EXPECT_TRUE(fs::exists(*dir_ / "risk-csv" / "wind_ms.csv"));
  std::size_t maps = 0;
  for (const auto& e : fs::directory_iterator(*dir_ / "risk-maps")) maps += e.path().extension() == ".tif" ? 1 : 0;
  EXPECT_EQ(maps, 4u * 7u) << "a GeoTIFF per quantity and period";
  EXPECT_TRUE(fs::exists(*dir_ / "risk-maps" / "wind_ms_100y.tif"));
  EXPECT_NE(Shell(Cli() + " risk show Atlantis --atlas " + one).status, 0);
  // A map image per quantity and period: the regions filled, the stations labelled, said modelled.
  maps = 0;
  for (const auto& e : fs::directory_iterator(*dir_ / "risk-svg")) maps += e.path().extension() == ".svg" ? 1 : 0;
  EXPECT_EQ(maps, 4u * 7u);
  std::ifstream svg_in(*dir_ / "risk-svg" / "wind_ms_50y.svg");
  const std::string svg((std::istreambuf_iterator<char>(svg_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(svg.find("50-year"), std::string::npos);
  EXPECT_NE(svg.find("MODELLED: 24 synthetic years"), std::string::npos);
  EXPECT_NE(svg.find("Shangchuan Island"), std::string::npos);
  EXPECT_NE(svg.find("fill=\"#"), std::string::npos) << "some region or cell is filled";
  // The load code's 50-year wind at its stations: v0 = sqrt(1600 w0), Guangzhou 0.50 kN/m² -> 28.3 m/s.
  const CommandResult cmp = Shell(Cli() + " risk compare --atlas " + one + " --reference " + Stations() + " --json", false);
  ASSERT_EQ(cmp.status, 0) << cmp.out;
  const json cj = json::parse(cmp.out);
  ASSERT_EQ(cj["rows"].size(), 16u);
  EXPECT_EQ(cj["rows"][0]["name_en"], "Guangzhou");
  EXPECT_NEAR(cj["rows"][0]["code_wind_ms"].get<double>(), 28.28, 0.01);
  EXPECT_EQ(cj["rows"][0]["atlas_wind_ms"], wind->level[23 * 7 + 2]);
  const fs::path elsewhere = *dir_ / "elsewhere.csv";
  std::ofstream(elsewhere) << "code,name,name_en,lat_deg,lon_deg,w0_50y_kn_m2\nx:1,x,X,22,114,0.5\n";
  const CommandResult missing = Shell(Cli() + " risk compare --atlas " + two + " --reference " + elsewhere.string());
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.out.find("no site x:1"), std::string::npos) << missing.out;
  // Against the record: every region at 2, 5, 10 and 20 years, and the storms near Hong Kong.
  const CommandResult v = Shell(Cli() + " risk validate --atlas " + one + " --archive " + *archive_ + " --bootstrap 100 --json", false);
  ASSERT_EQ(v.status, 0) << v.out;
  const json vj = json::parse(v.out);
  EXPECT_EQ(vj["rows"].size(), 23u * 4u);
  EXPECT_EQ(vj["storms_within_300km_of_hong_kong"]["record"]["years"], 74);
  EXPECT_EQ(vj["storms_within_300km_of_hong_kong"]["catalog"]["years"], 24);
  EXPECT_GT(vj["storms_within_300km_of_hong_kong"]["record"]["mean"].get<double>(), 2.0);
  EXPECT_GT(vj["pairs_inside"].get<int>(), 23);
}

TEST_F(CliTest, RiskBuildRefusesBadJobsAndWritesNothing) {
  const std::string out = (*dir_ / "risk-refused.h5").string();
  const std::string base = Cli() + " risk build --archive " + *archive_ + " --out " + out;
  CommandResult r = Shell(base + " --years 0");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--years"), std::string::npos) << r.out;
  // A domain no storm of the archive comes near (the South Atlantic).
  r = Shell(base + " --years 10 --regions none --grid 1 --bbox -40,-30,-30,-20");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("comes within"), std::string::npos) << r.out;
  // A grid too large for the memory given: refused with the estimate, before any work.
  r = Shell(base + " --years 10 --grid 0.02 --bbox 0,100,45,160 --memory-limit 2000");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("would need about"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MB"), std::string::npos);
  // A points file with a latitude out of range: the file, line and field named.
  const fs::path bad_points = *dir_ / "bad-points.csv";
  std::ofstream(bad_points) << "code,name,name_en,lat_deg,lon_deg\np1,a,A,22.3,114.2\np2,b,B,95,114\n";
  r = Shell(base + " --years 10 --points " + bad_points.string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("bad-points.csv"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lat_deg"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(":3"), std::string::npos) << r.out;
  r = Shell(base + " --years 10 --grid 1 --bbox 30,100,20,110");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("--bbox"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(*dir_)) EXPECT_EQ(e.path().filename().string().find(".risk-refused"), std::string::npos);
}

// Across machines: a hostfile whose machine cannot be reached, and a machine that starts but lacks
// the archive (rank 1 given another path, as a machine without the file would be). Either way the
// job fails whole, says why, and nothing is written.
TEST_F(CliTest, RiskBuildOnRanksFailsWholeWhenAMachineFails) {
  ASSERT_EQ(Shell("command -v mpirun", false).status, 0) << "OpenMPI's mpirun (scripts/setup.sh installs openmpi-bin)";
  const std::string out = (*dir_ / "risk-ranks-failed.h5").string();
  const fs::path hosts = *dir_ / "hostfile";
  std::ofstream(hosts) << "localhost slots=1\nnosuchhost.invalid slots=1\n";
  const std::string job = " risk build --years 10 --regions none --grid 1 --bbox 18,108,26,120 --out " + out;
  CommandResult r = Shell("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 mpirun -n 2 --hostfile " + hosts.string() + " " + Cli() +
                          job + " --archive " + *archive_);
  EXPECT_NE(r.status, 0);
  EXPECT_FALSE(r.out.empty()) << "mpirun says which machine it could not start";
  EXPECT_FALSE(fs::exists(out));
  const std::string missing = (*dir_ / "not-on-this-machine.h5").string();
  r = Shell("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 ASAN_OPTIONS=detect_leaks=0 timeout 120 mpirun --oversubscribe -x OMP_NUM_THREADS=1 "
            "-x ASAN_OPTIONS -n 1 " + Cli() + job + " --archive " + *archive_ + " : -n 1 " + Cli() + job + " --archive " + missing);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("not-on-this-machine.h5"), std::string::npos) << "every rank reports the failing rank's error: " << r.out;
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(*dir_)) EXPECT_EQ(e.path().filename().string().find(".risk-ranks-failed"), std::string::npos);
}

// Forecast verification on ranks: the seasons split over two MPI ranks, the same tables as one
// process, number for number.
TEST_F(CliTest, VerifyOnTwoMpiRanksGivesTheOneProcessTables) {
  ASSERT_EQ(Shell("command -v mpirun", false).status, 0) << "OpenMPI's mpirun (scripts/setup.sh installs openmpi-bin)";
  const std::string job = " verify --archive " + *archive_ + " --seasons 2021-2022 --leave-one-season-out --agency CMA --json";
  const CommandResult one = Shell(Cli() + job, false), two = Shell(Mpirun() + Cli() + job, false);
  ASSERT_EQ(one.status, 0) << one.out;
  ASSERT_EQ(two.status, 0) << two.out;
  const json a = json::parse(one.out), b = json::parse(two.out);
  EXPECT_GT(a["forecasts"].get<int>(), 500);
  EXPECT_EQ(a["storms"], b["storms"]);
  EXPECT_EQ(a["forecasts"], b["forecasts"]);
  EXPECT_EQ(a["leads"], b["leads"]);
  EXPECT_NE(b["what"].get<std::string>().find("on 2 MPI ranks"), std::string::npos);
  EXPECT_NE(Shell(Mpirun() + Cli() + " verify --archive " + *archive_ + " --tracks " + Samples() + "/atcf/bwp262018.dat").status, 0)
      << "--tracks runs on one process";
}

// Warning verification on ranks: the storms' seasons split over two MPI ranks, the replays gathered
// on rank 0, the same tables and storms as one process.
TEST_F(CliTest, WarnVerifyOnTwoMpiRanksGivesTheOneProcessTables) {
  ASSERT_EQ(Shell("command -v mpirun", false).status, 0) << "OpenMPI's mpirun (scripts/setup.sh installs openmpi-bin)";
  const std::string job = " warn verify --archive " + *archive_ + " --agency CMA --seasons 2017-2018 --modes best-track --rain-seasons none --json";
  const CommandResult one = Shell(Cli() + job, false), two = Shell(Mpirun() + Cli() + job + " --jobs 1", false);
  ASSERT_EQ(one.status, 0) << one.out;
  ASSERT_EQ(two.status, 0) << two.out;
  json a = json::parse(one.out), b = json::parse(two.out);
  EXPECT_EQ(a["ranks"], 1);
  EXPECT_EQ(b["ranks"], 2);
  EXPECT_GE(a["storms"].get<int>(), 20);
  EXPECT_EQ(a["modes"][0]["no8"]["hits"], 6) << "2017-2018: HKO's six No. 8 storms";
  for (json* j : {&a, &b})
    for (const char* k : {"elapsed_s", "jobs", "ranks"}) j->erase(k);
  EXPECT_EQ(a, b);
}

}  // namespace taifeng_cli_test
