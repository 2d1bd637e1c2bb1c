#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>

#include "taifeng/data/forecast.h"
#include "taifeng/data/import.h"
#include "taifeng/base/time_utc.h"
#include "taifeng/data/units.h"
#include "taifeng/base/error.h"
#include "taifeng/base/utf8.h"
#include "test_util.h"

namespace taifeng::data {
namespace {

using testing::FindById;
using testing::ImportAll;
using testing::ParseString;
using testing::Samples;

std::int64_t Utc(int y, int m, int d, int h) { return *UtcSeconds(y, m, d, h); }

// --- CMA ---------------------------------------------------------------------------------------

class CmaArchiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { result_ = new ImportResult(ImportAll(Format::Named("cma"), Samples() / "cma")); }
  static void TearDownTestSuite() { delete result_; }
  static ImportResult* result_;
};
ImportResult* CmaArchiveTest::result_ = nullptr;

TEST_F(CmaArchiveTest, CountsMatchTheFiles1949To2022) {
  const ImportResult& r = *result_;
  EXPECT_EQ(r.sources.size(), 74u);
  EXPECT_EQ(r.storms.size(), 2469u);
  EXPECT_EQ(r.records_read, 71705);
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_TRUE(r.warnings.empty());
  std::size_t fixes = 0, secondary = 0;
  for (const Storm& s : r.storms) {
    fixes += s.fixes.size();
    secondary += s.secondary_centre ? 1 : 0;
  }
  EXPECT_EQ(fixes, 71705u);
  EXPECT_EQ(secondary, 51u);
}

TEST_F(CmaArchiveTest, IdsAreUnique) {
  std::set<std::string> ids;
  for (const Storm& s : result_->storms) EXPECT_TRUE(ids.insert(s.id).second) << s.id;
}

TEST_F(CmaArchiveTest, NamesWithBracketsTwoCnNumbersAndSecondaryCentres) {
  const Storm* faye = FindById(*result_, "CMA:1971-0040");
  ASSERT_NE(faye, nullptr);
  EXPECT_EQ(faye->name, "Faye(Gloria)");
  EXPECT_EQ(faye->agency_number, "7127,7128");
  EXPECT_EQ(faye->intl_number, "");  // 0000 in the header
  EXPECT_FALSE(faye->secondary_centre);
  EXPECT_EQ(faye->fixes.size(), 26u);
  const Storm* second = FindById(*result_, "CMA:1971-0040-1");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->name, "Faye(Gloria)");
  EXPECT_TRUE(second->secondary_centre);
  EXPECT_EQ(second->fixes.size(), 18u);
}

TEST_F(CmaArchiveTest, HeaderWithoutNameAndNamelessStorms) {
  const Storm* s = FindById(*result_, "CMA:1997-0029");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "");
  EXPECT_EQ(s->agency_number, "9725");
  EXPECT_EQ(s->fixes.size(), 44u);
  const Storm* nameless = FindById(*result_, "CMA:1949-0003");
  ASSERT_NE(nameless, nullptr);
  EXPECT_EQ(nameless->name, "");
}

TEST_F(CmaArchiveTest, MangkhutValuesAndThreeHourlyRecords) {
  const Storm* m = FindById(*result_, "CMA:2018-0026");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->name, "MANGKHUT");
  EXPECT_EQ(m->intl_number, "1822");
  EXPECT_EQ(m->wind_averaging, WindAveraging::kTwoMinute);
  EXPECT_EQ(m->fixes.size(), 52u);
  EXPECT_EQ(m->source_file, "CH2018BST.txt");
  int off_synoptic = 0;
  for (const Fix& f : m->fixes) off_synoptic += (f.flags & kFixOffSynoptic) ? 1 : 0;
  EXPECT_GT(off_synoptic, 0);  // 03/09/15/21 UTC records near landfall
  float max_wind = 0;
  for (const Fix& f : m->fixes) max_wind = std::max(max_wind, std::isnan(f.wind_ms) ? 0.0f : f.wind_ms);
  EXPECT_FLOAT_EQ(max_wind, 65.0f);  // CMA 2-min peak for Mangkhut
}

