// SPDX-License-Identifier: MIT
// Internal: a RESTORE's directories. A COOL with --include-directory-stub leaves one
// zero-length blob with metadata hdi_isfolder=true per directory; AzCopy does not make the
// empty ones back (10.27 and later skip every stub in their listings; 10.18 crashes on them),
// so the runner lists the stubs and makes their directories on the share before AzCopy copies
// the files.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/types.hpp"
#include "os/http_client.hpp"
#include "store/record.hpp"

namespace azcopy_runner::detail {

/// A storage URL taken apart: `<origin>/<root>[/<path>]?<query>`; root and path decoded.
struct StorageLocation {
  std::string origin;     ///< "https://account.blob.core.windows.net" (or an emulator's).
  std::string root;       ///< The container or share.
  std::string path;       ///< Below it, without a leading or trailing '/'; "" for the root.
  std::string query;      ///< The SAS, without '?'.
  bool wildcard = false;  ///< The path ended in "/*" (its contents, not the folder itself).
};

/// Takes @p url apart; std::nullopt when it is no http(s) URL naming a container or share.
std::optional<StorageLocation> split_location(std::string_view url);

/// @p text percent-encoded for a URL path: every byte but unreserved ones and '/'.
std::string encode_path(std::string_view text);

/// One page of a List Blobs answer: the names of its directory stubs (metadata
/// hdi_isfolder=true), how many blobs it listed, and the marker of the next page ("" at the end).
struct BlobListPage {
  std::vector<std::string> stubs;
  std::int64_t blobs = 0;
  std::string next_marker;
};

/// Parses a List Blobs XML answer. @throws AzCopyParseError when it is not one.
BlobListPage parse_blob_list(std::string_view xml);

/// One directory to make below the destination: its path, and whether a stub named it (the
/// counted ones; the others are the copy's root and parents no stub named).
struct PlannedDirectory {
  std::string path;
  bool from_stub = false;
};

/// The directories of @p stubs (relative to the listed folder) under @p base (the destination
/// folder, "" for the share's root), each once, parents before children.
std::vector<PlannedDirectory> plan_directories(const std::vector<std::string>& stubs,
                                               std::string_view base);

/// Where a RESTORE's directories come from and go to.
struct DirectoryCopy {
  std::string_view source;       ///< The container URL (with its SAS).
  std::string_view destination;  ///< The share URL (with its SAS).
  bool as_subdir = true;         ///< AzCopy's --as-subdir: a source folder goes under the target.
  std::string log_dir;           ///< For the errors: the runner's log root.
  /// The pause before a request's second try (doubled before each further one).
  std::chrono::milliseconds first_pause{500};
};

/// Lists the stubs below @p copy.source and makes their directories on @p copy.destination
/// (parents first; an existing directory counts as skipped). Transient answers (5xx, no
/// answer) are tried again a few times.
/// @throws AzCopyStartError when the URLs are not usable or the container cannot be listed.
KeptDirectories recreate_directories(HttpClient& http, const DirectoryCopy& copy);

}  // namespace azcopy_runner::detail
