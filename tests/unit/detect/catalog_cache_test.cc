// The cached copy of the built-in catalog (catalog_cache.h) must be the catalog the YAML gives.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "detect/builtin_data.h"
#include "detect/catalog.h"
#include "detect/catalog_cache.h"
#include "leakguard/engine.h"

namespace leakguard::detect {
namespace {

Catalog ParseBuiltin() {
  Catalog catalog;
  for (const auto& file : BuiltinFiles()) {
    if (!file.name.starts_with("infotypes/")) continue;
    EXPECT_TRUE(LoadCatalogYaml("builtin:" + std::string(file.name), file.text, true, catalog).ok());
  }
  return catalog;
}

TEST(CatalogCache, RoundTripsTheBuiltinCatalog) {
  Catalog parsed = ParseBuiltin();
  ASSERT_GT(parsed.types.size(), 100u);
  std::string bytes = SerializeCatalog(parsed);
  std::optional<Catalog> back = DeserializeCatalog(bytes);
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->types.size(), parsed.types.size());
  EXPECT_EQ(SerializeCatalog(*back), bytes);
  for (std::size_t i = 0; i < parsed.types.size(); ++i) {
    const InfoTypeSpec &a = parsed.types[i], &b = back->types[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.source, b.source);
    EXPECT_EQ(a.context.confidence, b.context.confidence) << a.id;
    EXPECT_EQ(a.exclusions.test_values, b.exclusions.test_values) << a.id;
    ASSERT_EQ(a.patterns.size(), b.patterns.size()) << a.id;
    for (std::size_t k = 0; k < a.patterns.size(); ++k) {
      EXPECT_EQ(a.patterns[k].regex, b.patterns[k].regex);
      EXPECT_EQ(a.patterns[k].trigger, b.patterns[k].trigger);
      EXPECT_EQ(a.patterns[k].min_entropy, b.patterns[k].min_entropy);
      EXPECT_EQ(a.patterns[k].prefilter_lead, b.patterns[k].prefilter_lead);
    }
  }
  // Anything cut short or extended is not a catalog.
  EXPECT_FALSE(DeserializeCatalog(std::string_view(bytes).substr(0, bytes.size() / 2)).has_value());
  EXPECT_FALSE(DeserializeCatalog(bytes + "x").has_value());
  EXPECT_FALSE(DeserializeCatalog("").has_value());
}

TEST(CatalogCache, EngineFromTheCacheEqualsEngineFromYaml) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("leakguard-catalog-cache-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const char* saved = std::getenv("LEAKGUARD_CACHE_DIR");
  const std::string saved_value = saved ? saved : "";
  ::setenv("LEAKGUARD_CACHE_DIR", dir.c_str(), 1);
  auto first = Engine::Compile({});  // parses the YAML and fills the cache
  bool cached = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    cached = cached || entry.path().filename().string().starts_with("catalog-");
  auto second = Engine::Compile({});  // reads the cache
  if (saved) {
    ::setenv("LEAKGUARD_CACHE_DIR", saved_value.c_str(), 1);
  } else {
    ::unsetenv("LEAKGUARD_CACHE_DIR");
  }
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(cached);
  const auto &a = (*first)->types(), &b = (*second)->types();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].patterns, b[i].patterns);
    EXPECT_EQ(a[i].confidence_rules, b[i].confidence_rules);
    EXPECT_EQ(a[i].source, b[i].source);
  }
  Scanner s1(*first), s2(*second);
  const std::string text = "card 4111 1111 1111 1111, mail a@example.com, key AKIAQYLPMN5HHHFPZAM2";
  auto f1 = s1.ScanBlock(text, {});
  auto f2 = s2.ScanBlock(text, {});
  ASSERT_TRUE(f1.has_value());
  ASSERT_TRUE(f2.has_value());
  ASSERT_EQ(f1->size(), f2->size());
  for (std::size_t i = 0; i < f1->size(); ++i) {
    EXPECT_EQ((*f1)[i].info_type, (*f2)[i].info_type);
    EXPECT_EQ((*f1)[i].start, (*f2)[i].start);
  }
  EXPECT_GE(f1->size(), 2u);
}

}  // namespace
}  // namespace leakguard::detect