TEST_F(CmaArchiveTest, WindBelow10MissingWindAndSeventhColumn) {
  // CH1950BST.txt line 266: "1950072718 0 222 1092  998       9   12"
  const Fix* fix = nullptr;
  for (const Storm& s : result_->storms) {
    for (const Fix& f : s.fixes) {
      if (s.source_file == "CH1950BST.txt" && f.source_line == 266) fix = &f;
    }
  }
  ASSERT_NE(fix, nullptr);
  EXPECT_EQ(fix->time_utc, Utc(1950, 7, 27, 18));
  EXPECT_DOUBLE_EQ(fix->lat_deg, 22.2);
  EXPECT_DOUBLE_EQ(fix->lon_deg, 109.2);
  EXPECT_TRUE(std::isnan(fix->wind_ms));
  EXPECT_TRUE(fix->flags & kFixWindBelow10Ms);
  EXPECT_FLOAT_EQ(fix->mean_wind_ms, 12.0f);
  EXPECT_FLOAT_EQ(fix->pressure_hpa, 998.0f);
  EXPECT_EQ(fix->category, Category::kDisturbance);
  int zero_wind_missing = 0;
  for (const Storm& s : result_->storms) {
    for (const Fix& f : s.fixes) {
      if (std::isnan(f.wind_ms) && !(f.flags & kFixWindBelow10Ms)) ++zero_wind_missing;
      if (!std::isnan(f.wind_ms)) EXPECT_GT(f.wind_ms, 0.0f);  // never a zero
    }
  }
  EXPECT_EQ(zero_wind_missing, 5909);  // WND=0 records, per the provenance count
}

TEST_F(CmaArchiveTest, LongitudesAreNormalised) {
  // CH1957BST.txt line 477: longitude 1960 (196.0°E) -> -164.0.
  bool found = false;
  for (const Storm& s : result_->storms) {
    for (const Fix& f : s.fixes) {
      EXPECT_GE(f.lon_deg, -180.0);
      EXPECT_LT(f.lon_deg, 180.0);
      if (s.source_file == "CH1957BST.txt" && f.source_line == 477) {
        EXPECT_NEAR(f.lon_deg, -164.0, 1e-9);
        found = true;
      }
    }
  }
  EXPECT_TRUE(found);
}

TEST(CmaParseTest, NameWithSpacesAndMissingFinalNewline) {
  const std::string text =
      "66666 0000    2 0007 0000 0 6 Big Storm (Two)           20110729\r\n"
      "1960062500 1 143 1113 1000      12\r\n"
      "1960062506 2 150 1105  995      18";  // no final newline
  ImportResult r = ParseString(Format::Named("cma"), text, true, "CH1960BST.txt");
  ASSERT_EQ(r.storms.size(), 1u);
  EXPECT_EQ(r.storms[0].name, "Big Storm (Two)");
  EXPECT_EQ(r.storms[0].id, "CMA:1960-0007");
  ASSERT_EQ(r.storms[0].fixes.size(), 2u);
  EXPECT_FLOAT_EQ(r.storms[0].fixes[1].wind_ms, 18.0f);
  EXPECT_EQ(r.storms[0].fixes[1].category, Category::kTropicalStorm);
}

TEST(CmaParseTest, StrictModeNamesFileLineAndField) {
  const std::string text =
      "66666 0000    2 0007 0000 0 6 TEST                    20110729\n"
      "1960062500 1 143 1113 1000      12\n"
      "1960062506 2 1X0 1105  995      18\n";
  try {
    ParseString(Format::Named("cma"), text, true, "CH1960BST.txt");
    FAIL() << "expected ParseError";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.file(), "CH1960BST.txt");
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.field(), "LAT");
    EXPECT_NE(std::string(e.what()).find("CH1960BST.txt:3: field LAT"), std::string::npos);
  }
}

TEST(CmaParseTest, LenientModeSkipsAndListsBadRecordsKeepsTheRest) {
  const std::string text =
      "66666 0000    3 0007 0000 0 6 TEST                    20110729\n"
      "1960062500 1 143 1113 1000      12\n"
      "1960063200 1 143 1113 1000      12\n"  // June 32nd
      "1960062512 2 150 1105  995      18\n"
      "66666 0000    1 0008 0000 0 6 NEXT                    20110729\n"
      "1960070100 1 100 1300 1002      11\n";
  ImportResult r = ParseString(Format::Named("cma"), text, false, "CH1960BST.txt");
  ASSERT_EQ(r.storms.size(), 2u);
  EXPECT_EQ(r.storms[0].fixes.size(), 2u);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0].line, 3);
  EXPECT_EQ(r.skipped[0].field, "YYYYMMDDHH");
  ASSERT_EQ(r.warnings.size(), 1u);  // header said 3, block kept 2
  EXPECT_EQ(r.warnings[0].field, "COUNT");
  EXPECT_EQ(r.records_read, 4);
}

