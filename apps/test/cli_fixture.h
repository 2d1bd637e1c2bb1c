// The fixture of the taifeng CLI tests: a shell runner and an archive built once per test binary.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace taifeng_cli_test {

namespace fs = std::filesystem;
using nlohmann::json;

struct CommandResult {
  int status = -1;
  std::string out;
};

// Runs a shell command, capturing stdout (stderr is merged when merge_stderr).
inline CommandResult Shell(const std::string& command, bool merge_stderr = true) {
  CommandResult r;
  FILE* pipe = ::popen((command + (merge_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string Cli() { return TAIFENG_CLI; }
inline std::string Samples() { return TAIFENG_SAMPLES_DIR; }

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("taifeng-cli-test-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    archive_ = new std::string((*dir_ / "archive.h5").string());
    const CommandResult r = Shell(Cli() + " archive build --out " + *archive_ + " --cma " + Samples() + "/cma --atcf " +
                        Samples() + "/atcf/bwp262018.dat " + Samples() + "/atcf/bwp152017.dat --json -q", false);
    ASSERT_EQ(r.status, 0) << r.out;
    build_ = new json(json::parse(r.out));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete archive_;
    delete build_;
  }
  static fs::path* dir_;
  static std::string* archive_;
  static json* build_;
};

}  // namespace taifeng_cli_test
