#include "incident/database.h"

#include <charconv>

namespace leakguard::incident::db {

std::int64_t AsInt(const Value& v) {
  std::int64_t out = 0;
  if (v) std::from_chars(v->data(), v->data() + v->size(), out);
  return out;
}

Status Connection::Exec(std::string_view sql, std::span<const Param> params) {
  auto r = Query(sql, params);
  return r ? Status::Ok() : r.error();
}

}  // namespace leakguard::incident::db