TEST(CmaParseTest, RecordsBeforeAnyHeaderAreRefused) {
  ImportResult r = ParseString(Format::Named("cma"), "1960062500 1 143 1113 1000 12\n");
  EXPECT_TRUE(r.storms.empty());
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_THROW(ParseString(Format::Named("cma"), "1960062500 1 143 1113 1000 12\n", true), ParseError);
}

// --- ATCF / JTWC -------------------------------------------------------------------------------

TEST(AtcfTest, MangkhutMergesWindRadiusLines) {
  ImportResult r;
  ImportFile(Format::Named("atcf"), Samples() / "atcf" / "bwp262018.dat", {}, r);
  ASSERT_EQ(r.storms.size(), 1u);
  const Storm& m = r.storms[0];
  EXPECT_EQ(m.id, "JTWC:WP262018");
  EXPECT_EQ(m.name, "MANGKHUT");
  EXPECT_EQ(m.agency, "JTWC");
  EXPECT_EQ(m.wind_averaging, WindAveraging::kOneMinute);
  EXPECT_EQ(r.records_read, 109);
  EXPECT_EQ(m.fixes.size(), 44u);  // 44 distinct times in 109 lines
  const Fix* at = nullptr;
  for (const Fix& f : m.fixes) {
    if (f.time_utc == Utc(2018, 9, 11, 6)) at = &f;
  }
  ASSERT_NE(at, nullptr);
  EXPECT_DOUBLE_EQ(at->lat_deg, 13.9);
  EXPECT_DOUBLE_EQ(at->lon_deg, 139.8);
  EXPECT_NEAR(at->wind_ms, 140 * 0.514444, 1e-3);
  EXPECT_FLOAT_EQ(at->pressure_hpa, 919.0f);
  EXPECT_NEAR(at->radii_km[0][0], 180 * 1.852, 1e-3);  // 34 kt NE
  EXPECT_NEAR(at->radii_km[1][1], 78 * 1.852, 1e-3);   // 50 kt SE
  EXPECT_NEAR(at->radii_km[2][3], 56 * 1.852, 1e-3);   // 64 kt NW
  EXPECT_NEAR(at->rmw_km, 15 * 1.852, 1e-3);
  EXPECT_EQ(at->category, Category::kSuperTyphoon);
  float max_kt = 0, min_hpa = 2000;
  for (const Fix& f : m.fixes) {
    max_kt = std::max(max_kt, static_cast<float>(MsToKnots(f.wind_ms)));
    if (!std::isnan(f.pressure_hpa)) min_hpa = std::min(min_hpa, f.pressure_hpa);
  }
  EXPECT_NEAR(max_kt, 155.0f, 1e-3);
  EXPECT_FLOAT_EQ(min_hpa, 896.0f);
}

TEST(AtcfTest, OldShortRecordsPaddedLongitudeNoFinalNewline) {
  const std::string text =
      "WP, 16, 1985101812,   , BEST,   0, 146N, 0998E,  20\n"
      "WP, 16, 1985101818,   , BEST,   0, 148N, 0984E,-999\n"
      "WP, 16, 1985101900,   , BEST,   0,  15S, 1799W,  30,    0, TD";
  ImportResult r = ParseString(Format::Named("atcf"), text, true, "bwp161985.txt");
  ASSERT_EQ(r.storms.size(), 1u);
  const auto& f = r.storms[0].fixes;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_DOUBLE_EQ(f[0].lon_deg, 99.8);
  EXPECT_NEAR(f[0].wind_ms, 20 * 1852.0 / 3600.0, 1e-5);
  EXPECT_TRUE(std::isnan(f[1].wind_ms));  // -999
  EXPECT_DOUBLE_EQ(f[2].lat_deg, -1.5);
  EXPECT_DOUBLE_EQ(f[2].lon_deg, -179.9);
  EXPECT_TRUE(std::isnan(f[2].pressure_hpa));  // 0 is missing
  EXPECT_EQ(r.storms[0].season, 1985);
}

TEST(AtcfTest, AllJtwcFilesImportWithOneKnownBadRecord) {
  ImportResult r = ImportAll(Format::Named("atcf"), Samples() / "jtwc");
  EXPECT_EQ(r.sources.size(), 2320u);
  EXPECT_EQ(r.storms.size(), 2318u);  // two files are empty as JTWC distributes them
  ASSERT_EQ(r.skipped.size(), 1u);    // bwp231969.txt: "1969100000", day 00
  EXPECT_EQ(r.skipped[0].file, "bwp231969.txt");
  EXPECT_EQ(r.skipped[0].field, "YYYYMMDDHH");
  EXPECT_EQ(r.warnings.size(), 2u);
  // A storm that crossed from the central Pacific keeps JTWC's file number, not CY 02.
  const Storm* crossed = FindById(r, "JTWC:WP351997");
  ASSERT_NE(crossed, nullptr);
  EXPECT_TRUE(FindById(r, "JTWC:WP021997") != nullptr);
}

