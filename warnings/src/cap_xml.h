// Private to warnings/: the safe libxml2 parse shared by the CAP reader and the CAP signatures.
#pragma once

#include <libxml/parser.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace taifeng::warnings::detail {

struct DocDeleter {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

// Parses safely: size bound, no DOCTYPE, no network, no entity substitution, no DTD loading.
// Throws ParseError(source, line, field, what was expected).
DocPtr SafeParse(std::string_view xml, const std::string& source, std::size_t max_bytes);

}  // namespace taifeng::warnings::detail
