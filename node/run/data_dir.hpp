// The data directory of a native node (docs/cli.md, "largo run"):
//   <data-dir>/identity.key   the libp2p PrivateKey protobuf (mode 0600, never overwritten)
//   <data-dir>/journal/       the fabric journal (node/storage/file_storage)
// Default: ~/.lsf/<program-id>/.
#pragma once

#include <string>

#include "core/result.hpp"
#include "net/identity/keys.hpp"

namespace ff::node {

inline constexpr const char* kIdentityFileName = "identity.key";
inline constexpr const char* kJournalDirName = "journal";

// "$HOME/.lsf/<program-id>"; kNotFound when HOME is unset or empty.
Result<std::string> default_data_dir(const std::string& program_id);

// Creates `path` (and missing parents) with mode 0700 if it does not exist. kIo naming the
// path when it cannot be created, is not a directory, or is not writable and searchable.
Status ensure_directory(const std::string& path);

// Loads the identity from `path`, or creates a fresh Ed25519 key there (O_EXCL, mode 0600,
// fsynced, and the directory fsynced) when the file does not exist. A file that exists but
// does not decode is an error (kInvalidInput) and is left untouched.
Result<net::PrivateKey> load_or_create_identity(const std::string& path);

}  // namespace ff::node
