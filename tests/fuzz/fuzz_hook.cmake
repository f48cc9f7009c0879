# Passed by tests/fuzz/run.sh as -DCMAKE_PROJECT_INCLUDE: runs right after the top-level project()
# call and defers including tests/fuzz/targets.cmake to the end of the top-level CMakeLists, when the
# library targets exist. Does nothing more if the top-level CMakeLists already added tests/fuzz.
if(NOT COMMAND leakguard_fuzz_include_targets)
  function(leakguard_fuzz_include_targets)
    include(${CMAKE_SOURCE_DIR}/tests/fuzz/targets.cmake)
  endfunction()
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL leakguard_fuzz_include_targets)
endif()
