#include "taifeng/base/error.h"

#include <array>
#include <map>

namespace taifeng {
namespace {

// Exit statuses follow BSD sysexits.h where one fits. One row per ErrorCode, in its order.
constexpr std::array<ErrorInfo, kErrorCodeCount> kErrorTable{{
    {ErrorCode::kInvalidArgument, "invalid_argument", "a value is outside its documented range", 64},
    {ErrorCode::kUsage, "usage", "the command line is not valid", 64},
    {ErrorCode::kParse, "parse_error", "input does not follow its format", 65},
    {ErrorCode::kNotFound, "not_found", "a file, storm or key does not exist", 66},
    {ErrorCode::kIo, "io_error", "reading or writing failed", 74},
    {ErrorCode::kArchiveFormat, "not_an_archive", "the file is not a Taifeng archive", 65},
    {ErrorCode::kArchiveVersion, "archive_too_new", "the archive was written by a newer schema version", 65},
    {ErrorCode::kArchiveCorrupt, "archive_corrupt", "the archive is damaged or inconsistent", 65},
    {ErrorCode::kInternal, "internal_error", "an internal invariant was broken (a bug)", 70},
    {ErrorCode::kRefused, "refused", "the action does not apply to the warnings in force", 69},
    {ErrorCode::kJournalBroken, "journal_broken", "the warning journal fails its audit", 65},
    {ErrorCode::kOutcomeUnknown, "outcome_unknown", "no answer came: the command may or may not have been done (retry it with its request id)", 75},
}};

constexpr bool RowsInCodeOrder() {
  for (std::size_t i = 0; i < kErrorTable.size(); ++i)
    if (static_cast<std::size_t>(kErrorTable[i].code) != i || kErrorTable[i].name.empty()) return false;
  return true;
}
static_assert(RowsInCodeOrder(), "kErrorTable: one row per ErrorCode, in the enum's order");

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

std::span<const ErrorInfo> ErrorTable() noexcept { return kErrorTable; }

std::string ExitCodesHelp() {
  std::map<int, std::string> by_status;
  for (const ErrorInfo& e : kErrorTable) {
    std::string& names = by_status[e.exit_status];
    if (!names.empty()) names += " / ";
    names += e.name;
  }
  std::string out = "Exit codes: 0 ok";
  for (const auto& [status, names] : by_status) out += ", " + std::to_string(status) + " " + names;
  return out + ".";
}

ParseError::ParseError(std::string file, std::int64_t line, std::string field,
                       std::string expected)
    : Error(ErrorCode::kParse, FormatParseMessage(file, line, field, expected)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)),
      expected_(std::move(expected)) {}

}  // namespace taifeng
