// SPDX-License-Identifier: MIT
// redact() and redacted_excerpt(): no secret may survive, whatever the text looks like.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "azcopy_runner/parse.hpp"

namespace azcopy_runner {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = lower(c);
  }
  return out;
}

/// Every value of @p key ("sig=", ...) in @p text is empty or REDACTED.
::testing::AssertionResult NoValueSurvives(std::string_view text, std::string_view key) {
  const std::string lowered = to_lower(text);
  std::size_t pos = 0;
  while ((pos = lowered.find(key, pos)) != std::string::npos) {
    pos += key.size();
    const std::string_view value = text.substr(pos, 8);
    const bool redacted = value == "REDACTED";
    const bool empty = pos >= text.size() || text[pos] == '&' || text[pos] == ' ' ||
                       text[pos] == '"' || text[pos] == ';' || text[pos] == '\\';
    if (!redacted && !empty) {
      return ::testing::AssertionFailure() << "value of '" << key << "' survives at " << pos << ": "
                                           << text.substr(pos > 40 ? pos - 40 : 0, 80);
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult NoSecretSurvives(std::string_view text) {
  for (const std::string_view key :
       {"sig=", "signature=", "token=", "credential=", "accountkey=", "sharedaccesssignature="}) {
    auto result = NoValueSurvives(text, key);
    if (!result) {
      return result;
    }
  }
  return ::testing::AssertionSuccess();
}

void ExpectRedacted(std::string_view input, std::string_view expected) {
  const std::string once = redact(input);
  EXPECT_EQ(once, expected) << "input: " << input;
  EXPECT_EQ(redact(once), once) << "not idempotent for: " << input;
}

TEST(Redact, TextWithoutSecretsIsUnchanged) {
  for (const std::string_view text :
       {"", "INFO: Scanning...", "Job 5403e1b9-78cc-f147-47f5-826f19df12e9 has started",
        "Are you sure? Yes.", "a=b&c=d", "C:\\dir\\file.txt", "/app/data/src/f1.bin",
        "Final Job Status: CompletedWithErrors", "ratio 3:2 // comment", " ://x?y",
        "Number of File Transfers Completed: 4", "tokens and signatures", "100.0 %, 4 Done"}) {
    ExpectRedacted(text, text);
  }
}

TEST(Redact, QueryStringOfUrl) {
  ExpectRedacted(
      "https://acct.blob.core.windows.net/c/dir/f.bin?sv=2021-08-06&se=2026&sp=r&sig=abc%2Bdef%3D",
      "https://acct.blob.core.windows.net/c/dir/f.bin?REDACTED");
  ExpectRedacted("http://127.0.0.1:10000/devstoreaccount1/dest-run?sv=1&sig=x",
                 "http://127.0.0.1:10000/devstoreaccount1/dest-run?REDACTED");
}

TEST(Redact, UrlsAnywhereInText) {
  ExpectRedacted(
      "copy https://a.blob.core.windows.net/c?sv=1&sig=S1 https://b.file.core.windows.net/s?sig=S2 "
      "--recursive",
      "copy https://a.blob.core.windows.net/c?REDACTED https://b.file.core.windows.net/s?REDACTED "
      "--recursive");
  ExpectRedacted("failed: 'https://h/p?sig=S' not found",
                 "failed: 'https://h/p?REDACTED' not found");
  ExpectRedacted("<https://h/p?sig=S>", "<https://h/p?REDACTED>");
  ExpectRedacted("url=https://h/p?sig=S\nnext line", "url=https://h/p?REDACTED\nnext line");
  ExpectRedacted("\"https://h/p?sig=S\"", "\"https://h/p?REDACTED\"");
}

TEST(Redact, OtherSchemesAndCase) {
  ExpectRedacted("HTTPS://H/P?SIG=X", "HTTPS://H/P?REDACTED");
  ExpectRedacted("ftp://h/p?a=1", "ftp://h/p?REDACTED");
  ExpectRedacted("s3://bucket/key?X-Amz-Signature=abc", "s3://bucket/key?REDACTED");
  ExpectRedacted("gs://bucket/obj?token=t", "gs://bucket/obj?REDACTED");
  ExpectRedacted("sb://ns.servicebus.windows.net/?a=b", "sb://ns.servicebus.windows.net/?REDACTED");
}

TEST(Redact, UrlInsideJsonWithEscapedAmpersand) {
  // Go's json.Marshal writes '&' as \u0026; the query still ends at the closing quote only.
  ExpectRedacted(R"({"Dst":"http://h/c/f?se=2026\u0026sig=abc\u0026sp=r","X":1})",
                 R"({"Dst":"http://h/c/f?REDACTED","X":1})");
  // JSON inside a JSON string (MessageContent): \" closes, \\u0026 is an '&'.
  ExpectRedacted(
      R"("MessageContent":"{\"Dst\":\"http://h/c/f?sv=1\\u0026sig=abc\",\"E\":\"404\"}")",
      R"("MessageContent":"{\"Dst\":\"http://h/c/f?REDACTED\",\"E\":\"404\"}")");
  // \u0022 is a quote: it ends the URL.
  ExpectRedacted(R"(x http://h/p?sig=a\u0022 tail)", R"(x http://h/p?REDACTED\u0022 tail)");
}

TEST(Redact, SecretKeysOutsideUrls) {
  ExpectRedacted("sig=abc", "sig=REDACTED");
  ExpectRedacted("se=2026&sig=abc%3D&sp=r", "se=2026&sig=REDACTED&sp=r");
  ExpectRedacted("--source-sas=sv=1&Sig=abc", "--source-sas=sv=1&Sig=REDACTED");
  ExpectRedacted("signature=xyz token=t1 credential=c1",
                 "signature=REDACTED token=REDACTED credential=REDACTED");
  ExpectRedacted("X-Amz-Credential=AKIA/2026&X-Amz-Signature=ff",
                 "X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED");
  ExpectRedacted(R"(se=1\u0026sig=abc\u0026sp=r)", R"(se=1\u0026sig=REDACTED\u0026sp=r)");
  ExpectRedacted("sig=", "sig=");  // nothing to hide
  // AzCopy's own redaction marker is normalised.
  ExpectRedacted("sig=-REDACTED-&sp=r", "sig=REDACTED&sp=r");
}

TEST(Redact, ConnectionStrings) {
  ExpectRedacted(
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Eby8vdM02x+/"
      "NOT==;EndpointSuffix=core.windows.net",
      "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=REDACTED;EndpointSuffix=core."
      "windows.net");
  ExpectRedacted(
      "BlobEndpoint=https://a.blob.core.windows.net/"
      ";SharedAccessSignature=sv=2021&ss=b&sig=abc;X=1",
      "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=REDACTED;X=1");
}

TEST(Redact, ProxyCredentials) {
  ExpectRedacted("INFO: Using proxy http://user:p%40ss@proxy.corp:8080 for requests",
                 "INFO: Using proxy http://REDACTED@proxy.corp:8080 for requests");
  ExpectRedacted("https_proxy=https://u:pw@10.0.0.1:3128/",
                 "https_proxy=https://REDACTED@10.0.0.1:3128/");
  ExpectRedacted("http://user:pass@host/path?sig=x", "http://REDACTED@host/path?REDACTED");
  ExpectRedacted("http://a@b@host/p", "http://REDACTED@host/p");
  // An '@' in the path is not a credential.
  ExpectRedacted("https://h/c/user@example.com", "https://h/c/user@example.com");
}

TEST(Redact, AzCopyFixtureLines) {
  // 10.32.2 copy_json_no_from_to: the SAS inside a JSON string with \u0026.
  const std::string line =
      R"({"MessageType":"Info","MessageContent":"INFO: Cannot infer destination location of http://127.0.0.1:10000/devstoreaccount1/dest-run?se=2026-11-30T18%3A23%3A10Z\u0026sig=-REDACTED-\u0026sp=rwdlacup\u0026spr=https%2Chttp\u0026srt=sco\u0026ss=b\u0026sv=2019-12-12. Please specify the --from-to switch."})";
  const std::string out = redact(line);
  EXPECT_NE(out.find("dest-run?REDACTED Please"), std::string::npos);  // "?...2019-12-12." goes
  EXPECT_EQ(out.find("sp=rwdlacup"), std::string::npos);
  EXPECT_TRUE(NoSecretSurvives(out));
  // 10.18.1 jobs list: a command line inside JSON inside JSON.
  const std::string listed =
      R"(\"CommandString\":\"copy big http://127.0.0.1:10000/devstoreaccount1/killed-run?se=2026-11-30t18%3A24%3A31z\\u0026sig=REDACTED\\u0026sp=rwdlacup --recursive=true \")";
  EXPECT_EQ(
      redact(listed),
      R"(\"CommandString\":\"copy big http://127.0.0.1:10000/devstoreaccount1/killed-run?REDACTED --recursive=true \")");
}

TEST(Redact, Idempotent) {
  const std::vector<std::string> inputs{
      "https://h/p?sig=a&b=c https://u:p@h2/x?y",
      "sig=a&token=b;AccountKey=c,signature=d",
      R"({"a":"http://h/p?x=1\u0026sig=2"})",
      "SharedAccessSignature=sv=1&sig=2",
      "http://REDACTED@h/p?REDACTED sig=REDACTED",
      "a://b://c?d@e sig=sig=sig=x",
      R"(\\\"http://h?\u00)",
      "http://h/p?\xff\xfe sig=\xc3\xa9t\xc3",
  };
  for (const std::string& input : inputs) {
    const std::string once = redact(input);
    EXPECT_EQ(redact(once), once) << input;
    EXPECT_TRUE(NoSecretSurvives(once)) << input;
  }
}

TEST(Redact, InvalidUtf8AndNulBytes) {
  std::string input = "\xff\xfe\x80 https://h/\xc3\x28?sig=\x80\x81";
  input.push_back('\0');
  input += std::string_view("sig=abc\0def", 11);
  input.push_back('\0');
  input += "http://u:\xff@h/";
  const std::string out = redact(input);
  EXPECT_TRUE(NoSecretSurvives(out));
  EXPECT_EQ(out.find("abc"), std::string::npos);
  EXPECT_EQ(redact(out), out);
  EXPECT_NE(out.find("http://REDACTED@h/"), std::string::npos);
}

TEST(Redact, EveryByteValueIsHandled) {
  std::string input;
  for (int round = 0; round < 4; ++round) {
    for (int c = 0; c < 256; ++c) {
      input.push_back(static_cast<char>(c));
      input += "http://x/?sig=s";
    }
  }
  const std::string out = redact(input);
  EXPECT_EQ(redact(out), out);
  EXPECT_TRUE(NoSecretSurvives(out));
}

TEST(Redact, FixtureOutputsKeepNoSecretAndAreStable) {
  namespace fs = std::filesystem;
  std::size_t files = 0;
  for (const auto& version : fs::directory_iterator(AZCOPY_RUNNER_FIXTURES_DIR)) {
    if (!version.is_directory()) {
      continue;
    }
    for (const auto& entry : fs::directory_iterator(version.path())) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::string content(static_cast<std::size_t>(entry.file_size()), '\0');
      in.read(content.data(), static_cast<std::streamsize>(content.size()));
      const std::string out = redact(content);
      EXPECT_EQ(redact(out), out) << entry.path();
      EXPECT_TRUE(NoSecretSurvives(out)) << entry.path();
      // No query string of a URL survives (a bare SAS token in argv keeps its non-secret
      // fields: only its sig is a secret).
      std::size_t pos = 0;
      while ((pos = out.find("?sv=2019-12-12", pos)) != std::string::npos) {
        ADD_FAILURE() << entry.path() << ": SAS field survives at " << pos;
        ++pos;
      }
      ++files;
    }
  }
  EXPECT_GT(files, 200U);
}

TEST(Redact, LargeAndPathologicalInputs) {
  // (Its cost is measured by the benchmarks, not by a timed test: the machine is shared.)
  std::string big;
  big.reserve(4U << 20U);
  while (big.size() < (4U << 20U)) {
    big += "copy https://acct.blob.core.windows.net/c/f?sv=1&sig=abc%3D ";
    big += R"({"Dst":"http://h/p?se=1\u0026sig=x"} sig=1&token=2 )";
    big += "http://u:p@h:1/ ";
  }
  const std::string out = redact(big);
  EXPECT_TRUE(NoSecretSurvives(out.substr(0, 1U << 20U)));
  // Pathological shapes.
  const std::string colons(2U << 20U, ':');
  // Not `"a" + std::string(...)`: GCC 12 at -O3 reports a false -Wrestrict there (GCC bug 105329).
  std::string slashes(1 + (2U << 20U), '/');
  slashes.front() = 'a';
  std::string schemes;
  while (schemes.size() < (2U << 20U)) {
    schemes += "a://";
  }
  const std::string ats = "http://" + std::string(2U << 20U, '@');
  EXPECT_EQ(redact(colons), colons);
  EXPECT_EQ(redact(slashes), slashes);
  EXPECT_EQ(redact(redact(schemes)), redact(schemes));
  EXPECT_EQ(redact(ats), "http://REDACTED@");
}

TEST(Redact, LongSingleLineWithoutSeparators) {
  const std::string huge = "https://h/p?" + std::string(10U << 20U, 'x');
  EXPECT_EQ(redact(huge), "https://h/p?REDACTED");
  const std::string value = "sig=" + std::string(10U << 20U, 'y');
  EXPECT_EQ(redact(value), "sig=REDACTED");
}

// --- redacted_excerpt -------------------------------------------------------------------------

TEST(RedactedExcerpt, ShortTextIsRedactedWhole) {
  EXPECT_EQ(redacted_excerpt("see https://h/p?sig=a"), "see https://h/p?REDACTED");
  EXPECT_EQ(redacted_excerpt(""), "");
  EXPECT_EQ(redacted_excerpt("abc", 0), "");
}

TEST(RedactedExcerpt, KeepsTheTailWithinBound) {
  std::string text(10000, 'a');
  text += " tail";
  const std::string out = redacted_excerpt(text, 100);
  EXPECT_EQ(out.size(), 100U);
  EXPECT_EQ(out.substr(95), " tail");
  EXPECT_LE(redacted_excerpt(std::string(100000, 'z')).size(), kMaxExcerptBytes);
}

TEST(RedactedExcerpt, CutInsideASecretLeaksNothing) {
  // The tail would start inside the sig value / the password if cut naively.
  const std::string text = std::string(1000, '.') + " https://h/p?sv=1&sig=SECRETSECRETSECRET end";
  for (std::size_t max = 1; max < 60; ++max) {
    const std::string out = redacted_excerpt(text, max);
    EXPECT_LE(out.size(), max);
    EXPECT_EQ(out.find("SECRET"), std::string::npos) << max << ": " << out;
    EXPECT_EQ(out.find("CRET"), std::string::npos) << max << ": " << out;
  }
  const std::string proxy = std::string(1000, '.') + " http://user:PASSWORDPASSWORD@proxy:8080 end";
  for (std::size_t max = 1; max < 60; ++max) {
    const std::string out = redacted_excerpt(proxy, max);
    EXPECT_EQ(out.find("WORD"), std::string::npos) << max << ": " << out;
  }
}

TEST(RedactedExcerpt, CutsAtUtf8Boundary) {
  std::string text;
  for (int i = 0; i < 1000; ++i) {
    text += "\xc3\xa9\xe2\x82\xac";  // é€ (2 + 3 bytes)
  }
  for (std::size_t max = 1; max < 40; ++max) {
    const std::string out = redacted_excerpt(text, max);
    EXPECT_LE(out.size(), max);
    if (!out.empty()) {
      EXPECT_NE(static_cast<unsigned char>(out.front()) & 0xC0U, 0x80U) << max;
    }
  }
}

}  // namespace
}  // namespace azcopy_runner
