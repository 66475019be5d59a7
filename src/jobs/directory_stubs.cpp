// SPDX-License-Identifier: MIT
#include "jobs/directory_stubs.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <set>
#include <thread>

#include "azcopy_runner/errors.hpp"
#include "azcopy_runner/parse.hpp"
#include "text/messages.hpp"
#include "text/text.hpp"

namespace azcopy_runner::detail {

namespace {

/// The versions of the REST APIs the requests speak: List Blobs with metadata, and Create
/// Directory without SMB headers (optional since 2021-06-08) and with trailing dots kept
/// (x-ms-allow-trailing-dot, 2022-11-02).
constexpr std::string_view kBlobVersion = "2021-08-06";
constexpr std::string_view kFileVersion = "2022-11-02";
/// Tries of one request whose answer is transient (5xx or none).
constexpr int kTries = 4;
/// The longest text of an answer kept in a failure.
constexpr std::size_t kFailureTextBytes = 200;

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_percent_decoded(out, text);
  return out;
}

bool is_unreserved(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string encode(std::string_view text, bool keep_slash) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4U];
      out += kHex[b & 0xFU];
    }
  }
  return out;
}

[[noreturn]] void broken_reference() {
  throw AzCopyParseError("a List Blobs answer holds a broken XML reference", ErrorContext{});
}

/// Appends the UTF-8 bytes of code point @p code.
void append_utf8(std::string& out, unsigned long code) {
  const auto byte = [](unsigned long b) { return static_cast<char>(b & 0xFFU); };
  if (code < 0x80) {
    out += byte(code);
  } else if (code < 0x800) {
    out += byte(0xC0U | (code >> 6U));
    out += byte(0x80U | (code & 0x3FU));
  } else if (code < 0x10000) {
    out += byte(0xE0U | (code >> 12U));
    out += byte(0x80U | ((code >> 6U) & 0x3FU));
    out += byte(0x80U | (code & 0x3FU));
  } else {
    out += byte(0xF0U | (code >> 18U));
    out += byte(0x80U | ((code >> 12U) & 0x3FU));
    out += byte(0x80U | ((code >> 6U) & 0x3FU));
    out += byte(0x80U | (code & 0x3FU));
  }
}

/// The code point of a character reference's digits ("#233" or "#xE9" without the '#').
unsigned long reference_code(std::string_view digits) {
  const bool hex = !digits.empty() && (digits[0] == 'x' || digits[0] == 'X');
  if (hex) {
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > 8) {
    broken_reference();
  }
  unsigned long code = 0;
  for (const char d : digits) {
    if (hex ? !is_hex_digit(d) : (d < '0' || d > '9')) {
      broken_reference();
    }
    code = code * (hex ? 16U : 10U) + (hex ? hex_digit_value(d) : static_cast<unsigned>(d - '0'));
  }
  if (code == 0 || code > 0x10FFFF) {
    broken_reference();
  }
  return code;
}

/// Appends what the reference @p ref (between '&' and ';') stands for.
void append_reference(std::string& out, std::string_view ref) {
  static constexpr std::array<std::pair<std::string_view, char>, 5> kEntities{
      {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}}};
  for (const auto& [name, c] : kEntities) {
    if (ref == name) {
      out += c;
      return;
    }
  }
  if (ref.size() > 1 && ref[0] == '#') {
    append_utf8(out, reference_code(ref.substr(1)));
    return;
  }
  throw AzCopyParseError("a List Blobs answer holds an unknown XML entity", ErrorContext{});
}

/// The XML text @p text with its five entities and character references decoded.
std::string xml_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const std::size_t end = text.find(';', i);
    if (end == std::string_view::npos || end - i > 12) {
      broken_reference();
    }
    append_reference(out, text.substr(i + 1, end - i - 1));
    i = end;
  }
  return out;
}

