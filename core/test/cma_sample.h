// Test helper: the bundled CMA best track 1949-2022 (data/samples/cma) as an in-memory archive,
// shared by the core test fixtures.
#pragma once

#include <memory>
#include <string>

#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"

namespace taifeng::core::testing {

inline std::shared_ptr<const data::Archive> LoadCmaSample() {
  data::ImportResult r;
  for (const auto& f : data::ListSourceFiles(data::Format::kCma, std::string(TAIFENG_SAMPLES_DIR) + "/cma")) {
    data::ImportFile(data::Format::kCma, f, {}, r);
  }
  return std::make_shared<const data::Archive>(data::ToArchive(r.storms, r.sources));
}

}  // namespace taifeng::core::testing