TEST(AtcfTest, StrictErrorsNameTheField) {
  try {
    ParseString(Format::Named("atcf"), "WP, 26, 2018091106,   , BEST,   0, 139X, 1398E, 140\n", true, "bwp262018.dat");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.field(), "LAT");
    EXPECT_EQ(e.line(), 1);
  }
  EXPECT_THROW(ParseString(Format::Named("atcf"), "WP, 26, 2018091106\n", true), ParseError);
}

// --- JMA, HURDAT2, IBTrACS ---------------------------------------------------------------------

TEST(JmaTest, SubsetCountsAndMissingDepressionWinds) {
  ImportResult r = ImportAll(Format::Named("jma"), Samples() / "jma");
  EXPECT_EQ(r.storms.size(), 169u);
  EXPECT_EQ(r.records_read, 6154);
  EXPECT_TRUE(r.skipped.empty());
  const Storm* mekkhala = FindById(r, "JMA:1501");
  ASSERT_NE(mekkhala, nullptr);
  EXPECT_EQ(mekkhala->name, "MEKKHALA");
  EXPECT_EQ(mekkhala->wind_averaging, WindAveraging::kTenMinute);
  ASSERT_GE(mekkhala->fixes.size(), 3u);
  // "15011300 002 2 087 1429 1006     000": a depression, wind not estimated (not calm).
  EXPECT_EQ(mekkhala->fixes[0].time_utc, Utc(2015, 1, 13, 0));
  EXPECT_TRUE(std::isnan(mekkhala->fixes[0].wind_ms));
  EXPECT_EQ(mekkhala->fixes[0].grade, 2);
  EXPECT_EQ(mekkhala->fixes[0].category, Category::kTropicalDepression);
  // "15011312 002 3 086 1417 1002     035": 35 kt 10-min.
  EXPECT_NEAR(mekkhala->fixes[2].wind_ms, 35 * 0.514444, 1e-3);
  EXPECT_DOUBLE_EQ(mekkhala->fixes[2].lon_deg, 141.7);
}

TEST(Hurdat2Test, SubsetsAntimeridianMissingValuesAndLandfall) {
  ImportResult r = ImportAll(Format::Named("hurdat2"), Samples() / "hurdat2");
  EXPECT_EQ(r.storms.size(), 88u);
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_TRUE(r.warnings.empty());
  bool crossed = false;
  int landfalls = 0;
  for (const Storm& s : r.storms) {
    for (std::size_t i = 0; i < s.fixes.size(); ++i) {
      EXPECT_GE(s.fixes[i].lon_deg, -180.0);
      EXPECT_LT(s.fixes[i].lon_deg, 180.0);
      if (i > 0 && s.fixes[i - 1].lon_deg < -170 && s.fixes[i].lon_deg > 170) crossed = true;
      landfalls += (s.fixes[i].flags & kFixLandfall) ? 1 : 0;
    }
  }
  EXPECT_TRUE(crossed);  // Genevieve 2014 / Kilo 2015 move from 179°W into the West Pacific
  EXPECT_GT(landfalls, 0);
  const Storm* amanda = FindById(r, "NHC:EP012014");
  ASSERT_NE(amanda, nullptr);
  EXPECT_EQ(amanda->name, "AMANDA");
  EXPECT_EQ(amanda->fixes.size(), 30u);
  EXPECT_DOUBLE_EQ(amanda->fixes[0].lon_deg, -106.4);
  EXPECT_TRUE(std::isnan(amanda->fixes[0].rmw_km));  // -999
  EXPECT_FLOAT_EQ(amanda->fixes[0].radii_km[0][0], 0.0f);  // 0 = no 34-kt winds there
}

