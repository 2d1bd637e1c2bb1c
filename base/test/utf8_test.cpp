#include "taifeng/base/utf8.h"

#include <gtest/gtest.h>

namespace taifeng {
namespace {

TEST(Utf8Test, DecodesEveryLength) {
  EXPECT_EQ(DecodeUtf8("a\xC3\xA9\xE5\x8F\xB0\xF0\x9F\x8C\x80"), (std::vector<char32_t>{U'a', 0xE9, 0x53F0, 0x1F300}));
  std::string out;
  for (char32_t c : {U'a', char32_t{0xE9}, char32_t{0x53F0}, char32_t{0x1F300}}) AppendUtf8(out, c);
  EXPECT_EQ(out, "a\xC3\xA9\xE5\x8F\xB0\xF0\x9F\x8C\x80");
}

TEST(Utf8Test, RefusesOverlongSurrogatesAndTruncation) {
  EXPECT_EQ(FindInvalidUtf8("ok\xC0\xAF"), 2u);          // overlong '/'
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);        // UTF-16 surrogate U+D800
  EXPECT_EQ(FindInvalidUtf8("\xF4\x90\x80\x80"), 0u);    // above U+10FFFF
  EXPECT_EQ(FindInvalidUtf8("ab\xE5\x8F"), 2u);          // truncated
  EXPECT_EQ(FindInvalidUtf8("\x80"), 0u);                // lone continuation
  EXPECT_FALSE(FindInvalidUtf8("台风 Mangkhut"));
  EXPECT_EQ(DecodeUtf8("a\xFF" "b"), (std::vector<char32_t>{U'a', kReplacementChar, U'b'}));
}

TEST(Utf8Test, TextProblemNamesTheByte) {
  EXPECT_FALSE(TextProblem("山竹 MANGKHUT"));
  EXPECT_EQ(*TextProblem("ab\x1b[31m"), "control character U+001B at byte 2");
  EXPECT_EQ(*TextProblem("a\nb"), "control character U+000A at byte 1");
  EXPECT_EQ(*TextProblem("\xC2\x85"), "control character U+0085 at byte 0");
  EXPECT_EQ(*TextProblem("x\xFE"), "invalid UTF-8 at byte 1");
}

TEST(Utf8Test, DisplayWidthFollowsEastAsianWidth) {
  EXPECT_EQ(DisplayWidth("Hong Kong"), 9);
  EXPECT_EQ(DisplayWidth("香港特别行政区"), 14);
  EXPECT_EQ(DisplayWidth("ｆｕｌｌ"), 8);          // fullwidth forms
  EXPECT_EQ(DisplayWidth("e\xCC\x81"), 1);         // e + combining acute
  EXPECT_EQ(DisplayWidth("한국"), 4);
  EXPECT_EQ(DisplayWidth("\x1b"), 0);
  EXPECT_EQ(DisplayWidth("\xFF"), 1);              // U+FFFD
}

TEST(Utf8Test, FitAndPadByColumnsNeverCutACharacter) {
  EXPECT_EQ(FitColumns("珠海市", 5), "珠海 ");       // 3rd character would need columns 5-6
  EXPECT_EQ(FitColumns("ab", 4), "ab  ");
  EXPECT_EQ(FitColumns("a\x1b" "b", 3), "ab ");      // control characters dropped
  EXPECT_EQ(PadColumns("澳门", 6), "澳门  ");
  EXPECT_EQ(PadColumns("toolong", 3), "toolong");
}

}  // namespace
}  // namespace taifeng

namespace taifeng {
namespace {

TEST(PrintableTest, InvalidBytesAndControlsAreEscapedAndLongTextCut) {
  EXPECT_EQ(Printable("PING"), "PING");
  EXPECT_EQ(Printable("\xff\xfeX"), "\\xFF\\xFEX");
  EXPECT_EQ(Printable("a\nb\x1b[31m"), "a\\u{0A}b\\u{1B}[31m");
  EXPECT_EQ(Printable("珠海\xc2\x85"), "珠海\\u{85}");  // C1 NEL, two bytes
  EXPECT_EQ(Printable(std::string(100, 'A'), 8), "AAAAAAAA...");
  const std::string out = Printable("\xe7\x8f\xa0\xe6\xb5\xb7\n\xff");
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_EQ(out.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace taifeng
