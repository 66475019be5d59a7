// SPDX-License-Identifier: MIT
// Internal: the few HTTP requests the runner sends to storage itself (RESTORE's directories).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace azcopy_runner::detail {

/// One request. The URL holds a SAS: it is never logged, nor put in an error.
struct HttpRequest {
  std::string method;  ///< "GET" or "PUT" (a PUT has an empty body).
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// One answer. status 0: no answer (connection, TLS or timeout: @c error says which).
struct HttpAnswer {
  int status = 0;
  std::string error_code;  ///< The `x-ms-error-code` header, or "".
  std::string body;        ///< At most the client's body bound.
  std::string error;       ///< Why there is no answer (redacted), when status is 0.
};

/// Sends requests; one instance is used by one thread at a time.
class HttpClient {
 public:
  HttpClient() = default;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&&) = delete;
  HttpClient& operator=(HttpClient&&) = delete;
  virtual ~HttpClient() = default;
  virtual HttpAnswer send(const HttpRequest& request) = 0;
};

/// The libcurl client: TLS verified against the system's CAs, the proxy variables libcurl
/// honours, a bounded body, a timeout per request.
std::unique_ptr<HttpClient> make_curl_client(std::chrono::seconds timeout,
                                             std::size_t max_body_bytes);

}  // namespace azcopy_runner::detail
