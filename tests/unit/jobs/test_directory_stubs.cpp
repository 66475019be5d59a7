// SPDX-License-Identifier: MIT
// A RESTORE's directories (src/jobs/directory_stubs.cpp): URLs taken apart, List Blobs answers
// read, the directories planned, and the requests sent, through a fake HTTP client.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <functional>

#include "azcopy_runner/errors.hpp"
#include "jobs/directory_stubs.hpp"

namespace azcopy_runner::detail {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(SplitLocation, AnAccountHostNamesTheContainerFirst) {
  const auto loc =
      split_location("https://acct.blob.core.windows.net/cool/my%20project/raw?sv=1&sig=S");
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->origin, "https://acct.blob.core.windows.net");
  EXPECT_EQ(loc->root, "cool");
  EXPECT_EQ(loc->path, "my project/raw");
  EXPECT_EQ(loc->query, "sv=1&sig=S");
  EXPECT_FALSE(loc->wildcard);
}

TEST(SplitLocation, AnIpHostNamesTheAccountFirst) {
  const auto loc = split_location("http://127.0.0.1:10000/devstoreaccount1/share/project/*?sig=S");
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->origin, "http://127.0.0.1:10000/devstoreaccount1");
  EXPECT_EQ(loc->root, "share");
  EXPECT_EQ(loc->path, "project");
  EXPECT_TRUE(loc->wildcard);
}

TEST(SplitLocation, ARootAloneHasNoPath) {
  const auto loc = split_location("https://acct.file.core.windows.net/share/?sig=S");
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->root, "share");
  EXPECT_EQ(loc->path, "");
}

TEST(SplitLocation, RefusesWhatNamesNoContainerOrShare) {
  for (const char* url :
       {"/local/path", "ftp://host/c", "https://acct.blob.core.windows.net",
        "https://acct.blob.core.windows.net/?sig=S", "http://127.0.0.1:1/acct", "https:///c"}) {
    EXPECT_FALSE(split_location(url)) << url;
  }
}

TEST(EncodePath, KeepsSlashesAndUnreservedBytesOnly) {
  EXPECT_EQ(encode_path("a b/\xC3\xA9t\xC3\xA9/x%y+z~"), "a%20b/%C3%A9t%C3%A9/x%25y%2Bz~");
}

constexpr const char* kPage = R"(<?xml version="1.0" encoding="utf-8"?>
<EnumerationResults ServiceEndpoint="http://127.0.0.1/devstoreaccount1/" ContainerName="c">
<Prefix>project/</Prefix><Blobs>
<Blob><Name>project/a.txt</Name><Properties><Content-Length>6</Content-Length></Properties>
<Metadata /></Blob>
<Blob><Name>project/raw</Name><Properties><Content-Length>0</Content-Length></Properties>
<Metadata><hdi_isfolder>true</hdi_isfolder></Metadata></Blob>
<Blob><Name>project/R&amp;D &#233;t&#xE9;</Name><Properties /><Metadata><HDI_IsFolder>True</HDI_IsFolder></Metadata></Blob>
<Blob><Name Encoded="true">project/ctl%01name</Name><Metadata><hdi_isfolder>true</hdi_isfolder></Metadata></Blob>
<Blob><Name>project/not-a-folder</Name><Metadata><hdi_isfolder>false</hdi_isfolder><hdi_isfolderx>true</hdi_isfolderx></Metadata></Blob>
</Blobs><NextMarker>2!88!MDAw</NextMarker></EnumerationResults>)";

TEST(ParseBlobList, KeepsTheStubsAndTheNextMarker) {
  const BlobListPage page = parse_blob_list(kPage);
  EXPECT_EQ(page.blobs, 5);
  EXPECT_THAT(page.stubs,
              ElementsAre("project/raw", "project/R&D \xC3\xA9t\xC3\xA9", "project/ctl\x01name"));
  EXPECT_EQ(page.next_marker, "2!88!MDAw");
}

