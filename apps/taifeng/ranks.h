// The processes of a distributed run: MPI's COMM_WORLD when the program was started by mpirun or
// srun (and built with TAIFENG_WITH_MPI), else this process alone (rank 0 of 1). MPI is
// initialised only by the commands that use it, not by every taifeng command.
// Errors: a rank's failure is shared with all (Agree) so that every rank stops with the same
// error and rank 0 writes nothing. Thread safety: call from the main thread only (MPI is
// initialised with MPI_THREAD_FUNNELED; OpenMP threads never call MPI).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace taifeng::cli {

class Ranks {
 public:
  Ranks();   // MPI_Init_thread when launched by an MPI launcher
  ~Ranks();  // MPI_Finalize
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return mpi_; }
  std::string processor() const;  // this rank's host name

  // Sums `counts` element-wise over the ranks into rank 0's copy (other ranks' copies unchanged).
  void SumToRoot(std::vector<std::uint64_t>& counts) const;
  // Every rank's bytes, in rank order, on rank 0 (an empty list elsewhere; {bytes} on one
  // process). Throws Error(kRefused) beyond 2 GB.
  std::vector<std::string> GatherToRoot(const std::string& bytes) const;
  // The largest of every rank's value, on every rank.
  std::int64_t Max(std::int64_t value) const;
  // Whether every rank succeeded; `error` becomes the first failed rank's message on every rank.
  bool Agree(bool ok, std::string& error) const;
  // Runs `work` here; when it throws on any rank, every rank throws the first failed rank's
  // error (that rank with its own code, the others with kRefused; kInternal for a non-Error).
  void RunAgreed(const std::function<void()>& work) const;

 private:
  int rank_ = 0, size_ = 1;
  bool mpi_ = false;
};

}  // namespace taifeng::cli
