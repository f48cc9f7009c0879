#include "leakguard/engine.h"

#include <fstream>
#include <sstream>

#include "detect/catalog.h"
#include "detect/catalog_cache.h"
#include "detect/compiled_catalog.h"
#include "detect/scan_state.h"

namespace leakguard {

Engine::Engine(std::unique_ptr<detect::CompiledCatalog> catalog) : catalog_(std::move(catalog)) {}
Engine::~Engine() = default;

Result<std::shared_ptr<const Engine>> Engine::Compile(const CompileOptions& options) {
  detect::Catalog catalog;
  if (options.include_builtin) {
    // Parsed from the built-in YAML, or read from the cache of an earlier parse (catalog_cache.h).
    if (Status s = detect::LoadBuiltinCatalog(catalog); !s.ok()) return Unexpected(s);
  }
  for (const auto& config : options.configs) {
    if (Status s = detect::LoadCatalogYaml(config.name, config.yaml, false, catalog); !s.ok())
      return Unexpected(s);
  }
  auto compiled = detect::CompiledCatalog::Compile(std::move(catalog));
  if (!compiled) return Unexpected(compiled.error());
  return std::shared_ptr<const Engine>(new Engine(std::move(*compiled)));
}

Result<std::shared_ptr<const Engine>> Engine::CompileFiles(const std::vector<std::string>& config_paths,
                                                           bool include_builtin) {
  CompileOptions options;
  options.include_builtin = include_builtin;
  for (const auto& path : config_paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Unexpected(Status::NotFound("cannot read configuration file " + path));
    std::ostringstream text;
    text << in.rdbuf();
    options.configs.push_back({path, text.str()});
  }
  return Compile(options);
}

const std::vector<InfoTypeInfo>& Engine::types() const { return catalog_->infos(); }

const InfoTypeInfo* Engine::FindType(std::string_view id) const {
  for (const auto& t : catalog_->infos())
    if (t.id == id) return &t;
  return nullptr;
}

Scanner::Scanner(std::shared_ptr<const Engine> engine)
    : engine_(std::move(engine)), state_(std::make_unique<detect::ScanState>(engine_->catalog())) {}
Scanner::~Scanner() = default;
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;

Result<std::vector<Finding>> Scanner::ScanBlock(std::string_view data, const ScanOptions& options) {
  if (state_->open()) return Unexpected(Status::InvalidArgument("ScanBlock called while a stream is open"));
  std::vector<Finding> findings;
  state_->Begin(options, [&findings](Finding&& f) { findings.push_back(std::move(f)); });
  state_->ScanAll(data);
  state_->DropSink();  // it points at the local vector
  return findings;
}

Status Scanner::Open(const ScanOptions& options, FindingSink sink) {
  if (state_->open()) return Status::InvalidArgument("a stream is already open on this scanner");
  state_->Begin(options, std::move(sink));
  state_->set_open(true);
  return Status::Ok();
}

Status Scanner::Write(std::string_view chunk) {
  if (!state_->open()) return Status::InvalidArgument("Write without Open");
  state_->Write(chunk);
  return Status::Ok();
}

Status Scanner::Close() {
  if (!state_->open()) return Status::InvalidArgument("Close without Open");
  state_->Finish();
  state_->set_open(false);
  return Status::Ok();
}

std::uint64_t Scanner::bytes_scanned() const { return state_->total(); }

}  // namespace leakguard