TEST(ParseBlobList, TheLastPageHasNoMarker) {
  for (const char* xml :
       {"<EnumerationResults><Blobs /><NextMarker /></EnumerationResults>",
        "<EnumerationResults><Blobs></Blobs><NextMarker></NextMarker></EnumerationResults>",
        "<EnumerationResults><Blobs/></EnumerationResults>"}) {
    const BlobListPage page = parse_blob_list(xml);
    EXPECT_EQ(page.blobs, 0) << xml;
    EXPECT_EQ(page.next_marker, "") << xml;
  }
}

TEST(ParseBlobList, ThrowsTheLibrarysErrorOnWhatIsNoBlobList) {
  for (const char* xml :
       {"", "not xml", "<Error><Code>AuthenticationFailed</Code></Error>",
        "<EnumerationResults><Blobs><Blob><Metadata/></Blob></Blobs></EnumerationResults>",
        "<EnumerationResults><Blobs><Blob><Name>a&bogus;</Name><Metadata><hdi_isfolder>true"
        "</hdi_isfolder></Metadata></Blob></Blobs></EnumerationResults>",
        "<EnumerationResults><Blobs><Blob><Name>a&#;</Name><Metadata><hdi_isfolder>true"
        "</hdi_isfolder></Metadata></Blob></Blobs></EnumerationResults>",
        "<EnumerationResults><Blobs><Blob><Name>a&#x110000;</Name><Metadata><hdi_isfolder>"
        "true</hdi_isfolder></Metadata></Blob></Blobs></EnumerationResults>",
        "<EnumerationResults"}) {
    EXPECT_THROW(parse_blob_list(xml), AzCopyParseError) << xml;
  }
}

TEST(ParseBlobList, ACutAnswerNeverCrashes) {
  const std::string whole = kPage;
  for (std::size_t n = 0; n < whole.size(); ++n) {
    try {
      static_cast<void>(parse_blob_list(whole.substr(0, n)));
    } catch (const AzCopyParseError&) {
    }
  }
}

std::vector<std::string> paths(const std::vector<PlannedDirectory>& plan) {
  std::vector<std::string> out;
  for (const auto& d : plan) {
    out.push_back(d.path + (d.from_stub ? "" : " (parent)"));
  }
  return out;
}

TEST(PlanDirectories, ParentsComeFirstAndEachOnce) {
  const auto plan = plan_directories({"raw/empty", "raw", "b/c/d/", "a b", "raw"}, "x/project");
  EXPECT_THAT(paths(plan),
              ElementsAre("x (parent)", "x/project (parent)", "x/project/a b",
                          "x/project/b (parent)", "x/project/raw", "x/project/b/c (parent)",
                          "x/project/raw/empty", "x/project/b/c/d"));
}

TEST(PlanDirectories, AtTheShareRootNothingComesBefore) {
  EXPECT_THAT(paths(plan_directories({"d"}, "")), ElementsAre("d"));
  EXPECT_TRUE(plan_directories({}, "").empty());
}

/// Answers each request with the next queued answer (or 201), and keeps the requests.
class FakeHttp final : public HttpClient {
 public:
  std::vector<HttpRequest> requests;
  std::function<HttpAnswer(const HttpRequest&)> answer = [](const HttpRequest& r) {
    return r.method == "GET" ? HttpAnswer{200, "", "<EnumerationResults/>", ""}
                             : HttpAnswer{201, "", "", ""};
  };
  HttpAnswer send(const HttpRequest& request) override {
    requests.push_back(request);
    return answer(request);
  }
};

std::string listing(std::initializer_list<const char*> stubs, const char* marker = "") {
  std::string xml = "<EnumerationResults><Blobs>";
  for (const char* s : stubs) {
    xml += std::string("<Blob><Name>") + s +
           "</Name><Metadata><hdi_isfolder>true</hdi_isfolder></Metadata></Blob>";
  }
  return xml + "</Blobs><NextMarker>" + marker + "</NextMarker></EnumerationResults>";
}

