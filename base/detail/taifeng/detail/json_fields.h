// Internal to the Taifeng libraries (taifeng::base_detail, never in a public header): required fields of a JSON object, read with a ParseError naming where and the field.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "taifeng/base/time_utc.h"
#include "taifeng/base/error.h"

namespace taifeng::detail {

inline std::string RequireString(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string()) throw ParseError(where, 0, key, "a string");
  return j[key].get<std::string>();
}

inline std::int64_t RequireUtc(const nlohmann::json& j, const char* key, const std::string& where) {
  const auto t = taifeng::ParseUtc(RequireString(j, key, where));
  if (!t) throw ParseError(where, 0, key, "an ISO 8601 UTC time");
  return *t;
}

}  // namespace taifeng::detail
