// One MPI rank's share of a leave-one-season-out verification (core::VerifyReport, its cases and
// counts) as bytes for Ranks::GatherToRoot, and back. The layout is private to one build of
// Taifeng (every rank runs the same binary). Errors: DecodeShare throws Error(kInternal) for bytes
// that do not hold a whole share. Thread safety: reentrant.
#pragma once

#include <string>

#include "taifeng/core/verify.h"

namespace taifeng::cli {

std::string EncodeShare(const core::VerifyReport& share);
core::VerifyReport DecodeShare(const std::string& bytes);

}  // namespace taifeng::cli
