# Helpers that keep every module's CMakeLists.txt to a few lines.

# dg_library(NAME SRCS a.cc b.cc DEPS dg_x ...): a static library dg_NAME with
# src/ on the include path.
function(dg_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(dg_${name} STATIC ${ARG_SRCS})
  target_include_directories(dg_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(dg_${name} PUBLIC ${ARG_DEPS})
endfunction()

# dg_test(NAME SRCS a_test.cc DEPS dg_x ...): a GoogleTest binary registered
# with ctest under the label "unit" (the sanitizer run selects that label).
function(dg_test name)
  if(NOT DG_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE DG_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
endfunction()

# dg_benchmark(NAME SRCS a_benchmark.cc DEPS dg_x ...)
function(dg_benchmark name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark benchmark::benchmark_main)
  target_compile_definitions(${name} PRIVATE DG_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endfunction()

# dg_embed(INCBINS FILES SYMBOL FILE): appends to the variable named INCBINS
# the assembler that embeds FILE's bytes as [SYMBOL_start, SYMBOL_end)
# (followed by a NUL byte), and FILE to the list named FILES (for
# OBJECT_DEPENDS: .incbin is invisible to the dependency scanner).
macro(dg_embed incbins files symbol file)
  list(APPEND ${files} "${file}")
  string(APPEND ${incbins}
    "  .section .rodata.${symbol},\"a\",@progbits\n"
    "  .balign 16\n"
    "  .global ${symbol}_start\n"
    "  .hidden ${symbol}_start\n"
    "  .global ${symbol}_end\n"
    "  .hidden ${symbol}_end\n"
    "${symbol}_start:\n"
    "  .incbin \"${file}\"\n"
    "${symbol}_end:\n"
    "  .byte 0\n\n")
endmacro()
