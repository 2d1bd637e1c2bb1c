// Reading a whole (small) file: keys, archived messages, outside files a command is given.
// Thread safety: reentrant.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace taifeng {

// The file's bytes. Throws Error(kNotFound) when it does not exist, Error(kIo) when it cannot be
// read, and Error(kRefused) when it is larger than `max_bytes` (nothing is read then). Each error
// names the path.
std::string ReadWholeFile(const std::filesystem::path& path, std::size_t max_bytes = std::size_t{64} << 20);

}  // namespace taifeng
