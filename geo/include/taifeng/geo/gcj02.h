// GCJ-02 ("Mars coordinates"): the obfuscated datum that Chinese web maps (AutoNavi/Gaode,
// Alibaba DataV, Tencent) publish coordinates in, by law, instead of WGS-84. Inside mainland
// China's rough bounding box the published point is the WGS-84 point shifted by a smooth,
// position-dependent offset of roughly 100-700 m; outside the box there is no offset.
//
// The offset function is not officially published. The formula used here is the one recovered in
// 2013 and used by the open implementations (for example googollee/eviltransform): with
// x = lon - 105 and y = lat - 35 (degrees), two sums of a polynomial and sine series give metres
// north and east, turned into degrees on the Krasovsky 1940 ellipsoid (a = 6 378 245 m,
// e^2 = 0.00669342162296594323). WgsToGcj is that forward function. GcjToWgs inverts it by fixed-point
// iteration (the offset changes by under 1e-5 of itself per metre, so it converges in a few steps)
// to 1e-9 degree, so a round trip agrees to millimetres; the residual against the true datum is that
// of the formula, which matches published GCJ-02 values to about 0.1 m (tested on the eviltransform
// reference points). Whether a given data set applied the offset is a property of the source:
// callers say so (RegionSet::LoadOptions::gcj02).
// Thread safety: pure functions.
#pragma once

#include "taifeng/geo/geodesy.h"

namespace taifeng::geo {

// Whether GCJ-02 applies an offset at this point (inside the rough box around China used by the
// formula: longitude 72.004-137.8347 E, latitude 0.8293-55.8271 N).
bool GcjOffsetApplies(double lat_deg, double lon_deg) noexcept;

LatLon WgsToGcj(double lat_deg, double lon_deg) noexcept;
LatLon GcjToWgs(double lat_deg, double lon_deg) noexcept;

}  // namespace taifeng::geo
