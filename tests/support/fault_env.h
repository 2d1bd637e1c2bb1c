// FaultEnv: an Env for tests that fails chosen calls (after leveldb's fault_injection_test).
// A rule names the operation, a substring of the path, the errno to return and how many matching
// calls to let through first; kShortWrite writes half of what was asked (at least one byte) and
// returns that, as a full disk or a signal does. Every call is counted per operation.
// Thread safety: rules are set before use; calls may come from any thread (guarded by a mutex).
#pragma once

#include <cerrno>
#include <mutex>
#include <string>
#include <vector>

#include "taifeng/base/env.h"

namespace taifeng::testing {

enum class FaultOp { kOpen, kWrite, kShortWrite, kSync, kRename };

class FaultEnv : public EnvWrapper {
 public:
  FaultEnv() : EnvWrapper(Env::Default()) {}

  // Fail the matching calls of `op` on paths containing `path_part` with `err`, after `skip`.
  void Fail(FaultOp op, std::string path_part, int err, int skip = 0, int times = 1 << 30) {
    std::lock_guard lock(mu_);
    rules_.push_back({op, std::move(path_part), err, skip, times});
  }
  void Clear() {
    std::lock_guard lock(mu_);
    rules_.clear();
  }
  int injected() const {
    std::lock_guard lock(mu_);
    return injected_;
  }

  int Open(const std::filesystem::path& p, int flags, mode_t mode) override {
    if (const int err = Hit(FaultOp::kOpen, p)) return -err;
    return EnvWrapper::Open(p, flags, mode);
  }
  long Write(int fd, const std::filesystem::path& p, const void* d, std::size_t n) override {
    if (const int err = Hit(FaultOp::kWrite, p)) return -err;
    if (n > 1 && Hit(FaultOp::kShortWrite, p)) n /= 2;
    return EnvWrapper::Write(fd, p, d, n);
  }
  int Sync(int fd, const std::filesystem::path& p) override {
    if (const int err = Hit(FaultOp::kSync, p)) return err;
    return EnvWrapper::Sync(fd, p);
  }
  int FaultBeforeWrite(const std::filesystem::path& p) override { return Hit(FaultOp::kWrite, p); }
  int FaultBeforeSync(const std::filesystem::path& p) override { return Hit(FaultOp::kSync, p); }
  int Rename(const std::filesystem::path& f, const std::filesystem::path& t) override {
    if (const int err = Hit(FaultOp::kRename, t)) return err;
    return EnvWrapper::Rename(f, t);
  }

 private:
  struct Rule {
    FaultOp op;
    std::string path_part;
    int err, skip, times;
  };
  int Hit(FaultOp op, const std::filesystem::path& p) {
    std::lock_guard lock(mu_);
    for (Rule& r : rules_) {
      if (r.op != op || p.string().find(r.path_part) == std::string::npos || r.times <= 0) continue;
      if (r.skip > 0) {
        --r.skip;
        continue;
      }
      --r.times;
      ++injected_;
      return r.err == 0 ? EIO : r.err;
    }
    return 0;
  }
  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  int injected_ = 0;
};

}  // namespace taifeng::testing
