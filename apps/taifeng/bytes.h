// Plain bytes for what MPI ranks send each other (verify_share.h, warn verify's replays): values
// appended in the machine's own layout (every rank runs the same binary) and read back in order.
// Errors: ByteReader throws Error(kInternal) when the bytes end before a value. Thread safety:
// one writer or reader per string.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "taifeng/base/error.h"

namespace taifeng::cli {

template <typename T>
void PutBytes(std::string& out, const T& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

inline void PutText(std::string& out, const std::string& s) {
  PutBytes<std::uint64_t>(out, s.size());
  out += s;
}

class ByteReader {
 public:
  explicit ByteReader(const std::string& b) : b_(b) {}
  template <typename T>
  T Get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v{};
    Need(sizeof v);
    std::memcpy(&v, b_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string Text() {
    const auto n = Get<std::uint64_t>();
    Need(n);
    std::string s = b_.substr(at_, n);
    at_ += n;
    return s;
  }
  bool done() const { return at_ == b_.size(); }

 private:
  void Need(std::uint64_t n) const {
    if (b_.size() - at_ < n) throw Error(ErrorCode::kInternal, "a rank's share is cut short");
  }
  const std::string& b_;
  std::size_t at_ = 0;
};

}  // namespace taifeng::cli
