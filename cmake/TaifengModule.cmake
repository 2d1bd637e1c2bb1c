# taifeng_module(NAME <folder> SOURCES ... [DEPENDS taifeng::x ...] [PRIVATE_DEPS ...]
#                [TESTS ...] [TEST_DEPS ...])
#
# Creates the library target taifeng_<folder> with the alias taifeng::<folder>, public headers in
# <folder>/include, and (when tests are on) one GoogleTest binary <folder>_test run through CTest
# with the repository's data/samples pinned as TAIFENG_SAMPLES_DIR.
function(taifeng_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;DEPENDS;PRIVATE_DEPS;TESTS;TEST_DEPS" ${ARGN})
  set(target taifeng_${M_NAME})
  add_library(${target} STATIC ${M_SOURCES})
  add_library(taifeng::${M_NAME} ALIAS ${target})
  target_include_directories(${target}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${target} PUBLIC ${M_DEPENDS} PRIVATE ${M_PRIVATE_DEPS})
  target_compile_definitions(${target} PRIVATE TAIFENG_VERSION="${PROJECT_VERSION}")
  if(TAIFENG_BUILD_TESTS AND M_TESTS)
    add_executable(${M_NAME}_test ${M_TESTS})
    target_include_directories(${M_NAME}_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests/support)
    target_link_libraries(${M_NAME}_test PRIVATE ${target} ${M_PRIVATE_DEPS} ${M_TEST_DEPS}
                          GTest::gtest_main)
    target_compile_definitions(${M_NAME}_test PRIVATE
      TAIFENG_SAMPLES_DIR="${PROJECT_SOURCE_DIR}/data/samples"
      TAIFENG_TESTDATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
      TAIFENG_BIN_DIR="${CMAKE_RUNTIME_OUTPUT_DIRECTORY}")
    gtest_discover_tests(${M_NAME}_test DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS ${M_NAME})
  endif()
endfunction()
