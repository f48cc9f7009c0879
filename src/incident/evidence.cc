#include "incident/evidence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace leakguard::incident {
namespace {

constexpr std::string_view kPublicTag = "leakguard-evidence-public-key-v1";
constexpr std::string_view kSecretTag = "leakguard-evidence-secret-key-v1";

bool SodiumReady() { return sodium_init() >= 0; }

std::string Base64(const unsigned char* p, std::size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

Status WriteExclusive(const std::string& path, std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return Status::IoError("cannot create " + path + ": " + std::strerror(errno) +
                           (errno == EEXIST ? " (refusing to overwrite a key)" : ""));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  return ok ? Status::Ok() : Status::IoError("cannot write " + path);
}

// Reads "<tag> <base64>" into exactly `n` bytes at `out`.
Status ReadKeyFile(const std::string& path, std::string_view tag, unsigned char* out, std::size_t n) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read key " + path + ": " + std::strerror(errno));
  std::string t, b64;
  in >> t >> b64;
  if (t != tag) return Status::ParseError(path + ": not a " + std::string(tag) + " file");
  if (!SodiumReady()) return Status::Internal("libsodium initialisation failed");
  std::size_t len = 0;
  int rc = sodium_base642bin(out, n, b64.data(), b64.size(), nullptr, &len, nullptr,
                             sodium_base64_VARIANT_ORIGINAL);
  sodium_memzero(b64.data(), b64.size());
  if (rc != 0 || len != n) return Status::ParseError(path + ": bad key length");
  return Status::Ok();
}

}  // namespace

Status WriteNewEvidenceKeys(const std::string& prefix) {
  if (!SodiumReady()) return Status::Internal("libsodium initialisation failed");
  EvidenceSecretKey key;
  crypto_box_keypair(key.public_bytes.data(), key.secret_bytes.data());
  std::string pub =
      std::string(kPublicTag) + " " + Base64(key.public_bytes.data(), key.public_bytes.size()) + "\n";
  unsigned char both[crypto_box_SECRETKEYBYTES + crypto_box_PUBLICKEYBYTES];
  std::memcpy(both, key.secret_bytes.data(), crypto_box_SECRETKEYBYTES);
  std::memcpy(both + crypto_box_SECRETKEYBYTES, key.public_bytes.data(), crypto_box_PUBLICKEYBYTES);
  std::string sec = std::string(kSecretTag) + " " + Base64(both, sizeof both) + "\n";
  sodium_memzero(both, sizeof both);
  // The secret first: if it cannot be written, no public key exists that nobody could open.
  if (Status st = WriteExclusive(prefix + ".key", sec, 0600); !st.ok()) return st;
  if (Status st = WriteExclusive(prefix + ".pub", pub, 0644); !st.ok()) {
    ::unlink((prefix + ".key").c_str());
    return st;
  }
  return Status::Ok();
}

Result<EvidencePublicKey> LoadEvidencePublicKey(const std::string& path) {
  EvidencePublicKey key;
  if (Status st = ReadKeyFile(path, kPublicTag, key.bytes.data(), key.bytes.size()); !st.ok())
    return Unexpected(st);
  return key;
}

Result<EvidenceSecretKey> LoadEvidenceSecretKey(const std::string& path) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) == 0 && (sb.st_mode & 077) != 0)
    return Unexpected(Status::InvalidArgument(path + ": secret key is readable by others (chmod 600 it)"));
  EvidenceSecretKey key;
  unsigned char both[crypto_box_SECRETKEYBYTES + crypto_box_PUBLICKEYBYTES];
  if (Status st = ReadKeyFile(path, kSecretTag, both, sizeof both); !st.ok()) return Unexpected(st);
  std::memcpy(key.secret_bytes.data(), both, crypto_box_SECRETKEYBYTES);
  std::memcpy(key.public_bytes.data(), both + crypto_box_SECRETKEYBYTES, crypto_box_PUBLICKEYBYTES);
  sodium_memzero(both, sizeof both);
  return key;
}

EvidenceSource EvidenceFromMemory(std::string_view content, std::string name, std::string content_type) {
  EvidenceSource src;
  auto pos = std::make_shared<std::size_t>(0);
  src.read = [content, pos](char* buf, std::size_t cap) -> Result<std::size_t> {
    std::size_t n = std::min(cap, content.size() - *pos);
    std::memcpy(buf, content.data() + *pos, n);
    *pos += n;
    return n;
  };
  src.name = std::move(name);
  src.content_type = std::move(content_type);
  src.size_hint = content.size();
  return src;
}

