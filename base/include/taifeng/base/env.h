// The outside world (after leveldb's Env): durable writes and the wall clock. Every write that matters (the archive, the warning journal,
// the SMS outbox and spool, keys, service and LED files) goes through an Env, so a test can wrap
// it and inject EIO, ENOSPC or a short write at any step (after leveldb's Env and EnvWrapper).
//
// Env's primitives are thin POSIX calls that return 0 or an errno value (never throw); the
// helpers below them throw taifeng::Error(kIo) naming the path and the step.
// Env::Default() is the real file system. An Env must outlive every object it was handed to.
// Part of base/ (namespace taifeng).
// Thread safety: Env::Default() is safe from any thread; a wrapper must say so itself.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace taifeng {

class Env {
 public:
  virtual ~Env() = default;
  static Env& Default();

  // open(2); returns a descriptor >= 0, or -errno.
  virtual int Open(const std::filesystem::path& path, int flags, mode_t mode);
  // write(2) of at most `size` bytes; returns the bytes written (maybe fewer), or -errno.
  virtual long Write(int fd, const std::filesystem::path& path, const void* data, std::size_t size);
  // fsync(2) of a file or directory; 0 or errno.
  virtual int Sync(int fd, const std::filesystem::path& path);
  // rename(2); 0 or errno.
  virtual int Rename(const std::filesystem::path& from, const std::filesystem::path& to);
  // close(2), unlink(2); errors ignored (nothing is lost by either).
  virtual void Close(int fd);
  virtual void Remove(const std::filesystem::path& path);

  // For files whose I/O a library does itself (SQLite, through detail/sqlite.h's VFS): asked
  // before each write and each sync of `path`; an errno value fails that call with it. Default 0.
  virtual int FaultBeforeWrite(const std::filesystem::path& path);
  virtual int FaultBeforeSync(const std::filesystem::path& path);

  // The wall clock: seconds since 1970-01-01T00:00:00Z (UTC, no leap seconds). Tests set it.
  virtual std::int64_t NowUtc();
};

// Forwards every call to `target` (which must outlive it); override what a test changes.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env& target) : target_(target) {}
  int Open(const std::filesystem::path& p, int flags, mode_t mode) override { return target_.Open(p, flags, mode); }
  long Write(int fd, const std::filesystem::path& p, const void* d, std::size_t n) override { return target_.Write(fd, p, d, n); }
  int Sync(int fd, const std::filesystem::path& p) override { return target_.Sync(fd, p); }
  int Rename(const std::filesystem::path& f, const std::filesystem::path& t) override { return target_.Rename(f, t); }
  void Close(int fd) override { target_.Close(fd); }
  void Remove(const std::filesystem::path& p) override { target_.Remove(p); }
  int FaultBeforeWrite(const std::filesystem::path& p) override { return target_.FaultBeforeWrite(p); }
  int FaultBeforeSync(const std::filesystem::path& p) override { return target_.FaultBeforeSync(p); }
  std::int64_t NowUtc() override { return target_.NowUtc(); }

 private:
  Env& target_;
};

// Writes `content` to `path` so that a crash or an error leaves either the old file or the new
// one, whole: a new temporary file beside it is created with O_CREAT | O_EXCL | O_NOFOLLOW and its
// final `mode` (never readable by others for a moment when `mode` is 0600, whatever the umask),
// written in full (short writes continued), fsynced, renamed over `path`, and the directory
// fsynced. Throws Error(kIo) naming `path`, the step and the system's reason; the temporary file
// is removed then and `path` is untouched.
void WriteFileAtomically(const std::filesystem::path& path, std::string_view content, mode_t mode = 0644,
                         Env& env = Env::Default());

// Creates or truncates `path` with `mode` and writes `content` in full (short writes continued),
// without syncing: for a batch of files the caller syncs at once. Throws Error(kIo) naming it.
void WriteFileUnsynced(const std::filesystem::path& path, std::string_view content, mode_t mode, Env& env = Env::Default());

// Makes an already written file `tmp` the file `path`: fsync `tmp`, rename it over `path`, fsync
// the directory. Throws Error(kIo) naming the step; on failure `tmp` is removed and `path` is
// untouched (for writers that produce the file through a library, e.g. HDF5).
void CommitFile(const std::filesystem::path& tmp, const std::filesystem::path& path, Env& env = Env::Default());

// fsync of a directory (after creating, renaming or removing entries in it). Throws Error(kIo).
void SyncDirectory(const std::filesystem::path& dir, Env& env = Env::Default());

// Creates `dir` and its missing parents with mode 0700 (whatever the umask); an existing directory
// is kept as it is. Throws Error(kIo) naming it.
void CreatePrivateDirectories(const std::filesystem::path& dir);

// A temporary name beside `path` that no other writer uses: ".<name>.<tag>-<pid>-<counter>".
std::filesystem::path TemporarySibling(const std::filesystem::path& path, std::string_view tag = "tmp");

}  // namespace taifeng
