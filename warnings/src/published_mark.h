// Private to the feed service: its published high-water mark kept outside the journal, so that a
// journal that loses its last transactions (its own mark included) is still caught at start.
// The file ("<journal>.published", 0600, never through a symlink) holds two 256-byte slots written
// alternately in place, each with a checksum: one write and one sync per mark, and a write torn by
// a crash leaves the other slot, the previous mark, readable.
// Thread safety: one writer (the service thread).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "taifeng/base/env.h"

namespace taifeng::warnings {

struct PublishedMark {
  std::string feed;               // the feed id (epoch)
  std::int64_t seq = 0;           // the highest feed seq that may have been published
  std::int64_t journal_seq = 0;   // its journal record
  std::string hash;               // that record's hash (64 hex digits)
};

class PublishedMarkFile {
 public:
  // Opens or creates the file. Throws Error(kIo) naming it.
  PublishedMarkFile(std::filesystem::path path, Env& env = Env::Default());
  ~PublishedMarkFile();
  PublishedMarkFile(const PublishedMarkFile&) = delete;
  PublishedMarkFile& operator=(const PublishedMarkFile&) = delete;

  // The valid slot with the highest seq, or none (a new file). Throws Error(kJournalBroken) when
  // the file holds data but no valid slot.
  std::optional<PublishedMark> Read() const;
  // Writes the mark into the older slot and syncs it. Throws Error(kIo) naming the file.
  void Write(const PublishedMark& mark);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  Env& env_;
  int fd_ = -1;
  int next_slot_ = 0;
};

}  // namespace taifeng::warnings