DirectoryCopy job(std::string_view source, std::string_view destination, bool as_subdir = true) {
  return DirectoryCopy{source, destination, as_subdir, "/logs", std::chrono::milliseconds(1)};
}

constexpr const char* kSource = "https://acct.blob.core.windows.net/cool/project?sp=rl&sig=SRC";
constexpr const char* kShare = "https://acct.file.core.windows.net/hot?sp=rwc&sig=DST";

TEST(RecreateDirectories, ListsEveryPageAndMakesEveryStubsDirectoryUnderTheSourcesName) {
  FakeHttp http;
  http.answer = [](const HttpRequest& r) {
    if (r.method == "GET") {
      return r.url.find("marker=") == std::string::npos
                 ? HttpAnswer{200, "", listing({"project/raw", "project/raw/empty"}, "m 2"), ""}
                 : HttpAnswer{200, "", listing({"project/\xC3\xA9t\xC3\xA9 vide"}), ""};
    }
    return HttpAnswer{201, "", "", ""};
  };
  const KeptDirectories kept = recreate_directories(http, job(kSource, kShare));
  EXPECT_EQ(kept.counts.made, 3);
  EXPECT_EQ(kept.counts.skipped, 0);
  EXPECT_EQ(kept.counts.failed, 0);
  EXPECT_TRUE(kept.failures.empty());
  std::vector<std::string> sent;
  for (const auto& r : http.requests) {
    sent.push_back(r.method + " " + r.url);
  }
  EXPECT_THAT(
      sent,
      ElementsAre("GET https://acct.blob.core.windows.net/cool?restype=container&comp=list&"
                  "include=metadata&prefix=project%2F&sp=rl&sig=SRC",
                  "GET https://acct.blob.core.windows.net/cool?restype=container&comp=list&"
                  "include=metadata&prefix=project%2F&marker=m%202&sp=rl&sig=SRC",
                  "PUT https://acct.file.core.windows.net/hot/project?restype=directory&sp=rwc&"
                  "sig=DST",
                  "PUT https://acct.file.core.windows.net/hot/project/raw?restype=directory&"
                  "sp=rwc&sig=DST",
                  "PUT https://acct.file.core.windows.net/hot/project/%C3%A9t%C3%A9%20vide?"
                  "restype=directory&sp=rwc&sig=DST",
                  "PUT https://acct.file.core.windows.net/hot/project/raw/empty?"
                  "restype=directory&sp=rwc&sig=DST"));
  EXPECT_THAT(http.requests[2].headers, ::testing::Contains(std::pair<std::string, std::string>(
                                            "x-ms-version", "2022-11-02")));
}

TEST(RecreateDirectories, AWildcardOrAsSubdirFalsePutsTheContentsInTheTarget) {
  for (const bool wildcard : {true, false}) {
    FakeHttp http;
    http.answer = [](const HttpRequest& r) {
      return r.method == "GET" ? HttpAnswer{200, "", listing({"project/raw"}), ""}
                               : HttpAnswer{201, "", "", ""};
    };
    const std::string source = wildcard ? "https://acct.blob.core.windows.net/cool/project/*?sig=S"
                                        : "https://acct.blob.core.windows.net/cool/project?sig=S";
    const std::string share = "https://acct.file.core.windows.net/hot/back?sig=D";
    static_cast<void>(recreate_directories(http, job(source, share, /*as_subdir=*/wildcard)));
    ASSERT_EQ(http.requests.size(), 3U);
    EXPECT_THAT(http.requests[1].url, HasSubstr("/hot/back?restype"));
    EXPECT_THAT(http.requests[2].url, HasSubstr("/hot/back/raw?restype"));
  }
}

