#include "published_mark.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "taifeng/base/error.h"

namespace taifeng::warnings {
namespace {

constexpr std::size_t kSlot = 256;
constexpr const char* kMagic = "TFPM1";

// FNV-1a, 64 bits: detects a torn or damaged slot (not an adversary: the journal's audit is that).
std::uint64_t Fnv(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

std::string Body(const PublishedMark& m) {
  return std::string(kMagic) + " " + m.feed + " " + std::to_string(m.seq) + " " + std::to_string(m.journal_seq) + " " + m.hash;
}

std::optional<PublishedMark> Parse(const std::string& slot) {
  std::istringstream in(slot);
  std::string magic;
  PublishedMark m;
  std::uint64_t check = 0;
  if (!(in >> magic >> m.feed >> m.seq >> m.journal_seq >> m.hash >> std::hex >> check) || magic != kMagic) return std::nullopt;
  if (check != Fnv(Body(m))) return std::nullopt;
  return m;
}

}  // namespace

PublishedMarkFile::PublishedMarkFile(std::filesystem::path path, Env& env) : path_(std::move(path)), env_(env) {
  std::error_code ec;
  const bool existed = std::filesystem::exists(path_, ec);
  fd_ = env_.Open(path_, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    const int err = -fd_;
    fd_ = -1;
    throw Error(ErrorCode::kIo, path_.string() + ": cannot open the feed's published mark: " + std::strerror(err));
  }
  if (!existed) SyncDirectory(path_.parent_path(), env_);  // the new file's name is durable too
  const auto m = Read();
  if (m) {  // write the slot that does not hold the latest mark
    std::array<char, kSlot> buf{};
    const long n = ::pread(fd_, buf.data(), kSlot, 0);
    const auto first = n > 0 ? Parse(std::string(buf.data(), static_cast<std::size_t>(n))) : std::nullopt;
    next_slot_ = first && first->seq == m->seq ? 1 : 0;
  }
}

PublishedMarkFile::~PublishedMarkFile() {
  if (fd_ >= 0) env_.Close(fd_);
}

std::optional<PublishedMark> PublishedMarkFile::Read() const {
  std::array<char, 2 * kSlot> buf{};
  const long n = ::pread(fd_, buf.data(), buf.size(), 0);
  if (n < 0) throw Error(ErrorCode::kIo, path_.string() + ": cannot read: " + std::strerror(errno));
  if (n == 0) return std::nullopt;
  std::optional<PublishedMark> best;
  for (std::size_t slot = 0; slot < 2 && slot * kSlot < static_cast<std::size_t>(n); ++slot) {
    const std::size_t len = std::min(kSlot, static_cast<std::size_t>(n) - slot * kSlot);
    const auto m = Parse(std::string(buf.data() + slot * kSlot, len));
    if (m && (!best || m->seq > best->seq)) best = m;
  }
  if (!best) throw Error(ErrorCode::kJournalBroken, path_.string() + ": the feed's published mark is unreadable (no valid slot)");
  return best;
}

void PublishedMarkFile::Write(const PublishedMark& mark) {
  const std::string body = Body(mark);
  char check[32];
  std::snprintf(check, sizeof check, " %016llx\n", static_cast<unsigned long long>(Fnv(body)));
  std::string slot = body + check;
  if (slot.size() > kSlot) throw Error(ErrorCode::kInvalidArgument, path_.string() + ": a mark longer than its slot");
  slot.resize(kSlot, ' ');
  const auto offset = static_cast<off_t>(next_slot_ * kSlot);
  if (::lseek(fd_, offset, SEEK_SET) != offset) throw Error(ErrorCode::kIo, path_.string() + ": cannot seek: " + std::strerror(errno));
  const long n = env_.Write(fd_, path_, slot.data(), slot.size());
  if (n != static_cast<long>(slot.size()))
    throw Error(ErrorCode::kIo, path_.string() + ": cannot write the feed's published mark: " + std::strerror(n < 0 ? static_cast<int>(-n) : ENOSPC));
  if (const int err = env_.Sync(fd_, path_))
    throw Error(ErrorCode::kIo, path_.string() + ": cannot sync the feed's published mark: " + std::strerror(err));
  next_slot_ = 1 - next_slot_;
}

}  // namespace taifeng::warnings
