#include "ranks.h"

#include <unistd.h>

#include <cstdlib>
#include <limits>

#include "taifeng/base/error.h"

#ifdef TAIFENG_WITH_MPI
#include <mpi.h>
#endif

namespace taifeng::cli {

namespace {

bool LaunchedByMpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_PROCID"})
    if (std::getenv(v)) return true;
  return false;
}

}  // namespace

#ifdef TAIFENG_WITH_MPI

Ranks::Ranks() {
  if (!LaunchedByMpi()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  mpi_ = true;
}

Ranks::~Ranks() {
  if (mpi_) MPI_Finalize();
}

void Ranks::SumToRoot(std::vector<std::uint64_t>& counts) const {
  if (!mpi_ || size_ == 1) return;
  // In pieces of at most 2^28 elements (MPI counts are int).
  constexpr std::size_t kPiece = std::size_t{1} << 28;
  for (std::size_t at = 0; at < counts.size(); at += kPiece) {
    const int n = static_cast<int>(std::min(kPiece, counts.size() - at));
    if (rank_ == 0)
      MPI_Reduce(MPI_IN_PLACE, counts.data() + at, n, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
    else
      MPI_Reduce(counts.data() + at, nullptr, n, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD);
  }
}

std::int64_t Ranks::Max(std::int64_t value) const {
  if (!mpi_) return value;
  std::int64_t out = value;
  MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
  return out;
}

std::vector<std::string> Ranks::GatherToRoot(const std::string& bytes) const {
  if (!mpi_ || size_ == 1) return {bytes};
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw Error(ErrorCode::kRefused, "a rank's share is larger than 2 GB: split the work over more ranks");
  const int length = static_cast<int>(bytes.size());
  std::vector<int> lengths(rank_ == 0 ? static_cast<std::size_t>(size_) : 0), offsets(lengths.size());
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string all;
  if (rank_ == 0) {
    std::size_t total = 0;
    for (std::size_t r = 0; r < lengths.size(); ++r) {
      offsets[r] = static_cast<int>(total);
      total += static_cast<std::size_t>(lengths[r]);
      if (total > static_cast<std::size_t>(std::numeric_limits<int>::max())) throw Error(ErrorCode::kRefused, "the ranks' shares exceed 2 GB");
    }
    all.resize(total);
  }
  MPI_Gatherv(bytes.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
  std::vector<std::string> out;
  for (std::size_t r = 0; r < lengths.size(); ++r)
    out.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
  return out;
}

bool Ranks::Agree(bool ok, std::string& error) const {
  if (!mpi_) return ok;
  const int failed_here = ok ? size_ : rank_;  // the lowest failed rank speaks for all
  int first_failed = size_;
  MPI_Allreduce(&failed_here, &first_failed, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first_failed == size_) return true;
  int length = rank_ == first_failed ? static_cast<int>(error.size()) : 0;
  MPI_Bcast(&length, 1, MPI_INT, first_failed, MPI_COMM_WORLD);
  error.resize(static_cast<std::size_t>(length));
  MPI_Bcast(error.data(), length, MPI_CHAR, first_failed, MPI_COMM_WORLD);
  if (rank_ != first_failed) error = "rank " + std::to_string(first_failed) + ": " + error;
  return false;
}

#else  // one process

Ranks::Ranks() {
  // Started by mpirun with several processes, each would do the whole job and write: refused.
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char* n = std::getenv(v); n && std::atoi(n) > 1 && LaunchedByMpi())
      throw Error(ErrorCode::kUsage, "this taifeng was built without MPI (TAIFENG_WITH_MPI=OFF): run it as one process, not under mpirun");
}
Ranks::~Ranks() = default;
void Ranks::SumToRoot(std::vector<std::uint64_t>&) const {}
std::vector<std::string> Ranks::GatherToRoot(const std::string& bytes) const { return {bytes}; }
std::int64_t Ranks::Max(std::int64_t value) const { return value; }
bool Ranks::Agree(bool ok, std::string&) const { return ok; }

#endif

void Ranks::RunAgreed(const std::function<void()>& work) const {
  std::string error;
  ErrorCode code = ErrorCode::kRefused;  // what a rank that did not fail reports
  bool ok = true;
  try {
    work();
  } catch (const Error& e) {
    ok = false, error = e.what(), code = e.code();
  } catch (const std::exception& e) {
    ok = false, error = e.what(), code = ErrorCode::kInternal;
  }
  if (!Agree(ok, error)) throw Error(code, error);
}

std::string Ranks::processor() const {
  char host[256] = "";
  ::gethostname(host, sizeof host - 1);
  return host;
}

}  // namespace taifeng::cli
