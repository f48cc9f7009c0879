// Microbenchmarks of the validators (src/detect/validators/validators.h): the cost of confirming one
// candidate, on a mix of valid values (bench/sensitive_values.h) and near misses (one digit changed).
//
//   build/release/bench/leakguard_microbench --benchmark_filter=Validator
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "detect/validators/validators.h"
#include "sensitive_values.h"

namespace {

using leakguard_bench::Rng;

// 512 values from `make`, every other one with its last digit changed (mostly invalid then).
template <typename Make>
std::vector<std::string> Values(Make make) {
  Rng rng(11);
  std::vector<std::string> out;
  for (int i = 0; i < 512; ++i) {
    std::string v = make(rng);
    if (i % 2) {
      for (auto it = v.rbegin(); it != v.rend(); ++it) {
        if (*it >= '0' && *it <= '9') {
          *it = static_cast<char>('0' + (*it - '0' + 1) % 10);
          break;
        }
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

void RunValidator(benchmark::State& state, leakguard::detect::ValidatorFn fn,
                  const std::vector<std::string>& values) {
  std::size_t accepted = 0;
  for (auto _ : state) {
    accepted = 0;
    for (const auto& v : values) accepted += fn(v) ? 1 : 0;
    benchmark::DoNotOptimize(accepted);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * values.size()));
  state.counters["accepted"] = static_cast<double>(accepted) / static_cast<double>(values.size());
}

#define LEAKGUARD_VALIDATOR_BENCH(Name, Fn, Maker)                \
  void BM_Validator##Name(benchmark::State& state) {              \
    static const std::vector<std::string> values = Values(Maker); \
    RunValidator(state, &leakguard::detect::Fn, values);          \
  }                                                               \
  BENCHMARK(BM_Validator##Name)

LEAKGUARD_VALIDATOR_BENCH(CreditCard, CreditCardValid, leakguard_bench::CardNumber);
LEAKGUARD_VALIDATOR_BENCH(Iban, IbanValid, [](Rng& r) { return leakguard_bench::Iban(r, r.Below(2)); });
LEAKGUARD_VALIDATOR_BENCH(UsSsn, UsSsnValid, leakguard_bench::Ssn);
LEAKGUARD_VALIDATOR_BENCH(IndonesiaNik, IndonesiaNikValid,
                          [](Rng& r) { return leakguard_bench::Nik(r, r.Below(2)); });
LEAKGUARD_VALIDATOR_BENCH(Email, EmailValid, leakguard_bench::Email);
LEAKGUARD_VALIDATOR_BENCH(Phone, PhoneValid, leakguard_bench::Phone);
LEAKGUARD_VALIDATOR_BENCH(Ipv4, Ipv4Valid, leakguard_bench::Ipv4);
LEAKGUARD_VALIDATOR_BENCH(Jwt, JwtValid, [](Rng& r) {
  std::string t = leakguard_bench::MakeInjection(r).text;
  while (t.find("Bearer ") == std::string::npos) t = leakguard_bench::MakeInjection(r).text;
  t = t.substr(t.find("Bearer ") + 7);
  t.pop_back();  // the line end
  return t;
});

void BM_ValidatorLuhnDigits(benchmark::State& state) {
  static const std::vector<std::string> values =
      Values([](Rng& r) { return leakguard::detect::DigitsOnly(leakguard_bench::CardNumber(r)); });
  RunValidator(state, &leakguard::detect::LuhnValid, values);
}
BENCHMARK(BM_ValidatorLuhnDigits);

void BM_ShannonEntropy40(benchmark::State& state) {
  Rng rng(3);
  const std::string secret = rng.FromAlphabet(leakguard_bench::kBase64, 40);
  for (auto _ : state) benchmark::DoNotOptimize(leakguard::detect::ShannonEntropy(secret));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ShannonEntropy40);

void BM_FindValidatorByName(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(leakguard::detect::FindValidator("indonesia_nik"));
}
BENCHMARK(BM_FindValidatorByName);

}  // namespace
