// Private to data/: what the archive needs to know of the IBTrACS room.
#pragma once

#include <string_view>

namespace taifeng::data {

// The HKO category code for an archive grade index ("" when out of range).
std::string_view HkoGradeCode(int index) noexcept;

}  // namespace taifeng::data
