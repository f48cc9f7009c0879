#include "channel/inspect.h"

#include <vector>

#include "extract/inspect.h"

namespace leakguard::channel {

Status InspectForPolicy(detect::ScannerPool& pool, extract::Source& source, std::string_view name,
                        const extract::Limits& limits, policy::SummaryBuilder& builder,
                        const FindingSink* also) {
  // Parts nest (a base64 run inside a text): deeper levels borrow more scanners.
  auto first = pool.Acquire();
  std::vector<detect::ScannerPool::Lease> extra;
  extract::Inspector inspector([&](std::size_t level) -> Scanner& {
    if (level == 0) return *first;
    while (extra.size() < level) extra.push_back(pool.Acquire());
    return *extra[level - 1];
  });
  if (extract::PartSink* observer = builder.observer()) inspector.set_observer(observer);
  ScanOptions scan;
  scan.min_confidence = Confidence::kLow;
  return inspector.InspectStream(source, name, scan, limits, [&](Finding&& f) {
    builder.Add(f);
    if (also != nullptr && *also) (*also)(std::move(f));
  });
}

}  // namespace leakguard::channel
