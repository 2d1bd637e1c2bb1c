// libFuzzer entry: feeds arbitrary bytes to one text parser in lenient and strict mode. A
// ParseError is the expected refusal; anything else escaping, or any sanitizer report, is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "taifeng/data/import.h"
#include "taifeng/base/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto format = *taifeng::data::FormatFromName(TAIFENG_FUZZ_FORMAT);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool strict : {false, true}) {
    taifeng::data::ImportOptions options;
    options.strict = strict;
    taifeng::data::ImportResult result;
    try {
      taifeng::data::ParseText(format, text, "fuzz-input", options, result);
    } catch (const taifeng::ParseError&) {
    }
  }
  return 0;
}
