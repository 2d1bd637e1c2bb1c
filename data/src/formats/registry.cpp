// The registry of best-track formats: one row per room under data/src/formats/. A new format is
// a folder with its parser and its FormatSpec, declared and listed here.
#include <array>

#include "formats/format_spec.h"
#include "taifeng/data/import.h"

namespace taifeng::data {

extern const FormatSpec kCmaFormat;      // formats/cma
extern const FormatSpec kAtcfFormat;     // formats/atcf
extern const FormatSpec kJmaFormat;      // formats/jma
extern const FormatSpec kHurdat2Format;  // formats/hurdat2
extern const FormatSpec kIbtracsFormat;  // formats/ibtracs
extern const FormatSpec kCsvFormat;      // formats/csv

namespace {

constexpr std::array<const FormatSpec*, 6> kFormats{
    &kCmaFormat, &kAtcfFormat, &kJmaFormat, &kHurdat2Format, &kIbtracsFormat, &kCsvFormat,
};

}  // namespace

std::vector<Format> Format::All() {
  std::vector<Format> out;
  for (const FormatSpec* s : kFormats) out.push_back(Format(s));
  return out;
}

}  // namespace taifeng::data
