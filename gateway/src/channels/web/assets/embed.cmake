# Writes web_assets.h: each web asset as a C++ raw string literal (the page works offline: no
# tiles, fonts or scripts from the internet). Run at build time by apps/CMakeLists.txt.
set(out "// Generated from gateway/src/channels/web/assets/ by embed.cmake: do not edit.\n#pragma once\n")
foreach(pair "kAppJs=app.js" "kAppCss=app.css" "kLeafletJs=vendor/leaflet-1.9.4/leaflet.js"
             "kLeafletCss=vendor/leaflet-1.9.4/leaflet.css")
  string(REPLACE "=" ";" parts "${pair}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  file(READ "${SRC}/${file}" content)
  string(FIND "${content}" ")TFWEB\"" bad)
  if(NOT bad EQUAL -1)
    message(FATAL_ERROR "${file} contains the raw-string delimiter")
  endif()
  string(APPEND out "inline constexpr const char* ${name} = R\"TFWEB(${content})TFWEB\";\n")
endforeach()
file(WRITE "${OUT}.tmp" "${out}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
