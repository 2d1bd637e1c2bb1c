#include "taifeng/base/env.h"

#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

#include "fault_env.h"
#include "taifeng/base/error.h"

namespace taifeng {
namespace {
namespace fs = std::filesystem;

class EnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("taifeng_env_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string Read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::size_t Entries() const { return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {})); }
  fs::path dir_;
};

TEST_F(EnvTest, WritesWholeAndReplaces) {
  WriteFileAtomically(dir_ / "a.txt", "first");
  WriteFileAtomically(dir_ / "a.txt", "second, longer");
  EXPECT_EQ(Read(dir_ / "a.txt"), "second, longer");
  EXPECT_EQ(Entries(), 1u);  // no temporary file left
}

TEST_F(EnvTest, SecretModeHoldsUnderAnyUmask) {
  const mode_t old = ::umask(0);
  WriteFileAtomically(dir_ / "secret", "k", 0600);
  CreatePrivateDirectories(dir_ / "keys" / "operators");
  ::umask(old);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_EQ(::stat((dir_ / "keys" / "operators").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
}

TEST_F(EnvTest, DoesNotFollowAPlantedSymlink) {
  WriteFileAtomically(dir_ / "victim", "keep me");
  // Whatever temporary name a writer picks is new (O_EXCL): a planted link at the old fixed name
  // is left alone.
  fs::create_symlink(dir_ / "victim", dir_ / "key.tmp");
  WriteFileAtomically(dir_ / "key", "new");
  EXPECT_EQ(Read(dir_ / "victim"), "keep me");
  EXPECT_EQ(Read(dir_ / "key"), "new");
}

TEST_F(EnvTest, ShortWritesAreContinued) {
  testing::FaultEnv env;
  env.Fail(testing::FaultOp::kShortWrite, "f.txt", 0, 0, 5);
  WriteFileAtomically(dir_ / "f.txt", std::string(1000, 'x'), 0644, env);
  EXPECT_EQ(Read(dir_ / "f.txt"), std::string(1000, 'x'));
  EXPECT_EQ(env.injected(), 5);
}

TEST_F(EnvTest, EveryFailingStepLeavesTheOldFileAndNamesThePath) {
  for (auto [op, err] : {std::pair{testing::FaultOp::kWrite, ENOSPC}, std::pair{testing::FaultOp::kSync, EIO},
                         std::pair{testing::FaultOp::kRename, EIO}, std::pair{testing::FaultOp::kOpen, EACCES}}) {
    WriteFileAtomically(dir_ / "f.txt", "old");
    testing::FaultEnv env;
    env.Fail(op, "f.txt", err);
    try {
      WriteFileAtomically(dir_ / "f.txt", "new", 0644, env);
      ADD_FAILURE() << "no error for op " << static_cast<int>(op);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kIo);
      EXPECT_NE(std::string(e.what()).find((dir_ / "f.txt").string()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(std::strerror(err)), std::string::npos) << e.what();
    }
    EXPECT_EQ(Read(dir_ / "f.txt"), "old");
    EXPECT_EQ(Entries(), 1u);
  }
}

TEST_F(EnvTest, CommitFileRemovesTheNewFileOnFailure) {
  WriteFileAtomically(dir_ / "archive.h5", "old");
  WriteFileAtomically(dir_ / "new.h5", "new");
  testing::FaultEnv env;
  env.Fail(testing::FaultOp::kSync, "archive.h5", EIO);
  EXPECT_THROW(CommitFile(dir_ / "new.h5", dir_ / "archive.h5", env), Error);
  EXPECT_EQ(Read(dir_ / "archive.h5"), "old");
  EXPECT_FALSE(fs::exists(dir_ / "new.h5"));
  CommitFile(dir_ / "archive.h5", dir_ / "moved.h5");
  EXPECT_EQ(Read(dir_ / "moved.h5"), "old");
}

}  // namespace
}  // namespace taifeng

#include "taifeng/base/read_file.h"

namespace taifeng {
namespace {

TEST(ReadWholeFileTest, ReadsBoundsAndNamesThePath) {
  const auto p = std::filesystem::temp_directory_path() / ("taifeng-read-" + std::to_string(::getpid()));
  std::ofstream(p, std::ios::binary) << std::string("a\0b", 3);
  EXPECT_EQ(ReadWholeFile(p), std::string("a\0b", 3));
  try {
    ReadWholeFile(p, 2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos);
  }
  std::filesystem::remove(p);
  try {
    ReadWholeFile(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

}  // namespace
}  // namespace taifeng