TEST(IbtracsTest, AgencyColumns) {
  auto load = [](const std::string& agency) {
    ImportOptions o;
    o.ibtracs_agency = agency;
    ImportResult r;
    ImportFile(Format::Named("ibtracs"), Samples() / "ibtracs" / "sample_small_ibtracs.nc", o, r);
    return r;
  };
  ImportResult cma = load("CMA");
  EXPECT_EQ(cma.storms.size(), 13u);
  const Storm* doksuri = FindById(cma, "CMA:IBTrACS-2023201N13134");
  ASSERT_NE(doksuri, nullptr);
  EXPECT_EQ(doksuri->name, "DOKSURI");
  EXPECT_EQ(doksuri->fixes.size(), 85u);
  EXPECT_EQ(doksuri->fixes[0].time_utc, Utc(2023, 7, 20, 12));
  EXPECT_NEAR(doksuri->fixes[0].lat_deg, 12.9, 1e-5);
  EXPECT_NEAR(doksuri->fixes[0].lon_deg, 133.5, 1e-5);
  EXPECT_NEAR(doksuri->fixes[0].wind_ms, 25 * 0.514444, 1e-3);  // IBTrACS stores knots
  EXPECT_FLOAT_EQ(doksuri->fixes[0].pressure_hpa, 1002.0f);
  EXPECT_EQ(doksuri->wind_averaging, WindAveraging::kTwoMinute);
  EXPECT_EQ(load("USA").storms.size(), 45u);
  EXPECT_EQ(load("JMA").storms.size(), 12u);
  EXPECT_EQ(load("HKO").storms.size(), 7u);
  ImportOptions bad;
  bad.ibtracs_agency = "XYZ";
  ImportResult r;
  EXPECT_THROW(ImportFile(Format::Named("ibtracs"), Samples() / "ibtracs" / "sample_small_ibtracs.nc", bad, r), Error);
}

// One bad latitude (9999, or NaN) in a storm's 85 fixes: that fix is reported and left out, the
// storm keeps the other 84 (it was once dropped whole, reported as 1 skipped record; a NaN
// latitude was dropped silently). Read = kept + reported.
TEST(IbtracsTest, ABadFixIsReportedAndLeftOutAlone) {
  const auto copy = std::filesystem::temp_directory_path() / ("taifeng-ibtracs-" + std::to_string(::getpid()) + ".nc");
  ImportResult clean;
  ImportFile(Format::Named("ibtracs"), Samples() / "ibtracs" / "sample_small_ibtracs.nc", {}, clean);
  std::size_t clean_fixes = 0;
  for (const Storm& st : clean.storms) clean_fixes += st.fixes.size();
  ASSERT_EQ(static_cast<std::int64_t>(clean_fixes) + static_cast<std::int64_t>(clean.skipped.size()), clean.records_read);
  for (const float bad : {9999.0f, std::numeric_limits<float>::quiet_NaN()}) {
    std::filesystem::copy_file(Samples() / "ibtracs" / "sample_small_ibtracs.nc", copy, std::filesystem::copy_options::overwrite_existing);
    {  // Doksuri's 6th fix gets the bad latitude
      const hid_t f = H5Fopen(copy.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      ASSERT_GE(f, 0);
      const hid_t d = H5Dopen2(f, "cma_lat", H5P_DEFAULT);
      const hid_t space = H5Dget_space(d);
      hsize_t dims[2];
      H5Sget_simple_extent_dims(space, dims, nullptr);
      std::vector<float> lat(dims[0] * dims[1]);
      ASSERT_GE(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, lat.data()), 0);
      std::size_t target = lat.size();  // Doksuri: 85 CMA fixes, the first at 12.9N
      for (std::size_t st = 0; st < dims[0] && target == lat.size(); ++st) {
        std::size_t first = dims[1], count = 0;
        for (std::size_t t = 0; t < dims[1]; ++t)
          if (lat[st * dims[1] + t] > -9000.0f) first = std::min(first, t), ++count;
        if (count == 85 && std::fabs(lat[st * dims[1] + first] - 12.9f) < 1e-3f) target = st * dims[1] + first + 5;
      }
      ASSERT_LT(target, lat.size());
      lat[target] = bad;
      ASSERT_GE(H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, lat.data()), 0);
      H5Sclose(space);
      H5Dclose(d);
      H5Fclose(f);
    }
    ImportResult r;
    ImportFile(Format::Named("ibtracs"), copy, {}, r);
    const Storm* doksuri = FindById(r, "CMA:IBTrACS-2023201N13134");
    ASSERT_NE(doksuri, nullptr) << "the storm is kept";
    EXPECT_EQ(doksuri->fixes.size(), 84u);
    ASSERT_EQ(r.skipped.size(), clean.skipped.size() + 1);
    EXPECT_NE(r.skipped.back().field.find("cma_lat/lon (time "), std::string::npos) << r.skipped.back().field;
    std::size_t fixes = 0;
    for (const Storm& st : r.storms) fixes += st.fixes.size();
    EXPECT_EQ(static_cast<std::int64_t>(fixes) + static_cast<std::int64_t>(r.skipped.size()), r.records_read) << "read = kept + reported";
    ImportOptions strict;
    strict.strict = true;
    ImportResult s;
    EXPECT_THROW(ImportFile(Format::Named("ibtracs"), copy, strict, s), ParseError);
  }
  std::filesystem::remove(copy);
}

