// Country of an IP address from a MaxMind-format database (GeoLite2/GeoIP2 Country or City, DB-IP,
// or the test database of examples/policies/make_test_geoip.py), read with libmaxminddb.
// Threads: lookups on an open database are thread-safe (libmaxminddb reads a read-only mapping).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "leakguard/status.h"

struct MMDB_s;

namespace leakguard::policy {

class GeoIp {
 public:
  static Result<std::unique_ptr<GeoIp>> Open(const std::string& path);
  ~GeoIp();
  GeoIp(const GeoIp&) = delete;
  GeoIp& operator=(const GeoIp&) = delete;

  // ISO 3166-1 alpha-2 code ("ID"), from country.iso_code, else registered_country.iso_code; "" when
  // the address is not in the database or not an address.
  std::string Country(std::string_view ip) const;

 private:
  GeoIp() = default;
  std::unique_ptr<MMDB_s> db_;
};

}  // namespace leakguard::policy
