#include "taifeng/geo/error.h"

#include <array>

namespace taifeng {
namespace {

// Exit statuses follow BSD sysexits.h where one fits.
constexpr std::array<ErrorInfo, 11> kErrorTable{{
    {"invalid_argument", "a value is outside its documented range", 64},
    {"usage", "the command line is not valid", 64},
    {"parse_error", "input does not follow its format", 65},
    {"not_found", "a file, storm or key does not exist", 66},
    {"io_error", "reading or writing failed", 74},
    {"not_an_archive", "the file is not a Taifeng archive", 65},
    {"archive_too_new", "the archive was written by a newer schema version", 65},
    {"archive_corrupt", "the archive is damaged or inconsistent", 65},
    {"internal_error", "an internal invariant was broken (a bug)", 70},
    {"refused", "the action does not apply to the warnings in force", 69},
    {"journal_broken", "the warning journal fails its audit", 65},
}};

std::string FormatParseMessage(const std::string& file, std::int64_t line,
                               const std::string& field, const std::string& expected) {
  std::string message;
  message.reserve(file.size() + field.size() + expected.size() + 32);
  message.append(file);
  if (line > 0) message.append(":").append(std::to_string(line));
  if (!field.empty()) message.append(": field ").append(field);
  message.append(": ").append(expected);
  return message;
}

}  // namespace

const ErrorInfo& Describe(ErrorCode code) noexcept {
  auto index = static_cast<std::size_t>(code);
  if (index >= kErrorTable.size()) index = static_cast<std::size_t>(ErrorCode::kInternal);
  return kErrorTable[index];
}

ParseError::ParseError(std::string file, std::int64_t line, std::string field,
                       std::string expected)
    : Error(ErrorCode::kParse, FormatParseMessage(file, line, field, expected)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)),
      expected_(std::move(expected)) {}

}  // namespace taifeng
