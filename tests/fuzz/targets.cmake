# libFuzzer targets: one executable per tests/fuzz/*_fuzz.cc, named after the file, written to
# <build>/tests/fuzz/. Included by tests/fuzz/CMakeLists.txt or, when the top-level CMakeLists does not
# add tests/fuzz, by tests/fuzz/fuzz_hook.cmake (see tests/fuzz/run.sh).
#
# Built only in a fuzz configuration: clang and -DLEAKGUARD_FUZZ=ON, which compiles the libraries with
# -fsanitize=fuzzer-no-link,address,undefined; the targets link with -fsanitize=fuzzer.
get_property(leakguard_fuzz_added GLOBAL PROPERTY LEAKGUARD_FUZZ_TARGETS_ADDED)
if(leakguard_fuzz_added)
  return()
endif()
set_property(GLOBAL PROPERTY LEAKGUARD_FUZZ_TARGETS_ADDED TRUE)

file(GLOB leakguard_fuzz_srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*_fuzz.cc)
foreach(src ${leakguard_fuzz_srcs})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/fuzz)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include)
  # Every target gets the whole library stack; the linker keeps only what a target uses.
  target_link_libraries(${name} PRIVATE leakguard_cli leakguard_server leakguard_extract leakguard
                        PkgConfig::HS PkgConfig::PCRE2 yaml-cpp nlohmann_json::nlohmann_json)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endforeach()
