// Test helpers: the bundled CMA best track 1949-2022 (data/samples/cma) as an in-memory archive,
// and a fixture that loads it and its match index once per test suite.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "taifeng/core/matcher.h"
#include "taifeng/data/archive.h"
#include "taifeng/data/import.h"

namespace taifeng::core::testing {

inline std::shared_ptr<const data::Archive> LoadCmaSample() {
  data::ImportResult r;
  for (const auto& f : data::ListSourceFiles(data::Format::Named("cma"), std::string(TAIFENG_SAMPLES_DIR) + "/cma")) {
    data::ImportFile(data::Format::Named("cma"), f, {}, r);
  }
  return std::make_shared<const data::Archive>(data::ToArchive(r.storms, r.sources));
}

class CmaArchiveTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    archive_ = new std::shared_ptr<const data::Archive>(LoadCmaSample());
    index_ = new std::shared_ptr<const MatchIndex>(MatchIndex::Build(*archive_));
  }
  static void TearDownTestSuite() {
    delete index_;
    delete archive_;
    index_ = nullptr;
    archive_ = nullptr;
  }
  static inline std::shared_ptr<const data::Archive>* archive_ = nullptr;
  static inline std::shared_ptr<const MatchIndex>* index_ = nullptr;
};

}  // namespace taifeng::core::testing
