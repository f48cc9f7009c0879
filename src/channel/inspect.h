// channel/inspect.h — what every channel does with the content of a transfer before it asks the
// decision point: extraction and the engine over a stream, every finding (all types, confidence low
// and up) into a policy::SummaryBuilder, which also collects markings from the text parts.
//
// Threads: call from any thread; the scanners come from (and go back to) the shared pool.
#pragma once

#include <string_view>

#include "detect/scanner_pool.h"
#include "extract/extract.h"
#include "extract/limits.h"
#include "policy/content_summary.h"

namespace leakguard::channel {

// Returns the extraction's status: ok, or why the content could not be inspected to its end (the
// caller marks the summary incomplete and applies its fail mode). `also`, when given, sees every
// finding too (masked values only), e.g. to know which part of a mail it was in.
Status InspectForPolicy(detect::ScannerPool& pool, extract::Source& source, std::string_view name,
                        const extract::Limits& limits, policy::SummaryBuilder& builder,
                        const FindingSink* also = nullptr);

}  // namespace leakguard::channel
