// Private: required fields of a JSON object, read with a ParseError naming where and the field.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "taifeng/data/time_utc.h"
#include "taifeng/geo/error.h"

namespace taifeng::warnings {

inline std::string RequireString(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string()) throw ParseError(where, 0, key, "a string");
  return j[key].get<std::string>();
}

inline std::int64_t RequireUtc(const nlohmann::json& j, const char* key, const std::string& where) {
  const auto t = data::ParseUtc(RequireString(j, key, where));
  if (!t) throw ParseError(where, 0, key, "an ISO 8601 UTC time");
  return *t;
}

}  // namespace taifeng::warnings
