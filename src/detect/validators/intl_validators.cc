// Validators for further national identifiers (beyond those in validators.cc).
#include "detect/validators/validators.h"

namespace leakguard::detect {

std::span<const ValidatorInfo> IntlValidators() { return {}; }

}  // namespace leakguard::detect
