#include "verify_share.h"

#include <cstdint>
#include <cstring>

#include "taifeng/base/error.h"

namespace taifeng::cli {

namespace {

template <typename T>
void Put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

class Reader {
 public:
  explicit Reader(const std::string& b) : b_(b) {}
  template <typename T>
  T Get() {
    T v{};
    Need(sizeof v);
    std::memcpy(&v, b_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string Text(std::size_t n) {
    Need(n);
    std::string s = b_.substr(at_, n);
    at_ += n;
    return s;
  }
  bool done() const { return at_ == b_.size(); }

 private:
  void Need(std::size_t n) const {
    if (b_.size() - at_ < n) throw Error(ErrorCode::kInternal, "a rank's verification share is cut short");
  }
  const std::string& b_;
  std::size_t at_ = 0;
};

}  // namespace

std::string EncodeShare(const core::VerifyReport& r) {
  std::string out;
  Put<std::uint64_t>(out, r.storms), Put<std::uint64_t>(out, r.forecasts), Put<std::uint64_t>(out, r.cases.size());
  for (const core::VerifyCase& c : r.cases) {
    Put<std::uint64_t>(out, c.storm.size());
    out += c.storm;
    Put(out, c.season), Put(out, c.init_utc), Put(out, c.lead_h), Put(out, c.obs_lat), Put(out, c.obs_lon), Put(out, c.obs_wind);
    for (int m = 0; m < 3; ++m)
      Put(out, c.lat[m]), Put(out, c.lon[m]), Put(out, c.wind[m]), Put(out, c.error_km[m]), Put(out, c.along_km[m]), Put(out, c.cross_km[m]);
    Put<std::uint8_t>(out, c.wind_known ? 1 : 0), Put(out, c.cone_km);
  }
  return out;
}

core::VerifyReport DecodeShare(const std::string& bytes) {
  Reader in(bytes);
  core::VerifyReport r;
  r.storms = in.Get<std::uint64_t>(), r.forecasts = in.Get<std::uint64_t>();
  const auto n = in.Get<std::uint64_t>();
  for (std::uint64_t i = 0; i < n; ++i) {
    core::VerifyCase c;
    c.storm = in.Text(in.Get<std::uint64_t>());
    c.season = in.Get<int>(), c.init_utc = in.Get<std::int64_t>(), c.lead_h = in.Get<int>();
    c.obs_lat = in.Get<double>(), c.obs_lon = in.Get<double>(), c.obs_wind = in.Get<double>();
    for (int m = 0; m < 3; ++m) {
      c.lat[m] = in.Get<double>(), c.lon[m] = in.Get<double>(), c.wind[m] = in.Get<double>();
      c.error_km[m] = in.Get<double>(), c.along_km[m] = in.Get<double>(), c.cross_km[m] = in.Get<double>();
    }
    c.wind_known = in.Get<std::uint8_t>() != 0, c.cone_km = in.Get<double>();
    r.cases.push_back(std::move(c));
  }
  if (!in.done()) throw Error(ErrorCode::kInternal, "a rank's verification share has bytes left over");
  return r;
}

}  // namespace taifeng::cli