TEST(RecreateDirectories, AnExistingDirectoryIsSkippedAFileOfItsNameFails) {
  FakeHttp http;
  http.answer = [](const HttpRequest& r) {
    if (r.url.find("comp=list") != std::string::npos) {
      return HttpAnswer{200, "", listing({"project/dir", "project/file"}), ""};
    }
    if (r.method == "PUT") {
      return r.url.find("/project?") != std::string::npos
                 ? HttpAnswer{201, "", "", ""}
                 : HttpAnswer{409, "ResourceAlreadyExists", "", ""};
    }
    return r.url.find("/file?") != std::string::npos ? HttpAnswer{404, "ResourceNotFound", "", ""}
                                                     : HttpAnswer{200, "", "", ""};
  };
  const KeptDirectories kept = recreate_directories(http, job(kSource, kShare));
  EXPECT_EQ(kept.counts.made, 0);
  EXPECT_EQ(kept.counts.skipped, 1);
  EXPECT_EQ(kept.counts.failed, 1);
  EXPECT_THAT(kept.failures, ElementsAre("project/file: 409 ResourceAlreadyExists, and no "
                                         "directory has that name"));
}

TEST(RecreateDirectories, TransientAnswersAreTriedAgainThenCountAsFailures) {
  FakeHttp http;
  int puts = 0;
  http.answer = [&puts](const HttpRequest& r) {
    if (r.method == "GET") {
      return HttpAnswer{200, "", listing({"project/a", "project/b"}), ""};
    }
    ++puts;
    if (r.url.find("/project/a?") != std::string::npos && puts < 4) {
      return HttpAnswer{503, "ServerBusy", "", ""};
    }
    if (r.url.find("/project/b?") != std::string::npos) {
      return HttpAnswer{0, "", "", "Connection reset by peer"};
    }
    return HttpAnswer{201, "", "", ""};
  };
  const KeptDirectories kept = recreate_directories(http, job(kSource, kShare));
  EXPECT_EQ(kept.counts.made, 1);
  EXPECT_EQ(kept.counts.failed, 1);
  EXPECT_THAT(kept.failures, ElementsAre("project/b: no answer (Connection reset by peer)"));
  EXPECT_EQ(puts, 1 + 3 + 4);  // the root, a after two 503s, b four times
}

TEST(RecreateDirectories, AListingRefusedIsAStartErrorWithoutTheSignature) {
  FakeHttp http;
  http.answer = [](const HttpRequest&) {
    return HttpAnswer{403, "AuthorizationPermissionMismatch",
                      "<Error><Code>AuthorizationPermissionMismatch</Code></Error>", ""};
  };
  try {
    static_cast<void>(recreate_directories(http, job(kSource, kShare)));
    FAIL() << "no error";
  } catch (const AzCopyStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'cool' could not be listed"));
    EXPECT_THAT(e.what(), HasSubstr("403 AuthorizationPermissionMismatch"));
    EXPECT_THAT(e.what(), Not(HasSubstr("SRC")));
    EXPECT_THAT(e.excerpt(), HasSubstr("AuthorizationPermissionMismatch"));
    EXPECT_EQ(e.log_dir(), "/logs");
  }
  EXPECT_EQ(http.requests.size(), 1U);  // a 403 is not tried again
}

TEST(RecreateDirectories, RefusesURLsItCannotUse) {
  FakeHttp http;
  EXPECT_THROW(recreate_directories(http, job("/local/dir", kShare)), AzCopyStartError);
  EXPECT_THROW(recreate_directories(http, job(kSource, "https://acct.file.core.windows.net/hot")),
               AzCopyStartError);
  EXPECT_TRUE(http.requests.empty());
}

TEST(RecreateDirectories, AnAnswerThatIsNoListIsAParseError) {
  FakeHttp http;
  http.answer = [](const HttpRequest&) { return HttpAnswer{200, "", "<html>proxy</html>", ""}; };
  EXPECT_THROW(recreate_directories(http, job(kSource, kShare)), AzCopyParseError);
}

}  // namespace
}  // namespace azcopy_runner::detail
