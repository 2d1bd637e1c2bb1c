#include "verify_share.h"

#include <cstdint>

#include "bytes.h"

namespace taifeng::cli {

std::string EncodeShare(const core::VerifyReport& r) {
  std::string out;
  PutBytes<std::uint64_t>(out, r.storms), PutBytes<std::uint64_t>(out, r.forecasts), PutBytes<std::uint64_t>(out, r.cases.size());
  for (const core::VerifyCase& c : r.cases) {
    PutText(out, c.storm);
    PutBytes(out, c.season), PutBytes(out, c.init_utc), PutBytes(out, c.lead_h);
    PutBytes(out, c.obs_lat), PutBytes(out, c.obs_lon), PutBytes(out, c.obs_wind);
    for (int m = 0; m < 3; ++m) {
      PutBytes(out, c.lat[m]), PutBytes(out, c.lon[m]), PutBytes(out, c.wind[m]);
      PutBytes(out, c.error_km[m]), PutBytes(out, c.along_km[m]), PutBytes(out, c.cross_km[m]);
    }
    PutBytes<std::uint8_t>(out, c.wind_known ? 1 : 0), PutBytes(out, c.cone_km);
  }
  return out;
}

core::VerifyReport DecodeShare(const std::string& bytes) {
  ByteReader in(bytes);
  core::VerifyReport r;
  r.storms = in.Get<std::uint64_t>(), r.forecasts = in.Get<std::uint64_t>();
  const auto n = in.Get<std::uint64_t>();
  for (std::uint64_t i = 0; i < n; ++i) {
    core::VerifyCase c;
    c.storm = in.Text();
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
