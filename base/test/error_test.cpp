#include "taifeng/base/error.h"

#include <gtest/gtest.h>

namespace taifeng {
namespace {

TEST(ErrorTest, ParseErrorNamesFileLineAndField) {
  ParseError e("CH1997BST.txt", 12, "LAT", "an integer in 0.1 degrees");
  EXPECT_STREQ(e.what(), "CH1997BST.txt:12: field LAT: an integer in 0.1 degrees");
  EXPECT_EQ(e.code(), ErrorCode::kParse);
  EXPECT_EQ(e.exit_status(), 65);
  EXPECT_EQ(e.line(), 12);
}

TEST(ErrorTest, TableCoversEveryCode) {
  EXPECT_EQ(Describe(ErrorCode::kUsage).exit_status, 64);
  EXPECT_EQ(Describe(ErrorCode::kNotFound).exit_status, 66);
  EXPECT_EQ(Describe(ErrorCode::kIo).exit_status, 74);
  EXPECT_EQ(Describe(ErrorCode::kInternal).name, "internal_error");
  EXPECT_EQ(Describe(ErrorCode::kArchiveVersion).name, "archive_too_new");
  EXPECT_EQ(Describe(ErrorCode::kRefused).exit_status, 69);
  EXPECT_EQ(Describe(ErrorCode::kRefused).name, "refused");
  EXPECT_EQ(Describe(ErrorCode::kJournalBroken).exit_status, 65);
  EXPECT_EQ(Describe(static_cast<ErrorCode>(200)).name, "internal_error");  // out of range: internal
}

TEST(ErrorTest, HelpIsGeneratedFromTheTable) {
  const std::string help = ExitCodesHelp();
  EXPECT_EQ(help.rfind("Exit codes: 0 ok, 64 invalid_argument / usage, 65 parse_error", 0), 0u) << help;
  for (const ErrorInfo& e : ErrorTable()) EXPECT_NE(help.find(std::string(e.name)), std::string::npos) << e.name;
  EXPECT_EQ(ErrorTable().size(), kErrorCodeCount);
  EXPECT_EQ(ErrorTable().back().code, ErrorCode::kLast);
}

}  // namespace
}  // namespace taifeng
