// SPDX-License-Identifier: MIT
#include "os/http_client.hpp"

#include <curl/curl.h>

#include <array>
#include <mutex>
#include <stdexcept>

#include "azcopy_runner/parse.hpp"
#include "text/text.hpp"

namespace azcopy_runner::detail {

namespace {

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("libcurl could not be initialised");
    }
  });
}

struct CurlDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

struct Sink {
  std::string* body = nullptr;
  std::size_t max = 0;
  bool overflow = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t n = size * count;
  if (sink->body->size() + n > sink->max) {
    sink->overflow = true;
    return 0;  // aborts the transfer
  }
  sink->body->append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  const std::size_t n = size * count;
  std::string_view line(data, n);
  constexpr std::string_view kName = "x-ms-error-code:";
  if (line.size() > kName.size() && ascii_iequals(line.substr(0, kName.size()), kName)) {
    std::string_view value = line.substr(kName.size());
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() &&
           (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    *static_cast<std::string*>(user) = std::string(value.substr(0, 128));
  }
  return n;
}

class CurlClient final : public HttpClient {
 public:
  CurlClient(std::chrono::seconds timeout, std::size_t max_body)
      : timeout_(timeout), max_body_(max_body) {
    global_init_once();
  }

  HttpAnswer send(const HttpRequest& request) override {
    HttpAnswer answer;
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) {
      answer.error = "libcurl could not make a handle";
      return answer;
    }
    curl_slist* list = nullptr;
    auto add = [&list](const std::string& line) {
      curl_slist* grown = curl_slist_append(list, line.c_str());
      if (grown == nullptr) {
        return false;
      }
      list = grown;
      return true;
    };
    bool added = true;
    for (const auto& [name, value] : request.headers) {
      std::string line = name;
      line += ": ";
      line += value;
      added = added && add(line);
    }
    if (request.method == "PUT") {  // an empty body's length is not sent unless said
      added = added && add("Content-Length: 0");
    }
    const std::unique_ptr<curl_slist, SlistDeleter> headers(list);
    if (!added) {
      answer.error = "out of memory";
      return answer;
    }
    std::array<char, CURL_ERROR_SIZE> error{};
    Sink sink{&answer.body, max_body_};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout_.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error.data());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &answer.error_code);
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK && !sink.overflow) {
      const std::string text = error[0] != '\0' ? error.data() : curl_easy_strerror(rc);
      answer.error = redact(text);
      answer.error_code.clear();
      return answer;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    answer.status = static_cast<int>(status);
    if (sink.overflow) {
      answer.status = 0;
      answer.error = "the answer was larger than ";
      answer.error += std::to_string(max_body_);
      answer.error += " bytes";
    }
    return answer;
  }

 private:
  std::chrono::seconds timeout_;
  std::size_t max_body_;
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_client(std::chrono::seconds timeout,
                                             std::size_t max_body_bytes) {
  return std::make_unique<CurlClient>(timeout, max_body_bytes);
}

}  // namespace azcopy_runner::detail
