#include "taifeng/gateway/channel.h"

#include <ctime>
#include <iostream>
#include <mutex>

#include "taifeng/base/env.h"
#include "taifeng/base/error.h"
#include "taifeng/base/time_utc.h"

namespace taifeng::gateway {

void Log(const std::string& channel, const std::string& line) {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::cerr << taifeng::FormatIsoUtc(WallNow()) << " taifeng-gateway " << channel << ": " << line << std::endl;
}

std::int64_t WallNow() { return Env::Default().NowUtc(); }

std::vector<DisplayRegion> SelectRegions(const geo::RegionSet& set, const std::vector<std::string>& codes) {
  std::vector<DisplayRegion> out;
  if (codes.empty()) {
    for (std::size_t i = 0; i < set.size(); ++i) out.push_back({set.region(i).code, set.region(i).name, set.region(i).name_en});
    return out;
  }
  for (const std::string& c : codes) {
    const auto i = set.Find(c);
    if (!i) throw Error(ErrorCode::kUsage, "--region " + c + ": no such region code in the regions file");
    out.push_back({set.region(*i).code, set.region(*i).name, set.region(*i).name_en});
  }
  return out;
}

}  // namespace taifeng::gateway
