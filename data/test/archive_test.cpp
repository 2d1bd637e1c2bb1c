#include "taifeng/data/archive.h"

#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "fault_env.h"
#include "taifeng/base/error.h"
#include "test_util.h"

namespace taifeng::data {
namespace {

namespace fs = std::filesystem;

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("taifeng-archive-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    ImportFile(Format::Named("cma"), testing::Samples() / "cma" / "CH2018BST.txt", {}, input_);
    ImportFile(Format::Named("atcf"), testing::Samples() / "atcf" / "bwp262018.dat", {}, input_);
    ImportFile(Format::Named("hurdat2"), testing::Samples() / "hurdat2" / "hurdat2-nepac-2014-2015.subset.txt", {}, input_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  ImportResult input_;
};

bool SameFloat(float a, float b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

TEST_F(ArchiveTest, RoundTripGivesBackTheSameValues) {
  const fs::path path = dir_ / "a.h5";
  WriteArchive(path, ToArchive(input_.storms, input_.sources));
  const Archive loaded = LoadArchive(path);
  ASSERT_EQ(loaded.storm_count(), input_.storms.size());
  EXPECT_EQ(loaded.sources.size(), 3u);
  EXPECT_EQ(loaded.sources[1].file, "bwp262018.dat");
  EXPECT_EQ(loaded.sources[1].records, 109);
  EXPECT_EQ(loaded.schema_version, kSchemaVersion);
  const std::vector<Storm> back = ToStorms(loaded);
  std::size_t fixes = 0;
  for (std::size_t i = 0; i < back.size(); ++i) {
    const Storm& a = input_.storms[i];
    const Storm& b = back[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.agency, b.agency);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.season, b.season);
    EXPECT_EQ(a.basin, b.basin);
    EXPECT_EQ(a.intl_number, b.intl_number);
    EXPECT_EQ(a.agency_number, b.agency_number);
    EXPECT_EQ(a.secondary_centre, b.secondary_centre);
    EXPECT_EQ(a.end_flag, b.end_flag);
    EXPECT_EQ(a.wind_averaging, b.wind_averaging);
    EXPECT_EQ(a.source_file, b.source_file);
    ASSERT_EQ(a.fixes.size(), b.fixes.size());
    for (std::size_t j = 0; j < a.fixes.size(); ++j) {
      const Fix& x = a.fixes[j];
      const Fix& y = b.fixes[j];
      ++fixes;
      EXPECT_EQ(x.time_utc, y.time_utc);
      // Positions are stored as float32: equal to the float nearest the source value.
      EXPECT_EQ(static_cast<float>(x.lat_deg), static_cast<float>(y.lat_deg));
      EXPECT_EQ(static_cast<float>(x.lon_deg), static_cast<float>(y.lon_deg));
      EXPECT_TRUE(SameFloat(x.wind_ms, y.wind_ms));
      EXPECT_TRUE(SameFloat(x.pressure_hpa, y.pressure_hpa));
      EXPECT_TRUE(SameFloat(x.rmw_km, y.rmw_km));
      EXPECT_TRUE(SameFloat(x.mean_wind_ms, y.mean_wind_ms));
      EXPECT_EQ(x.grade, y.grade);
      EXPECT_EQ(x.category, y.category);
      EXPECT_EQ(x.flags, y.flags);
      for (int t = 0; t < 3; ++t) {
        for (int q = 0; q < 4; ++q) EXPECT_TRUE(SameFloat(x.radii_km[t][q], y.radii_km[t][q]));
      }
    }
  }
  EXPECT_EQ(fixes, loaded.fix_count_total());
  auto i = loaded.Find("WP262018");
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(loaded.id[*i], "JTWC:WP262018");
  EXPECT_EQ(loaded.id[*loaded.Find("mangkhut")], "CMA:2018-0026");  // the first of equal seasons
  EXPECT_FALSE(loaded.Find("NO-SUCH-STORM").has_value());
}

TEST_F(ArchiveTest, AddReplacesStormsWithTheSameAgencyId) {
  std::vector<Storm> storms = input_.storms;
  const std::size_t before = storms.size();
  ImportResult again;
  ImportFile(Format::Named("cma"), testing::Samples() / "cma" / "CH2018BST.txt", {}, again);
  again.storms[0].name = "RENAMED";
  const std::size_t replaced = MergeInto(storms, again.storms);
  EXPECT_EQ(replaced, again.storms.size());
  EXPECT_EQ(storms.size(), before);
  EXPECT_EQ(storms[0].name, "RENAMED");
  ImportResult other;
  ImportFile(Format::Named("cma"), testing::Samples() / "cma" / "CH2017BST.txt", {}, other);
  EXPECT_EQ(MergeInto(storms, other.storms), 0u);
  EXPECT_EQ(storms.size(), before + other.storms.size());
}

// A crash in the middle of writing (the process dies) leaves the previous archive intact.
TEST_F(ArchiveTest, InterruptedWriteLeavesThePreviousArchiveIntact) {
  const fs::path path = dir_ / "a.h5";
  std::vector<Storm> first(input_.storms.begin(), input_.storms.begin() + 5);
  WriteArchive(path, ToArchive(first, {}));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    WriteOptions options;
    options.progress = [](double f) {
      if (f >= 0.5) ::_exit(42);  // die mid-write, like a power cut: no cleanup runs
    };
    WriteArchive(path, ToArchive(input_.storms, input_.sources), options);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 42);
  const Archive survivor = LoadArchive(path);
  EXPECT_EQ(survivor.storm_count(), 5u);
  EXPECT_EQ(survivor.id[0], first[0].id);
  // An abandoned write (exception) also removes its partial file.
  WriteOptions throwing;
  throwing.progress = [](double f) {
    if (f >= 0.5) throw std::runtime_error("cancelled");
  };
  EXPECT_THROW(WriteArchive(path, ToArchive(input_.storms, {}), throwing), std::runtime_error);
  EXPECT_EQ(LoadArchive(path).storm_count(), 5u);
  std::size_t leftovers = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    leftovers += e.path().filename().string().find(".tmp-" + std::to_string(::getpid())) != std::string::npos;
  }
  EXPECT_EQ(leftovers, 0u);
}

// EIO or ENOSPC at any durable step of a write (injected through the Env): the write fails whole,
// naming the archive, and the previous archive is read back unchanged with no file left behind.
TEST_F(ArchiveTest, DiskErrorsFailTheWriteWholeAndKeepThePreviousArchive) {
  const fs::path path = dir_ / "a.h5";
  std::vector<Storm> first(input_.storms.begin(), input_.storms.begin() + 5);
  WriteArchive(path, ToArchive(first, {}));
  for (auto [op, err] : {std::pair{taifeng::testing::FaultOp::kSync, ENOSPC}, std::pair{taifeng::testing::FaultOp::kSync, EIO},
                         std::pair{taifeng::testing::FaultOp::kRename, EIO}, std::pair{taifeng::testing::FaultOp::kOpen, EIO}}) {
    taifeng::testing::FaultEnv env;
    env.Fail(op, "a.h5", err);
    WriteOptions options;
    options.env = &env;
    try {
      WriteArchive(path, ToArchive(input_.storms, input_.sources), options);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kIo);
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(std::strerror(err)), std::string::npos) << e.what();
    }
    EXPECT_EQ(env.injected(), 1);
    const Archive kept = LoadArchive(path);
    EXPECT_EQ(kept.storm_count(), 5u);
    EXPECT_EQ(kept.id[0], first[0].id);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir_), {}), 1);  // no temporary file left
  }
}

