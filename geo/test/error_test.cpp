#include "taifeng/geo/error.h"

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

}  // namespace
}  // namespace taifeng
