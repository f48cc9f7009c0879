// incident/evidence.h — the evidence vault's cryptography: responder keys, and streaming encryption of
// a transfer's full content.
//
// Owns: EvidencePublicKey, EvidenceSecretKey, EvidenceSource, EvidenceSealer and EvidenceOpener.
// Evidence is kept only when the verdict asks for it (Verdict::keep_evidence) and a public key is
// configured. Each piece of evidence gets a fresh random key for crypto_secretstream_xchacha20poly1305;
// that key is sealed to the responders' X25519 public key with crypto_box_seal, so a LeakGuard node
// can write evidence but only the holder of the secret key can read it. The content is encrypted in
// chunks (64 KiB by default), so memory stays bounded whatever the size; each chunk is authenticated
// with the evidence id and incident id as additional data, and the last carries the FINAL tag, so
// a chunk swapped in from other evidence, reordered, or dropped from the end is detected on opening.
// The chunks are stored in the incident store (IncidentStore::Record / OpenEvidence, store.h).
//
// Key files (`leakguard evidence keygen --out PREFIX`):
//   PREFIX.pub  "leakguard-evidence-public-key-v1 <base64 of 32 bytes>"  (give to every node)
//   PREFIX.key  "leakguard-evidence-secret-key-v1 <base64 of 64 bytes>"  (mode 0600, responders only)
//
// Threads: value types; a sealer or opener is used by one thread.
// Failure: kInvalidArgument for the wrong key or a tampered/incomplete stream, kParseError for a bad
// key file.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "leakguard/status.h"

namespace leakguard::incident {

struct EvidencePublicKey {
  std::array<unsigned char, crypto_box_PUBLICKEYBYTES> bytes{};
};

// Zeroed on destruction.
struct EvidenceSecretKey {
  std::array<unsigned char, crypto_box_PUBLICKEYBYTES> public_bytes{};
  std::array<unsigned char, crypto_box_SECRETKEYBYTES> secret_bytes{};
  EvidenceSecretKey() = default;
  EvidenceSecretKey(const EvidenceSecretKey&) = default;
  EvidenceSecretKey& operator=(const EvidenceSecretKey&) = default;
  ~EvidenceSecretKey() { sodium_memzero(secret_bytes.data(), secret_bytes.size()); }
};

// Writes PREFIX.pub and PREFIX.key (0600). Refuses to overwrite either.
Status WriteNewEvidenceKeys(const std::string& prefix);
Result<EvidencePublicKey> LoadEvidencePublicKey(const std::string& path);
// Refuses a key file readable by group or others.
Result<EvidenceSecretKey> LoadEvidenceSecretKey(const std::string& path);

// The content to keep: `read` fills up to `cap` bytes and returns how many, 0 at the end.
struct EvidenceSource {
  std::function<Result<std::size_t>(char* buf, std::size_t cap)> read;
  std::string name;             // file name, subject... (metadata, stored in clear)
  std::string content_type;     // stored in clear
  std::uint64_t size_hint = 0;  // total size when known (recorded when the content is cut), else 0
};
// A source over memory the caller keeps alive while it is read.
EvidenceSource EvidenceFromMemory(std::string_view content, std::string name = {},
                                  std::string content_type = {});

class EvidenceSealer {
 public:
  // `ad` binds every chunk to its evidence (evidence id + incident id).
  static Result<EvidenceSealer> Start(const EvidencePublicKey& key, std::string ad);
  const std::string& sealed_key() const { return sealed_key_; }  // crypto_box_seal of the stream key
  const std::string& header() const { return header_; }          // secretstream header
  // One encrypted chunk; `last` marks the end of the stream.
  std::string Push(std::string_view plain, bool last);
  ~EvidenceSealer();
  EvidenceSealer(EvidenceSealer&&) noexcept;
  EvidenceSealer& operator=(EvidenceSealer&&) = delete;

 private:
  EvidenceSealer() = default;
  std::unique_ptr<crypto_secretstream_xchacha20poly1305_state> state_;
  std::string sealed_key_, header_, ad_;
};

class EvidenceOpener {
 public:
  static Result<EvidenceOpener> Start(const EvidenceSecretKey& key, std::string_view sealed_key,
                                      std::string_view header, std::string ad);
  // Decrypts the next chunk; sets *last when it carried the FINAL tag.
  Result<std::string> Pull(std::string_view cipher, bool* last);
  ~EvidenceOpener();
  EvidenceOpener(EvidenceOpener&&) noexcept;
  EvidenceOpener& operator=(EvidenceOpener&&) = delete;

 private:
  EvidenceOpener() = default;
  std::unique_ptr<crypto_secretstream_xchacha20poly1305_state> state_;
  std::string ad_;
};

}  // namespace leakguard::incident
