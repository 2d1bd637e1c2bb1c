#include "locations.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "taifeng/base/error.h"

namespace taifeng::cli {

std::filesystem::path JournalFile(const std::string& option) {
  std::filesystem::path dir;
  if (!option.empty()) dir = option;
  else if (const char* e = std::getenv("TAIFENG_JOURNAL"); e && *e) dir = e;
  else if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) dir = std::filesystem::path(x) / "taifeng";
  else if (const char* h = std::getenv("HOME"); h && *h) dir = std::filesystem::path(h) / ".local/state/taifeng";
  else throw Error(ErrorCode::kUsage, "no journal directory: give --journal DIR or set TAIFENG_JOURNAL");
  return dir / "journal.sqlite";
}

std::string OperatorName(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* e = std::getenv("TAIFENG_OPERATOR"); e && *e) return e;
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
  throw Error(ErrorCode::kUsage, "who is acting? give --operator NAME or set TAIFENG_OPERATOR");
}

std::filesystem::path KeyDirectory(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* e = std::getenv("TAIFENG_KEYS"); e && *e) return e;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return std::filesystem::path(x) / "taifeng/keys";
  if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".config/taifeng/keys";
  throw Error(ErrorCode::kUsage, "no key directory: give --dir DIR or set TAIFENG_KEYS");
}

}  // namespace taifeng::cli
