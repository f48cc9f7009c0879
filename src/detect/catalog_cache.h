// A binary copy of the parsed built-in catalog, kept in the engine's cache folder next to the
// compiled Vectorscan databases, so that the built-in YAML (about 210 KB) is parsed once per version
// instead of at every start: yaml-cpp takes about 40 ms for it, most of a `leakguard scan`'s start-up.
//
// The copy is keyed by a hash of the built-in files' names and texts, of the format and of the
// running executable's size and modification time (a rebuild that reads the YAML differently never
// sees an old copy; each new build parses once). Any mismatch, truncation or read error means "not
// cached" and the YAML is parsed again. Writes are best effort (a temporary file renamed into place),
// like the database cache; old copies are not removed (240 KB each). As with the databases, the
// folder must be writable by the user running LeakGuard only: a file planted there changes what the
// engine looks for.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "detect/catalog.h"

namespace leakguard::detect {

// The engine's cache folder: LEAKGUARD_CACHE_DIR, else $XDG_CACHE_HOME/leakguard, else
// $HOME/.cache/leakguard; empty when unset or "off" (no caching).
std::string CacheDirectory();

// Every field of every type, as bytes; DeserializeCatalog gives back an equal catalog.
std::string SerializeCatalog(const Catalog& catalog);
std::optional<Catalog> DeserializeCatalog(std::string_view bytes);

// The built-in catalog (data/infotypes/*.yaml): from the cache when it holds this version, else
// parsed (and then stored in the cache). Errors are those of LoadCatalogYaml.
Status LoadBuiltinCatalog(Catalog& catalog);

}  // namespace leakguard::detect
