// core/cpu.h — what the CPU the process runs on can do, for code with a SIMD path chosen at run time
// (the engine's byte scans, the encoded-run finder).
//
// Threads: safe (the answer is computed once).
#pragma once

namespace leakguard {

#if defined(__x86_64__)
// AVX2 instructions are available (checked once, then cached).
inline bool HasAvx2() {
  static const bool avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return avx2;
}
#endif

}  // namespace leakguard