TEST(IbtracsTest, NotAnHdf5FileIsAParseError) {
  ImportResult r;
  EXPECT_THROW(ImportFile(Format::Named("ibtracs"), Samples() / "jma" / "bst_all_2015-2021_subset.txt", {}, r), ParseError);
}

TEST(ImportTest, MissingFileAndOversizedInput) {
  ImportResult r;
  try {
    ImportFile(Format::Named("cma"), "/nonexistent/CH2018BST.txt", {}, r);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  ImportOptions small;
  small.max_file_bytes = 1000;
  EXPECT_THROW(ImportFile(Format::Named("cma"), Samples() / "cma" / "CH2018BST.txt", small, r), ParseError);
}

TEST(CsvTrackTest, LiveTrackColumnsUnitsAndErrors) {
  const std::string text =
      "# Mangkhut, hand-typed from the JTWC b-deck\n"
      "time_utc,lat_deg,lon_deg,wind_ms,pressure_hpa\n"
      "2018-09-14T00:00:00Z,14.2,128.5,72.0,905\n"
      "2018091406,14.6,127.4,,\n"
      "2018-09-14T12:00Z,15.0,233.7,70.0,910\n";  // 233.7°E is 126.3°W
  ImportResult r = ParseString(Format::Named("csv"), text, true, "live.csv");
  ASSERT_EQ(r.storms.size(), 1u);
  const Storm& s = r.storms[0];
  EXPECT_EQ(s.agency, "LIVE");
  EXPECT_EQ(s.wind_averaging, WindAveraging::kTenMinute);
  ASSERT_EQ(s.fixes.size(), 3u);
  EXPECT_EQ(s.fixes[1].time_utc, Utc(2018, 9, 14, 6));
  EXPECT_TRUE(std::isnan(s.fixes[1].wind_ms));
  EXPECT_TRUE(std::isnan(s.fixes[1].pressure_hpa));
  EXPECT_NEAR(s.fixes[2].lon_deg, -126.3, 1e-9);
  try {
    ParseString(Format::Named("csv"), "time,lat,lon\n2018-09-14T00:00:00Z,95.0,128.5\n", true, "live.csv");
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.field(), "lat_deg");
  }
  EXPECT_THROW(ParseString(Format::Named("csv"), "a,b,c\n1,2,3\n", true, "live.csv"), ParseError);
}

// A hand-built a-deck: two OFCL cycles (the later with one line per wind radius) and a JTWC cycle.
TEST(ForecastTest, AdeckPicksTheTechAndTheLatestCycle) {
  const std::string adeck =
      "WP, 26, 2018091318, 03, JTWC,   0, 154N, 1285E, 150,  905, ST\n"
      "WP, 26, 2018091318, 03, JTWC,  24, 170N, 1240E, 140,  915, ST\n"
      "WP, 26, 2018091312, 03, OFCL,   0, 152N, 1292E, 150,  905, ST\n"
      "WP, 26, 2018091312, 03, OFCL,  12, 158N, 1271E, 150,  905, ST\n"
      "WP, 26, 2018091400, 03, OFCL,   0, 159N, 1269E, 145,  907, ST,  34, NEQ, 200, 180, 160, 190\n"
      "WP, 26, 2018091400, 03, OFCL,  12, 166N, 1245E, 140,  910, ST,  34, NEQ, 200, 180, 160, 190\n"
      "WP, 26, 2018091400, 03, OFCL,  12, 166N, 1245E, 140,  910, ST,  50, NEQ, 100,  90,  80,  95\n"
      "WP, 26, 2018091400, 03, OFCL,  24, 174N, 1220E, 130,  920, ST\n"
      "WP, 26, 2018091400, 03, AVNO,  24, 180N, 1200E,  90,  950, TY\n";
  const ForecastTrack ofcl = ParseAdeck(adeck, "awp262018.dat", std::nullopt);
  EXPECT_EQ(ofcl.tech, "OFCL");
  EXPECT_EQ(ofcl.issued_utc, Utc(2018, 9, 14, 0));
  ASSERT_EQ(ofcl.fixes.size(), 2u);  // TAU 12 (two radius lines merged) and 24; TAU 0 is not a forecast
  EXPECT_EQ(ofcl.fixes[0].time_utc, Utc(2018, 9, 14, 12));
  EXPECT_DOUBLE_EQ(ofcl.fixes[1].lon_deg, 122.0);
  EXPECT_NEAR(ofcl.fixes[1].wind_ms, 130 * 0.514444, 1e-3);
  // Replays see only cycles issued by then.
  const ForecastTrack earlier = ParseAdeck(adeck, "awp262018.dat", Utc(2018, 9, 13, 18));
  EXPECT_EQ(earlier.issued_utc, Utc(2018, 9, 13, 12));
  const ForecastTrack jtwc = ParseAdeck(adeck, "awp262018.dat", std::nullopt, {"JTWC"});
  EXPECT_EQ(jtwc.fixes.size(), 1u);
  try {
    ParseAdeck(adeck, "awp262018.dat", Utc(2018, 9, 1, 0));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
  try {
    ParseAdeck("WP, 26, 2018091400, 03, OFCL,  12, 166X, 1245E, 140\n", "awp262018.dat", std::nullopt);
    FAIL();
  } catch (const ParseError& e) {
    EXPECT_EQ(e.field(), "LAT");
    EXPECT_EQ(e.line(), 1);
  }
}

// Every input the fuzzers found (tests/data/fuzz/<format>/) must be refused or parsed cleanly.
TEST(FuzzRegressionTest, CorpusNeverCrashes) {
  int files = 0;
  for (Format format : {Format::Named("cma"), Format::Named("atcf"), Format::Named("jma"), Format::Named("hurdat2"), Format::Named("csv")}) {
    const auto dir = std::filesystem::path(TAIFENG_TESTDATA_DIR) / "fuzz" / std::string(FormatName(format));
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      ++files;
      ImportResult lenient = ParseString(format, buf.str(), false, entry.path().filename().string());
      for (const auto& s : lenient.skipped) EXPECT_FALSE(s.reason.empty());
      try {
        ParseString(format, buf.str(), true, entry.path().filename().string());
      } catch (const ParseError& e) {
        EXPECT_FALSE(std::string(e.what()).empty());
      }
    }
  }
  EXPECT_GT(files, 0);
}

