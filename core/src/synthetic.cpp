#include "taifeng/core/synthetic.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "taifeng/geo/geodesy.h"

namespace taifeng::core {

std::vector<data::Storm> SynthesizeStorms(const std::vector<data::Storm>& parents, std::size_t count,
                                          const SyntheticOptions& o) {
  std::vector<const data::Storm*> usable;
  for (const data::Storm& p : parents) {
    if (p.fixes.size() >= 2) usable.push_back(&p);
  }
  std::vector<data::Storm> out;
  if (usable.empty()) return out;
  out.reserve(count);
  for (std::size_t n = o.first_index; n < o.first_index + count; ++n) {
    const data::Storm& parent = *usable[n % usable.size()];
    std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ull + n);
    std::uniform_real_distribution<double> shift(-o.max_start_shift_deg, o.max_start_shift_deg);
    std::normal_distribution<double> unit(0.0, 1.0);
    data::Storm s;
    s.id = "SYN:" + std::to_string(n + 1) + ":" + parent.id;
    s.agency = "SYNTHETIC";
    s.name = parent.name;
    s.season = parent.season;
    s.basin = parent.basin;
    s.wind_averaging = parent.wind_averaging;
    s.source_format = "synthetic";
    s.source_file = parent.id;
    s.fixes.reserve(parent.fixes.size());
    double angle = 0.0, speed = 0.0, intensity = 0.0;
    double lat = std::clamp(parent.fixes[0].lat_deg + shift(rng), -89.0, 89.0);
    double lon = geo::NormalizeLonDeg(parent.fixes[0].lon_deg + shift(rng));
    for (std::size_t k = 0; k < parent.fixes.size(); ++k) {
      const data::Fix& pf = parent.fixes[k];
      if (k > 0) {
        const data::Fix& prev = parent.fixes[k - 1];
        const geo::GeodesicLine step = geo::Inverse(prev.lat_deg, prev.lon_deg, pf.lat_deg, pf.lon_deg);
        angle = o.rho * angle + o.sigma_angle_deg * unit(rng);
        speed = std::clamp(o.rho * speed + o.sigma_speed * unit(rng), -0.5, 0.5);
        const geo::LatLon next = geo::Direct(lat, lon, step.azimuth1_deg + angle, step.distance_km * (1.0 + speed));
        lat = std::clamp(next.lat_deg, -89.0, 89.0);
        lon = next.lon_deg;
      }
      intensity = std::clamp(o.rho * intensity + o.sigma_intensity * unit(rng), -0.3, 0.3);
      data::Fix f;
      f.time_utc = pf.time_utc;
      f.lat_deg = lat;
      f.lon_deg = lon;
      if (!std::isnan(pf.wind_ms)) f.wind_ms = static_cast<float>(pf.wind_ms * (1.0 + intensity));
      if (!std::isnan(pf.pressure_hpa)) {
        f.pressure_hpa = static_cast<float>(1010.0 - (1010.0 - pf.pressure_hpa) * (1.0 + intensity));
      }
      f.grade = data::kGradeMissing;
      f.category = pf.category;
      f.flags = pf.flags & data::kFixOffSynoptic;
      s.fixes.push_back(f);
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace taifeng::core
