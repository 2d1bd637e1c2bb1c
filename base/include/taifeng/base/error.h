// taifeng::Error: the one exception hierarchy of every Taifeng library.
//
// Every error carries a stable ErrorCode. One table (error.cpp) maps each code to its name, a
// short description and the process exit status that `main` returns for it, so the CLI's exit
// codes are documented in one place (README, "Exit codes").
//
// It lives in base/, the layer below every other (namespace taifeng). The table is checked at
// compile time: one row per code, in the enum's order (error.cpp static_asserts it).
// Thread safety: immutable values, safe to share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace taifeng {

enum class ErrorCode : std::uint8_t {
  kInvalidArgument,  // a caller passed a value outside the documented range
  kUsage,            // command-line misuse
  kParse,            // outside input (a best-track file…) does not follow its format
  kNotFound,         // a file, storm or key that was asked for does not exist
  kIo,               // reading or writing failed at the operating-system level
  kArchiveFormat,    // a file is not a Taifeng archive
  kArchiveVersion,   // an archive written by a newer schema version
  kArchiveCorrupt,   // an archive whose data fail their checksums or are inconsistent
  kInternal,         // a broken invariant: a bug
  kRefused,          // an operator action that does not apply to the state in force (nothing to
                     // issue, cancelling what is not in force, a stale proposal)
  kJournalBroken,    // the warning journal fails its audit (a broken hash chain)
  kOutcomeUnknown,   // a command was sent and no answer came: it may or may not have been done
  kLast = kOutcomeUnknown,
};
inline constexpr std::size_t kErrorCodeCount = static_cast<std::size_t>(ErrorCode::kLast) + 1;

struct ErrorInfo {
  ErrorCode code;
  std::string_view name;         // stable identifier, e.g. "parse_error"
  std::string_view description;  // one line for humans
  int exit_status;               // what a Taifeng executable returns for it
};

// The table entry for `code`. Never fails.
const ErrorInfo& Describe(ErrorCode code) noexcept;

// Every row of the table, in code order.
std::span<const ErrorInfo> ErrorTable() noexcept;

// "Exit codes: 0 ok, 64 usage / invalid argument, 65 …": the exit statuses and the names that
// share each, generated from the table (for --help and the README).
std::string ExitCodesHelp();

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }
  int exit_status() const noexcept { return Describe(code_).exit_status; }

 private:
  ErrorCode code_;
};

// A record of outside input that does not follow its format: names the file, the 1-based line
// (0 when not line-oriented) and the field, and says what was expected.
class ParseError : public Error {
 public:
  ParseError(std::string file, std::int64_t line, std::string field, std::string expected);
  const std::string& file() const noexcept { return file_; }
  std::int64_t line() const noexcept { return line_; }
  const std::string& field() const noexcept { return field_; }
  const std::string& expected() const noexcept { return expected_; }

 private:
  std::string file_;
  std::int64_t line_;
  std::string field_;
  std::string expected_;
};

}  // namespace taifeng