Result<EvidenceSealer> EvidenceSealer::Start(const EvidencePublicKey& key, std::string ad) {
  if (!SodiumReady()) return Unexpected(Status::Internal("libsodium initialisation failed"));
  EvidenceSealer s;
  s.ad_ = std::move(ad);
  s.state_ = std::make_unique<crypto_secretstream_xchacha20poly1305_state>();
  unsigned char stream_key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  crypto_secretstream_xchacha20poly1305_keygen(stream_key);
  s.header_.resize(crypto_secretstream_xchacha20poly1305_HEADERBYTES);
  crypto_secretstream_xchacha20poly1305_init_push(
      s.state_.get(), reinterpret_cast<unsigned char*>(s.header_.data()), stream_key);
  s.sealed_key_.resize(crypto_box_SEALBYTES + sizeof stream_key);
  int rc = crypto_box_seal(reinterpret_cast<unsigned char*>(s.sealed_key_.data()), stream_key,
                           sizeof stream_key, key.bytes.data());
  sodium_memzero(stream_key, sizeof stream_key);
  if (rc != 0) return Unexpected(Status::Internal("crypto_box_seal failed"));
  return s;
}

std::string EvidenceSealer::Push(std::string_view plain, bool last) {
  std::string out(plain.size() + crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
  unsigned long long len = 0;
  crypto_secretstream_xchacha20poly1305_push(state_.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                                             reinterpret_cast<const unsigned char*>(plain.data()),
                                             plain.size(), reinterpret_cast<const unsigned char*>(ad_.data()),
                                             ad_.size(),
                                             last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                                  : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  out.resize(len);
  return out;
}

EvidenceSealer::~EvidenceSealer() {
  if (state_) sodium_memzero(state_.get(), sizeof *state_);
}
EvidenceSealer::EvidenceSealer(EvidenceSealer&&) noexcept = default;

Result<EvidenceOpener> EvidenceOpener::Start(const EvidenceSecretKey& key, std::string_view sealed_key,
                                             std::string_view header, std::string ad) {
  if (!SodiumReady()) return Unexpected(Status::Internal("libsodium initialisation failed"));
  unsigned char stream_key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  if (sealed_key.size() != crypto_box_SEALBYTES + sizeof stream_key ||
      header.size() != crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    return Unexpected(Status::InvalidArgument("evidence key material is damaged"));
  if (crypto_box_seal_open(stream_key, reinterpret_cast<const unsigned char*>(sealed_key.data()),
                           sealed_key.size(), key.public_bytes.data(), key.secret_bytes.data()) != 0)
    return Unexpected(Status::InvalidArgument("this key does not open the evidence (wrong key)"));
  EvidenceOpener o;
  o.ad_ = std::move(ad);
  o.state_ = std::make_unique<crypto_secretstream_xchacha20poly1305_state>();
  int rc = crypto_secretstream_xchacha20poly1305_init_pull(
      o.state_.get(), reinterpret_cast<const unsigned char*>(header.data()), stream_key);
  sodium_memzero(stream_key, sizeof stream_key);
  if (rc != 0) return Unexpected(Status::InvalidArgument("evidence header is damaged"));
  return o;
}

Result<std::string> EvidenceOpener::Pull(std::string_view cipher, bool* last) {
  if (cipher.size() < crypto_secretstream_xchacha20poly1305_ABYTES)
    return Unexpected(Status::InvalidArgument("evidence chunk is truncated"));
  std::string out(cipher.size() - crypto_secretstream_xchacha20poly1305_ABYTES, '\0');
  unsigned long long len = 0;
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(
          state_.get(), reinterpret_cast<unsigned char*>(out.data()), &len, &tag,
          reinterpret_cast<const unsigned char*>(cipher.data()), cipher.size(),
          reinterpret_cast<const unsigned char*>(ad_.data()), ad_.size()) != 0)
    return Unexpected(
        Status::InvalidArgument("evidence chunk fails authentication (tampered, reordered or foreign)"));
  out.resize(len);
  *last = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  return out;
}

EvidenceOpener::~EvidenceOpener() {
  if (state_) sodium_memzero(state_.get(), sizeof *state_);
}
EvidenceOpener::EvidenceOpener(EvidenceOpener&&) noexcept = default;

}  // namespace leakguard::incident