/// The text of element @p tag in @p xml from @p from: (its opening tag's attributes, its
/// content, the position after it); std::nullopt when there is none. `<Tag/>` has no content.
struct Element {
  std::string_view attributes;
  std::string_view content;
  std::size_t end = 0;
};
std::optional<Element> find_element(std::string_view xml, std::string_view tag,
                                    std::size_t from = 0) {
  std::string open = "<";  // (not "<" + std::string: GCC 12 -O3 warns -Wrestrict there)
  open += tag;
  for (std::size_t at = xml.find(open, from); at != std::string_view::npos;
       at = xml.find(open, at + 1)) {
    const std::size_t after = at + open.size();
    if (after >= xml.size()) {
      return std::nullopt;
    }
    const char next = xml[after];
    if (next != '>' && next != ' ' && next != '/' && next != '\t' && next != '\n' && next != '\r') {
      continue;  // <NameX> for <Name>
    }
    const std::size_t gt = xml.find('>', after);
    if (gt == std::string_view::npos) {
      return std::nullopt;
    }
    Element e;
    if (xml[gt - 1] == '/') {
      e.attributes = xml.substr(after, gt - 1 - after);
      e.end = gt + 1;
      return e;
    }
    e.attributes = xml.substr(after, gt - after);
    std::string close = "</";
    close += tag;
    close += '>';
    const std::size_t stop = xml.find(close, gt + 1);
    if (stop == std::string_view::npos) {
      return std::nullopt;
    }
    e.content = xml.substr(gt + 1, stop - gt - 1);
    e.end = stop + close.size();
    return e;
  }
  return std::nullopt;
}

/// Whether a blob's <Metadata> content says hdi_isfolder=true (names and value in any case).
bool marks_folder(std::string_view metadata) {
  const std::string lower = ascii_lower(metadata);
  const auto e = find_element(lower, "hdi_isfolder");
  return e && xml_decode(e->content) == "true";
}

[[noreturn]] void refuse(const std::string& why, const std::string& log_dir) {
  throw AzCopyStartError("invalid copy request: keep_directories: " + why,
                         ErrorContext{{}, log_dir, {}});
}

/// Whether @p host (with its port) is an IP address: then, as in Azure's SDKs, the URL's path
/// names the account first (emulators: http://127.0.0.1:10000/devstoreaccount1/container).
bool is_ip_host(std::string_view host) {
  if (host.starts_with("[")) {
    return true;  // IPv6
  }
  host = host.substr(0, host.find(':'));
  return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.';
  }) && std::count(host.begin(), host.end(), '.') == 3;
}

bool transient(const HttpAnswer& a) { return a.status == 0 || a.status >= 500; }

/// Sends @p request, again after a pause while its answer is transient.
HttpAnswer send_with_retries(HttpClient& http, const HttpRequest& request,
                             std::chrono::milliseconds pause) {
  HttpAnswer answer;
  for (int attempt = 1; attempt <= kTries; ++attempt) {
    answer = http.send(request);
    if (!transient(answer) || attempt == kTries) {
      break;
    }
    std::this_thread::sleep_for(pause);
    pause *= 2;
  }
  return answer;
}

/// What an answer that is not a success says, for a person: "403 AuthorizationFailure" or the
/// reason there was no answer.
std::string describe(const HttpAnswer& a) {
  if (a.status == 0) {
    std::string text = "no answer (";
    text += utf8_head(a.error, kFailureTextBytes);
    text += ')';
    return text;
  }
  std::string text = std::to_string(a.status);
  if (!a.error_code.empty()) {
    text += ' ';
    text += redact(a.error_code);
  }
  return text;
}

std::string join_path(std::string_view a, std::string_view b) {
  if (a.empty()) {
    return std::string(b);
  }
  if (b.empty()) {
    return std::string(a);
  }
  return std::string(a) + "/" + std::string(b);
}

