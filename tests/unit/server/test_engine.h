// The engine the server tests use: a few custom types, independent of the built-in catalog.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "leakguard/engine.h"

namespace leakguard::server::test_support {

constexpr const char* kTestTypes = R"(
infotypes:
  - id: TEST_CARD
    name: Test card number
    category: financial
    patterns:
      - id: grouped
        regex: '(?<!\d)4\d{3}(?:[ -]?\d{4}){3}(?!\d)'
        trigger: digits
        confidence: medium
        validator: luhn
    context:
      words: [card]
      confidence: high
  - id: TEST_AWS_KEY
    name: Test access key
    category: credential
    patterns:
      - id: key
        regex: 'AKIA[0-9A-Z]{16}'
        confidence: high
  - id: TEST_WEAK
    name: Weak marker
    category: custom
    patterns:
      - id: marker
        regex: 'WEAK-[0-9]{4}'
        confidence: low
)";

constexpr const char* kOneType = R"(
infotypes:
  - id: TEST_OTHER
    name: Other
    category: custom
    patterns:
      - id: main
        regex: 'OTHER-[0-9]{6}'
        confidence: high
)";

inline std::shared_ptr<const Engine> CompileTestEngine(const char* yaml = kTestTypes) {
  CompileOptions options;
  options.include_builtin = false;
  options.configs.push_back({"test.yaml", yaml});
  auto engine = Engine::Compile(options);
  if (!engine) {
    ADD_FAILURE() << engine.error().ToString();
    return nullptr;
  }
  return *engine;
}

}  // namespace leakguard::server::test_support
