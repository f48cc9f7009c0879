#include "incident/audit.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace leakguard::incident {
namespace {

constexpr std::string_view kKeyTag = "leakguard-audit-key-v1";

std::string Hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return Hex(md, sizeof md);
}

std::string CanonicalAuditEntry(const AuditEntry& e) {
  nlohmann::json j = nlohmann::json::array({e.seq, e.time_ms, e.actor, e.action, e.object_id, e.details});
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string AuditChainHash(std::string_view prev_hash, std::string_view canonical) {
  std::string buf;
  buf.reserve(prev_hash.size() + 1 + canonical.size());
  buf.append(prev_hash).append("\n").append(canonical);
  return Sha256Hex(buf);
}

std::string AuditKey::id() const { return Sha256Hex(bytes).substr(0, 16); }

std::string AuditKey::Mac(std::string_view hash) const {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), bytes.data(), static_cast<int>(bytes.size()),
       reinterpret_cast<const unsigned char*>(hash.data()), hash.size(), md, &len);
  return Hex(md, len);
}

Status WriteNewAuditKey(const std::string& path) {
  if (sodium_init() < 0) return Status::Internal("libsodium initialisation failed");
  unsigned char key[32];
  randombytes_buf(key, sizeof key);
  char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
  sodium_memzero(key, sizeof key);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::IoError("cannot create " + path + ": " + std::strerror(errno) +
                           (errno == EEXIST ? " (refusing to overwrite an audit key)" : ""));
  std::string line = std::string(kKeyTag) + " " + b64 + "\n";
  sodium_memzero(b64, sizeof b64);
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  sodium_memzero(line.data(), line.size());
  ::close(fd);
  return ok ? Status::Ok() : Status::IoError("cannot write " + path);
}

Result<AuditKey> LoadAuditKey(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Unexpected(Status::NotFound("cannot read audit key " + path + ": " + std::strerror(errno)));
  std::string tag, b64;
  in >> tag >> b64;
  if (tag != kKeyTag) return Unexpected(Status::ParseError(path + ": not a LeakGuard audit key"));
  if (sodium_init() < 0) return Unexpected(Status::Internal("libsodium initialisation failed"));
  AuditKey key;
  key.bytes.resize(64);
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(key.bytes.data()), key.bytes.size(), b64.data(),
                        b64.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      len < 32)
    return Unexpected(Status::ParseError(path + ": audit key is not 32 bytes of base64"));
  key.bytes.resize(len);
  sodium_memzero(b64.data(), b64.size());
  return key;
}

void AuditReport::Add(std::int64_t seq, std::string what) {
  if (problems.size() < kMaxProblems) problems.push_back({seq, std::move(what)});
}

void ChainVerifier::Feed(const AuditEntry& e) {
  AuditReport& r = report_;
  ++r.entries;
  if (e.seq != expected_seq_) {
    if (e.seq > expected_seq_) {
      r.Add(expected_seq_, e.seq == expected_seq_ + 1
                               ? "entry seq " + std::to_string(expected_seq_) + " is missing (removed)"
                               : "entries seq " + std::to_string(expected_seq_) + ".." +
                                     std::to_string(e.seq - 1) + " are missing (removed)");
    } else {
      r.Add(e.seq, "entry seq " + std::to_string(e.seq) + " is out of order (reordered or duplicated)");
    }
  }
  std::string recomputed = AuditChainHash(e.prev_hash, CanonicalAuditEntry(e));
  if (recomputed != e.hash)
    r.Add(e.seq, "entry seq " + std::to_string(e.seq) + " was altered: its content does not match its hash");
  else if (e.prev_hash != prev_hash_)
    r.Add(e.seq, "entry seq " + std::to_string(e.seq) +
                     " does not follow the entry before it (an entry was removed, inserted or reordered)");
  if (e.mac.empty()) {
    ++r.unkeyed;
    if (key_ != nullptr)
      r.Add(e.seq, "entry seq " + std::to_string(e.seq) + " has no MAC (written without the audit key)");
  } else if (key_ != nullptr && key_->Mac(e.hash) != e.mac) {
    r.Add(e.seq, "entry seq " + std::to_string(e.seq) +
                     " has a MAC that does not verify (chain rewritten, or a different audit key)");
  }
  prev_hash_ = e.hash;
  expected_seq_ = e.seq + 1;
  r.head_seq = e.seq;
  r.head_hash = e.hash;
}

}  // namespace leakguard::incident
