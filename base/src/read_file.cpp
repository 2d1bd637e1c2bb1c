#include "taifeng/base/read_file.h"

#include <fstream>
#include <sstream>
#include <system_error>

#include "taifeng/base/error.h"

namespace taifeng {

std::string ReadWholeFile(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw Error(ErrorCode::kNotFound, path.string() + ": no such file");
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > max_bytes)
    throw Error(ErrorCode::kRefused, path.string() + ": " + std::to_string(size) + " bytes, more than the " + std::to_string(max_bytes) + " allowed");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  if (!in || !(s << in.rdbuf())) {
    if (size == 0 && in) return "";
    throw Error(ErrorCode::kIo, path.string() + ": cannot read");
  }
  return s.str();
}

}  // namespace taifeng