// The format registry: unique names, case-insensitive lookup, an unknown name refused with the
// known ones, and the archive's sources offered by `archive build`.
TEST(FormatRegistryTest, NamesAreUniqueAndLookedUp) {
  std::set<std::string> names;
  for (const Format& f : Format::All()) {
    EXPECT_TRUE(names.insert(std::string(f.name())).second) << f.name();
    EXPECT_FALSE(f.source_help().empty()) << f.name();
  }
  EXPECT_EQ(names, (std::set<std::string>{"cma", "atcf", "jma", "hurdat2", "ibtracs", "csv"}));
  EXPECT_EQ(Format::FromName("HURDAT2")->name(), "hurdat2");
  EXPECT_FALSE(Format::FromName("grib"));
  try {
    Format::Named("grib");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("known: cma, atcf"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(Format::Named("ibtracs").binary());
  EXPECT_FALSE(Format::Named("csv").archive_source());
  EXPECT_THROW(ParseText(Format::Named("ibtracs"), "x", "x.nc", {}, *std::make_unique<ImportResult>()), Error);
}

// Every line ending (LF, CRLF, CR alone as in old Mac files, and a mix) reads the same storms and
// fixes, in strict mode: CR-only files once collapsed into one skipped record (ATCF kept 1 of 44).
TEST(LineEndingTest, LfCrlfAndCrReadTheSame) {
  const std::vector<std::pair<std::string, std::filesystem::path>> files = {
      {"cma", Samples() / "cma" / "CH2018BST.txt"},
      {"atcf", Samples() / "atcf" / "bwp262018.dat"},
      {"jma", Samples() / "jma" / "bst_all_2015-2021_subset.txt"},
      {"hurdat2", Samples() / "hurdat2" / "hurdat2-nepac-2014-2015.subset.txt"},
  };
  auto with_endings = [](const std::string& text, const std::string& eol, bool mixed) {
    std::string out;
    std::size_t line = 0;
    for (char c : text) {
      if (c == '\r') continue;
      if (c != '\n') {
        out += c;
        continue;
      }
      out += mixed ? std::vector<std::string>{"\n", "\r\n", "\r"}[line % 3] : eol;
      ++line;
    }
    return out;
  };
  ImportOptions strict;
  strict.strict = true;
  for (const auto& [format, path] : files) {
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ImportResult lf;
    ParseText(Format::Named(format), with_endings(text, "\n", false), path.filename().string(), strict, lf);
    ASSERT_GT(lf.storms.size(), 0u) << format;
    std::size_t lf_fixes = 0;
    for (const Storm& st : lf.storms) lf_fixes += st.fixes.size();
    for (const auto& [eol, mixed] : std::vector<std::pair<std::string, bool>>{{"\r\n", false}, {"\r", false}, {"", true}}) {
      ImportResult r;
      ParseText(Format::Named(format), with_endings(text, eol, mixed), path.filename().string(), strict, r);
      std::size_t fixes = 0;
      for (const Storm& st : r.storms) fixes += st.fixes.size();
      EXPECT_EQ(r.storms.size(), lf.storms.size()) << format << (mixed ? " mixed" : eol == "\r" ? " CR" : " CRLF");
      EXPECT_EQ(fixes, lf_fixes) << format;
      EXPECT_EQ(r.records_read, lf.records_read) << format;
      EXPECT_TRUE(r.skipped.empty()) << format;
    }
  }
}

// A storm name that is not text (invalid UTF-8, control characters such as ESC) is refused in
// strict mode naming the storm, and cleaned and reported in lenient mode (it once went into the
// archive and made every JSON output exit 70).
// Nothing is lost silently: in every text format, records read = fixes kept + records reported
// skipped + records merged into another fix (ATCF's wind-radius lines), on the samples and on
// copies with damaged lines (a digit turned into a letter in every 7th line).
TEST(ImportAccountingTest, ReadEqualsKeptPlusReportedPlusMerged) {
  const std::vector<std::pair<std::string, std::filesystem::path>> files = {
      {"cma", Samples() / "cma" / "CH2018BST.txt"},
      {"atcf", Samples() / "atcf" / "bwp262018.dat"},
      {"jma", Samples() / "jma" / "bst_all_2015-2021_subset.txt"},
      {"hurdat2", Samples() / "hurdat2" / "hurdat2-nepac-2014-2015.subset.txt"},
  };
  auto identity = [](const ImportResult& r) {
    std::int64_t kept = 0;
    for (const Storm& st : r.storms) kept += static_cast<std::int64_t>(st.fixes.size());
    return r.records_read - (kept + static_cast<std::int64_t>(r.skipped.size()) - r.skipped_headers + r.records_merged);
  };
  for (const auto& [format, path] : files) {
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ImportResult clean;
    ParseText(Format::Named(format), text, path.filename().string(), {}, clean);
    EXPECT_EQ(identity(clean), 0) << format;
    std::string damaged;
    std::size_t line = 0, pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string l = text.substr(pos, end - pos);
      if (++line % 7 == 0)
        for (std::size_t k = l.size() / 3; k < l.size(); ++k)
          if (std::isdigit(static_cast<unsigned char>(l[k]))) {
            l[k] = 'X';
            break;
          }
      damaged += l + (end < text.size() ? "\n" : "");
      pos = end + 1;
    }
    ImportResult r;
    ParseText(Format::Named(format), damaged, path.filename().string(), {}, r);
    EXPECT_EQ(identity(r), 0) << format << ": read " << r.records_read << ", skipped " << r.skipped.size() << ", merged " << r.records_merged;
    EXPECT_GT(r.skipped.size(), 0u) << format;
  }
}

TEST(StormNameTest, BadNamesAreRefusedStrictAndCleanedLenient) {
  std::ifstream in(Samples() / "atcf" / "bwp262018.dat", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string& bad : {std::string("MANG\xff\xfeKHUT"), std::string("MANG\x1b[2JKHUT")}) {
    std::string edited = text;
    for (std::size_t at = edited.find("MANGKHUT"); at != std::string::npos; at = edited.find("MANGKHUT", at + bad.size()))
      edited.replace(at, 8, bad);
    ImportOptions strict;
    strict.strict = true;
    ImportResult r;
    try {
      ParseText(Format::Named("atcf"), edited, "bwp262018.dat", strict, r);
      ADD_FAILURE() << "accepted";
    } catch (const ParseError& e) {
      EXPECT_NE(std::string(e.what()).find("NAME of"), std::string::npos) << e.what();
    }
    ImportResult lenient;
    ParseText(Format::Named("atcf"), edited, "bwp262018.dat", {}, lenient);
    ASSERT_EQ(lenient.storms.size(), 1u);
    EXPECT_FALSE(TextProblem(lenient.storms[0].name)) << lenient.storms[0].name;
    EXPECT_GT(lenient.storms[0].fixes.size(), 40u);
    ASSERT_FALSE(lenient.warnings.empty());
    EXPECT_NE(lenient.warnings.back().field.find("NAME"), std::string::npos);
    EXPECT_TRUE(IsValidUtf8(lenient.warnings.back().reason));
  }
}

}  // namespace
}  // namespace taifeng::data