/// The names of the directory stubs below @p source's path (relative to it), every page.
/// @throws AzCopyStartError when the container cannot be listed, AzCopyParseError when an
///   answer is no blob list.
std::vector<std::string> list_stubs(HttpClient& http, const StorageLocation& source,
                                    const DirectoryCopy& copy) {
  const std::string prefix = source.path.empty() ? std::string() : source.path + "/";
  std::vector<std::string> stubs;
  std::string marker;
  do {
    std::string url = source.origin + "/" + encode(source.root, false) +
                      "?restype=container&comp=list&include=metadata";
    if (!prefix.empty()) {
      url += "&prefix=";
      url += encode(prefix, false);
    }
    if (!marker.empty()) {
      url += "&marker=";
      url += encode(marker, false);
    }
    url += '&';
    url += source.query;
    const HttpAnswer answer = send_with_retries(
        http, {"GET", url, {{"x-ms-version", std::string(kBlobVersion)}}}, copy.first_pause);
    if (answer.status != 200) {
      std::string message = "keep_directories: the container '";
      message += redact(source.root);
      message += "' could not be listed for its directory stubs: ";
      message += describe(answer);
      throw AzCopyStartError(message,
                             ErrorContext{{}, copy.log_dir, redacted_excerpt(answer.body, 1024)});
    }
    BlobListPage page;
    try {
      page = parse_blob_list(answer.body);
    } catch (const AzCopyParseError& e) {
      throw AzCopyParseError(
          std::string(e.what()) + " (keep_directories, container '" + redact(source.root) + "')",
          ErrorContext{{}, copy.log_dir, redacted_excerpt(answer.body, 1024)});
    }
    for (std::string& stub : page.stubs) {
      stubs.push_back(stub.substr(std::min(stub.size(), prefix.size())));
    }
    marker = std::move(page.next_marker);
  } while (!marker.empty());
  return stubs;
}

/// Makes the directory of @p url and counts it in @p kept when @p counted; returns why it was
/// not made, if it was not. Something of that name already there is asked about: a directory
/// counts as skipped, a file as a failure (not inferred from the error code).
std::optional<std::string> make_directory(HttpClient& http, const std::string& url,
                                          const DirectoryCopy& copy, KeptDirectories& kept,
                                          bool counted) {
  const std::vector<std::pair<std::string, std::string>> headers{
      {"x-ms-version", std::string(kFileVersion)}, {"x-ms-allow-trailing-dot", "true"}};
  const HttpAnswer answer = send_with_retries(http, {"PUT", url, headers}, copy.first_pause);
  std::optional<std::string> failure;
  bool existed = false;
  if (answer.status == 409) {
    const HttpAnswer props = send_with_retries(http, {"GET", url, headers}, copy.first_pause);
    existed = props.status == 200;
    if (!existed) {
      failure = describe(answer);
      if (props.status == 404) {
        *failure += ", and no directory has that name";
      } else {
        *failure += ", then ";
        *failure += describe(props);
      }
    }
  } else if (answer.status != 201) {
    failure = describe(answer);
  }
  if (counted) {
    ++(failure ? kept.counts.failed : existed ? kept.counts.skipped : kept.counts.made);
  }
  return failure;
}

}  // namespace

std::optional<StorageLocation> split_location(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string scheme = ascii_lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") {
    return std::nullopt;
  }
  const std::size_t query_at = url.find('?');
  const std::string_view before_query = url.substr(0, query_at);
  const std::size_t path_at = before_query.find('/', scheme_end + 3);
  if (path_at == std::string_view::npos || path_at == scheme_end + 3) {
    return std::nullopt;
  }
  StorageLocation loc;
  loc.origin = std::string(before_query.substr(0, path_at));
  if (query_at != std::string_view::npos) {
    loc.query = std::string(url.substr(query_at + 1));
  }
  std::string_view path = before_query.substr(path_at + 1);
  const std::string_view host = before_query.substr(scheme_end + 3, path_at - scheme_end - 3);
  if (is_ip_host(host)) {
    const std::size_t slash = path.find('/');
    if (slash == std::string_view::npos) {
      return std::nullopt;
    }
    loc.origin += '/';
    loc.origin += path.substr(0, slash);
    path.remove_prefix(slash + 1);
  }
  if (path.ends_with("/*")) {
    loc.wildcard = true;
    path.remove_suffix(2);
  }
  while (path.ends_with("/")) {
    path.remove_suffix(1);
  }
  const std::size_t slash = path.find('/');
  loc.root = percent_decode(path.substr(0, slash));
  if (loc.root.empty()) {
    return std::nullopt;
  }
  if (slash != std::string_view::npos) {
    loc.path = percent_decode(path.substr(slash + 1));
  }
  return loc;
}

std::string encode_path(std::string_view text) { return encode(text, true); }

