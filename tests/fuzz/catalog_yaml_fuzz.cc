// Fuzz target: the info-type catalog YAML (docs/infotypes.md) as user configuration.
//
// The input is compiled as one user ConfigSource by Engine::Compile. Whatever the bytes, Compile must
// return an engine or an error Status, never crash, hang, leak or trip a sanitizer. When an engine
// comes out, its user patterns are exercised: the input itself and a fixed sample are scanned as a
// block and as a stream, since a user regex that compiled is what a scan later runs.
//
// The built-in catalog is not included: compiling it takes seconds under ASan, which would leave the
// fuzzer a handful of executions. Instead a small fixed base configuration (kBase: three types shaped
// like built-in ones, with the same ids) is compiled first, so `overrides:` in the input have types to
// change. The engine's on-disk database cache is switched off (LEAKGUARD_CACHE_DIR=off): every input
// would otherwise leave a cache file behind.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "leakguard/engine.h"

namespace {

constexpr std::string_view kBase = R"(infotypes:
  - id: CREDIT_CARD_NUMBER
    name: Credit card number
    category: financial
    specificity: 80
    patterns:
      - id: grouped
        regex: '(?<!\d)(?:4\d{3}|5[1-5]\d{2})(?:[ -]?\d{4}){3}(?!\d)'
        trigger: digits
        validator: credit_card
        max_length: 32
    context: {words: [card, credit, visa], confidence: high}
    exclusions: {test_values: ["4111111111111111"], words: [example]}
  - id: EMAIL_ADDRESS
    name: E-mail address
    category: personal
    patterns:
      - id: address
        regex: '[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+'
        validator: email
    stopwords: [noreply]
  - id: AWS_ACCESS_KEY_ID
    name: AWS access key id
    category: credential
    patterns:
      - id: key_id
        regex: '\bAKIA[A-Z2-7]{16}\b'
        confidence: high
      - id: names
        keywords: [aws_access_key_id]
        confidence: low
)";

constexpr std::string_view kSample =
    "Employee: Budi Santoso, NIK 3174015203910002, card 4111 1111 1111 1111 exp 11/27\n"
    "password = \"hunter2hunter2\"; api_key: AKIAIOSFODNN7EXAMPLE; mail budi@sinarjaya.co.id\n"
    "IBAN DE89 3704 0044 0532 0130 00, phone +62 812-3456-7890, EMP-123456 ABC-12-3456\n";

void Exercise(const std::shared_ptr<const leakguard::Engine>& engine, std::string_view text) {
  leakguard::Scanner scanner(engine);
  leakguard::ScanOptions options;
  options.min_confidence = leakguard::Confidence::kLow;
  auto block = scanner.ScanBlock(text, options);
  if (!block) std::abort();  // scanning fails only on misuse (engine.h)
  std::size_t streamed = 0;
  if (!scanner.Open(options, [&streamed](leakguard::Finding&&) { ++streamed; }).ok()) std::abort();
  for (std::size_t i = 0; i < text.size(); i += 7) {
    if (!scanner.Write(text.substr(i, 7)).ok()) std::abort();
  }
  if (!scanner.Close().ok()) std::abort();
  if (streamed != block->size()) std::abort();  // same answers both ways (engine.h)
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  ::setenv("LEAKGUARD_CACHE_DIR", "off", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string yaml(reinterpret_cast<const char*>(data), size);
  leakguard::CompileOptions options;
  options.include_builtin = false;
  options.configs.push_back({"base.yaml", std::string(kBase)});
  options.configs.push_back({"fuzz.yaml", yaml});
  auto engine = leakguard::Engine::Compile(options);
  if (!engine) {
    // An error must say something: the name of the source or of the failing item.
    if (engine.error().ok() || engine.error().message().empty()) std::abort();
    return 0;
  }
  for (const auto& type : (*engine)->types()) {
    if (type.id.empty()) std::abort();
  }
  Exercise(*engine, kSample);
  Exercise(*engine, yaml);
  return 0;
}
