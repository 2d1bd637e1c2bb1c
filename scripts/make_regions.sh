#!/usr/bin/env bash
# Builds Taifeng's default region set, data/samples/regions/south_china_23.geojson, from the DataV
# GeoAtlas files (GCJ-02): Guangdong's 21 prefecture-level cities as they are, Hong Kong's 18
# districts and Macau's 8 parishes each dissolved into one region, with English names, a level, the
# parent's code and datum "GCJ-02" added (Taifeng converts to WGS-84 at load). One geometry change:
# the Dongsha (Pratas) Islands and the shoals south of 21.5N, which DataV places under Shanwei
# 200-250 km offshore, are left out (clipped to 21.5N): a storm over them is not a storm over
# Shanwei city, and the hazard of a region is sampled over its whole area. A development tool (needs gdal-bin); the output is committed.
# Usage: scripts/make_regions.sh [DATAV_PROVINCE_DIR]
set -euo pipefail
src=${1:-../shared/data/regions/datav_geoatlas_v3/province}
out=$(dirname "$0")/../data/samples/regions/south_china_23.geojson
rm -f "$out"
en="CASE adcode
 WHEN 440100 THEN 'Guangzhou' WHEN 440200 THEN 'Shaoguan' WHEN 440300 THEN 'Shenzhen' WHEN 440400 THEN 'Zhuhai'
 WHEN 440500 THEN 'Shantou' WHEN 440600 THEN 'Foshan' WHEN 440700 THEN 'Jiangmen' WHEN 440800 THEN 'Zhanjiang'
 WHEN 440900 THEN 'Maoming' WHEN 441200 THEN 'Zhaoqing' WHEN 441300 THEN 'Huizhou' WHEN 441400 THEN 'Meizhou'
 WHEN 441500 THEN 'Shanwei' WHEN 441600 THEN 'Heyuan' WHEN 441700 THEN 'Yangjiang' WHEN 441800 THEN 'Qingyuan'
 WHEN 441900 THEN 'Dongguan' WHEN 442000 THEN 'Zhongshan' WHEN 445100 THEN 'Chaozhou' WHEN 445200 THEN 'Jieyang'
 WHEN 445300 THEN 'Yunfu' END"
ogr2ogr -f GeoJSON "$out" "$src/440000.json" -nln south_china_23 -dialect SQLite -sql \
  "SELECT CAST(adcode AS TEXT) AS code, name, $en AS name_en, 'city' AS level, '440000' AS parent,
          'GCJ-02' AS datum,
          CASE WHEN adcode = 441500 THEN CastToMultiPolygon(ST_Intersection(geometry, BuildMbr(113, 21.5, 118, 25, 4326)))
               ELSE geometry END AS geometry
   FROM \"440000\" ORDER BY adcode"
ogr2ogr -f GeoJSON -append "$out" "$src/810000.json" -nln south_china_23 -dialect SQLite -sql \
  "SELECT '810000' AS code, '香港特别行政区' AS name, 'Hong Kong' AS name_en, 'sar' AS level,
          '100000' AS parent, 'GCJ-02' AS datum, CastToMultiPolygon(ST_Union(geometry)) AS geometry FROM \"810000\""
ogr2ogr -f GeoJSON -append "$out" "$src/820000.json" -nln south_china_23 -dialect SQLite -sql \
  "SELECT '820000' AS code, '澳门特别行政区' AS name, 'Macau' AS name_en, 'sar' AS level,
          '100000' AS parent, 'GCJ-02' AS datum, CastToMultiPolygon(ST_Union(geometry)) AS geometry FROM \"820000\""
ogrinfo -so -al "$out" | grep -E "Feature Count|Extent"