BlobListPage parse_blob_list(std::string_view xml) {
  const auto results = find_element(xml, "EnumerationResults");
  if (!results) {
    throw AzCopyParseError("the answer to List Blobs is not a blob list", ErrorContext{});
  }
  BlobListPage page;
  const std::string_view body = results->content;
  const auto blobs = find_element(body, "Blobs");
  if (blobs) {
    for (auto blob = find_element(blobs->content, "Blob"); blob;
         blob = find_element(blobs->content, "Blob", blob->end)) {
      ++page.blobs;
      const auto name = find_element(blob->content, "Name");
      if (!name) {
        throw AzCopyParseError("a blob of a List Blobs answer has no name", ErrorContext{});
      }
      const auto metadata = find_element(blob->content, "Metadata");
      if (!metadata || !marks_folder(metadata->content)) {
        continue;
      }
      std::string decoded = xml_decode(name->content);
      if (ascii_lower(name->attributes).find("encoded=\"true\"") != std::string::npos) {
        decoded = percent_decode(decoded);  // names XML cannot hold come URL-encoded
      }
      page.stubs.push_back(std::move(decoded));
    }
  }
  if (const auto marker = find_element(body, "NextMarker")) {
    page.next_marker = xml_decode(marker->content);
  }
  return page;
}

std::vector<PlannedDirectory> plan_directories(const std::vector<std::string>& stubs,
                                               std::string_view base) {
  std::set<std::string> named;
  for (std::string_view stub : stubs) {
    while (stub.ends_with("/")) {  // a stub named like "dir/"
      stub.remove_suffix(1);
    }
    if (!stub.empty()) {
      named.insert(std::string(stub));
    }
  }
  std::set<std::string> all;
  for (const std::string& dir : named) {
    for (std::size_t slash = dir.find('/'); slash != std::string::npos;
         slash = dir.find('/', slash + 1)) {
      all.insert(dir.substr(0, slash));
    }
    all.insert(dir);
  }
  std::vector<PlannedDirectory> plan;
  std::string_view trimmed_base = base;
  while (trimmed_base.ends_with("/")) {
    trimmed_base.remove_suffix(1);
  }
  // The destination folder and its parents come first (AzCopy makes them too, for files).
  for (std::size_t slash = trimmed_base.find('/'); slash != std::string_view::npos;
       slash = trimmed_base.find('/', slash + 1)) {
    plan.push_back({std::string(trimmed_base.substr(0, slash)), false});
  }
  if (!trimmed_base.empty()) {
    plan.push_back({std::string(trimmed_base), false});
  }
  std::vector<std::string> ordered(all.begin(), all.end());
  std::stable_sort(ordered.begin(), ordered.end(), [](const std::string& a, const std::string& b) {
    return std::count(a.begin(), a.end(), '/') < std::count(b.begin(), b.end(), '/');
  });
  for (const std::string& dir : ordered) {
    plan.push_back({join_path(trimmed_base, dir), named.contains(dir)});
  }
  return plan;
}

KeptDirectories recreate_directories(HttpClient& http, const DirectoryCopy& copy) {
  const auto source = split_location(copy.source);
  const auto destination = split_location(copy.destination);
  if (!source || !destination) {
    refuse("a RESTORE keeps directories between a container URL and a share URL (http or https)",
           copy.log_dir);
  }
  if (source->query.empty() || destination->query.empty()) {
    refuse("both URLs need a SAS: the runner lists the container and makes the directories",
           copy.log_dir);
  }
  // The blobs below the source folder; its own name goes under the destination unless the
  // source was "<folder>/*" or --as-subdir=false.
  std::string base = destination->path;
  if (!source->path.empty() && !source->wildcard && copy.as_subdir) {
    const std::size_t slash = source->path.rfind('/');
    base =
        join_path(base, slash == std::string::npos ? source->path : source->path.substr(slash + 1));
  }
  KeptDirectories kept;
  for (const PlannedDirectory& dir : plan_directories(list_stubs(http, *source, copy), base)) {
    const std::string url = destination->origin + "/" + encode(destination->root, false) + "/" +
                            encode_path(dir.path) + "?restype=directory&" + destination->query;
    const std::optional<std::string> failure = make_directory(http, url, copy, kept, dir.from_stub);
    if (failure) {
      add_message(kept.failures, redact(dir.path) + ": " + *failure);
    }
  }
  return kept;
}

}  // namespace azcopy_runner::detail