TEST_F(ArchiveTest, OpeningSaysWhatIsWrong) {
  auto code_of = [](const fs::path& p) {
    try {
      LoadArchive(p);
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::kInternal;
  };
  EXPECT_EQ(code_of(dir_ / "missing.h5"), ErrorCode::kNotFound);
  std::ofstream(dir_ / "text.h5") << "not hdf5\n";
  EXPECT_EQ(code_of(dir_ / "text.h5"), ErrorCode::kArchiveFormat);
  // An HDF5 file that is not an archive, and one from a newer schema.
  const fs::path plain = dir_ / "plain.h5";
  const fs::path newer = dir_ / "newer.h5";
  hid_t f = H5Fcreate(plain.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(f);
  EXPECT_EQ(code_of(plain), ErrorCode::kArchiveFormat);
  WriteArchive(newer, ToArchive(input_.storms, {}));
  f = H5Fopen(newer.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t attr = H5Aopen(f, "schema_version", H5P_DEFAULT);
  const int v = kSchemaVersion + 1;
  H5Awrite(attr, H5T_NATIVE_INT, &v);
  H5Aclose(attr);
  H5Fclose(f);
  EXPECT_EQ(code_of(newer), ErrorCode::kArchiveVersion);
  try {
    LoadArchive(newer);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
  }
}

// Flipping one byte inside a compressed chunk is caught by its Fletcher-32 checksum.
TEST_F(ArchiveTest, CorruptChunkIsDetected) {
  const fs::path path = dir_ / "a.h5";
  WriteArchive(path, ToArchive(input_.storms, {}));
  haddr_t offset = 0;
  hsize_t size = 0;
  {
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/fixes/lat", H5P_DEFAULT);
    hsize_t chunk_offset[1] = {0};
    unsigned mask = 0;
    ASSERT_GE(H5Dget_chunk_info_by_coord(d, chunk_offset, &mask, &offset, &size), 0);
    H5Dclose(d);
    H5Fclose(f);
  }
  ASSERT_GT(size, 16u);
  {
    std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
    io.seekg(static_cast<std::streamoff>(offset + size / 2));
    char c = 0;
    io.read(&c, 1);
    c = static_cast<char>(c ^ 0x5A);
    io.seekp(static_cast<std::streamoff>(offset + size / 2));
    io.write(&c, 1);
  }
  try {
    LoadArchive(path);
    FAIL() << "corruption not detected";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kArchiveCorrupt);
    EXPECT_NE(std::string(e.what()).find("lat"), std::string::npos);
  }
}

TEST_F(ArchiveTest, WritingIntoAMissingDirectoryFails) {
  try {
    WriteArchive(dir_ / "no" / "such" / "dir" / "a.h5", ToArchive(input_.storms, {}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
  }
}

TEST_F(ArchiveTest, EmptyArchiveRoundTrips) {
  const fs::path path = dir_ / "empty.h5";
  WriteArchive(path, ToArchive({}, {}));
  const Archive a = LoadArchive(path);
  EXPECT_EQ(a.storm_count(), 0u);
  EXPECT_EQ(a.fix_count_total(), 0u);
}

}  // namespace
}  // namespace taifeng::data
