#include "policy/geoip.h"

#include <maxminddb.h>

#include <cctype>

#include "policy/net.h"

namespace leakguard::policy {

Result<std::unique_ptr<GeoIp>> GeoIp::Open(const std::string& path) {
  std::unique_ptr<GeoIp> g(new GeoIp());
  g->db_ = std::make_unique<MMDB_s>();
  const int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, g->db_.get());
  if (rc != MMDB_SUCCESS) {
    g->db_.reset();
    const StatusCode code = rc == MMDB_FILE_OPEN_ERROR ? StatusCode::kNotFound : StatusCode::kParseError;
    return Unexpected(Status(code, path + ": cannot open GeoIP database: " + MMDB_strerror(rc)));
  }
  return g;
}

GeoIp::~GeoIp() {
  if (db_) MMDB_close(db_.get());
}

std::string GeoIp::Country(std::string_view ip) const {
  auto parsed = ParseIp(ip);  // refuse names: MMDB_lookup_string would resolve them (DNS)
  if (!parsed || !db_) return "";
  std::string text;
  if (parsed->v4) {
    // Also for "::ffff:a.b.c.d": databases hold IPv4 networks under ::/96, not under ::ffff:0:0/96.
    const auto& b = parsed->bytes;
    text = std::to_string(b[12]) + "." + std::to_string(b[13]) + "." + std::to_string(b[14]) + "." +
           std::to_string(b[15]);
  } else {
    text = std::string(ip);
    if (text.size() >= 2 && text.front() == '[') text = text.substr(1, text.size() - 2);
    if (auto pct = text.find('%'); pct != std::string::npos) text.resize(pct);
  }
  int gai_error = 0, mmdb_error = 0;
  MMDB_lookup_result_s r = MMDB_lookup_string(db_.get(), text.c_str(), &gai_error, &mmdb_error);
  if (gai_error != 0 || mmdb_error != MMDB_SUCCESS || !r.found_entry) return "";
  for (const char* top : {"country", "registered_country"}) {
    MMDB_entry_data_s data{};
    if (MMDB_get_value(&r.entry, &data, top, "iso_code", nullptr) == MMDB_SUCCESS && data.has_data &&
        data.type == MMDB_DATA_TYPE_UTF8_STRING && data.data_size > 0 && data.data_size <= 8) {
      std::string code(data.utf8_string, data.data_size);
      for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return code;
    }
  }
  return "";
}

}  // namespace leakguard::policy
