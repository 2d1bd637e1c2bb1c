#include "taifeng/base/env.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

#include "taifeng/base/error.h"

namespace taifeng {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void Fail(const fs::path& path, const char* step, int err) {
  throw Error(ErrorCode::kIo, path.string() + ": " + step + ": " + std::strerror(err));
}

fs::path DirectoryOf(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

void WriteAll(Env& env, int fd, const fs::path& path, std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const long n = env.Write(fd, path, content.data() + done, content.size() - done);
    if (n == -EINTR) continue;
    if (n < 0) Fail(path, "cannot write", static_cast<int>(-n));
    if (n == 0) Fail(path, "cannot write", EIO);
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

Env& Env::Default() {
  static Env env;
  return env;
}

int Env::Open(const fs::path& path, int flags, mode_t mode) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  return fd >= 0 ? fd : -errno;
}

long Env::Write(int fd, const fs::path&, const void* data, std::size_t size) {
  const ssize_t n = ::write(fd, data, size);
  return n >= 0 ? static_cast<long>(n) : -errno;
}

int Env::Sync(int fd, const fs::path&) { return ::fsync(fd) == 0 ? 0 : errno; }

int Env::Rename(const fs::path& from, const fs::path& to) {
  return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

void Env::Close(int fd) { ::close(fd); }
void Env::Remove(const fs::path& path) { ::unlink(path.c_str()); }
int Env::FaultBeforeWrite(const fs::path&) { return 0; }
int Env::FaultBeforeSync(const fs::path&) { return 0; }
std::int64_t Env::NowUtc() { return static_cast<std::int64_t>(std::time(nullptr)); }

fs::path TemporarySibling(const fs::path& path, std::string_view tag) {
  static std::atomic<unsigned> counter{0};
  return DirectoryOf(path) / ("." + path.filename().string() + "." + std::string(tag) + "-" + std::to_string(::getpid()) + "-" +
                              std::to_string(counter.fetch_add(1)));
}

void SyncDirectory(const fs::path& dir, Env& env) {
  const int fd = env.Open(dir, O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0) Fail(dir, "cannot open the directory", -fd);
  const int err = env.Sync(fd, dir);
  env.Close(fd);
  if (err != 0) Fail(dir, "cannot sync the directory", err);
}

void WriteFileAtomically(const fs::path& path, std::string_view content, mode_t mode, Env& env) {
  const fs::path tmp = TemporarySibling(path);
  const int fd = env.Open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  if (fd < 0) Fail(path, "cannot create a temporary file", -fd);
  try {
    if (::fchmod(fd, mode) != 0) Fail(path, "cannot set the mode", errno);  // exact mode whatever the umask
    WriteAll(env, fd, path, content);
    if (const int err = env.Sync(fd, path)) Fail(path, "cannot sync", err);
  } catch (...) {
    env.Close(fd);
    env.Remove(tmp);
    throw;
  }
  env.Close(fd);
  if (const int err = env.Rename(tmp, path)) {
    env.Remove(tmp);
    Fail(path, "cannot replace", err);
  }
  SyncDirectory(DirectoryOf(path), env);
}

void WriteFileUnsynced(const fs::path& path, std::string_view content, mode_t mode, Env& env) {
  const int fd = env.Open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
  if (fd < 0) Fail(path, "cannot create", -fd);
  try {
    WriteAll(env, fd, path, content);
  } catch (...) {
    env.Close(fd);
    throw;
  }
  env.Close(fd);
}

void CommitFile(const fs::path& tmp, const fs::path& path, Env& env) {
  const int fd = env.Open(tmp, O_RDONLY, 0);
  if (fd < 0) {
    env.Remove(tmp);
    Fail(path, "cannot open the new file", -fd);
  }
  const int err = env.Sync(fd, path);
  env.Close(fd);
  if (err != 0) {
    env.Remove(tmp);
    Fail(path, "cannot sync", err);
  }
  if (const int rerr = env.Rename(tmp, path)) {
    env.Remove(tmp);
    Fail(path, "cannot replace", rerr);
  }
  SyncDirectory(DirectoryOf(path), env);
}

void CreatePrivateDirectories(const fs::path& dir) {
  fs::path partial;
  for (const fs::path& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0) {
      if (::chmod(partial.c_str(), 0700) != 0) Fail(partial, "cannot set the mode", errno);
    } else if (errno != EEXIST) {
      Fail(partial, "cannot create the directory", errno);
    }
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) Fail(dir, "not a directory", ENOTDIR);
}

}  // namespace taifeng
