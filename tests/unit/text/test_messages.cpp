// SPDX-License-Identifier: MIT
// The bound on a summary's messages (src/text/messages.hpp): every way of adding one keeps at most
// kMaxMessages, and each keeps the ones it says it keeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "azcopy_runner/types.hpp"
#include "text/messages.hpp"

namespace azcopy_runner::detail {
namespace {

std::vector<std::string> numbered(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string m = "m";  // (not "m" + std::to_string: GCC 12 -O3 warns -Wrestrict there)
    m += std::to_string(i);
    out.push_back(std::move(m));
  }
  return out;
}

TEST(Messages, EveryWayOfAddingKeepsTheBound) {
  std::vector<std::string> a;
  std::vector<std::string> b;
  std::vector<std::string> c;
  std::vector<std::string> d;
  std::vector<std::string> e;
  for (const std::string& m : numbered(3 * kMaxMessages)) {
    add_message(a, m);
    add_new_message(b, m);
    add_newest_message(c, m);
    put_message_first(d, m);
    put_notice_first(e, m);
    for (const auto* list : {&a, &b, &c, &d, &e}) {
      ASSERT_LE(list->size(), kMaxMessages);
    }
  }
  EXPECT_EQ(a.size(), kMaxMessages);
}

TEST(Messages, AddKeepsTheFirstOnesAndSaysWhenFull) {
  std::vector<std::string> list = numbered(kMaxMessages - 1);
  EXPECT_TRUE(add_message(list, "last"));
  EXPECT_FALSE(add_message(list, "one too many"));
  EXPECT_EQ(list.back(), "last");
}

TEST(Messages, AddNewSkipsOneAlreadyThere) {
  std::vector<std::string> list{"a"};
  EXPECT_FALSE(add_new_message(list, "a"));
  EXPECT_TRUE(add_new_message(list, "b"));
  EXPECT_EQ(list, (std::vector<std::string>{"a", "b"}));
}

TEST(Messages, AddNewestDropsTheOldest) {
  std::vector<std::string> list = numbered(kMaxMessages);
  add_newest_message(list, "newest");
  EXPECT_EQ(list.front(), "m1");
  EXPECT_EQ(list.back(), "newest");
}

TEST(Messages, PutFirstDropsTheLast) {
  std::vector<std::string> list = numbered(kMaxMessages);
  put_message_first(list, "first");
  EXPECT_EQ(list.front(), "first");
  EXPECT_EQ(list.back(), numbered(kMaxMessages - 1).back());
}

TEST(Messages, ANoticeGoesFirstOnceAndTheOldestOtherGoes) {
  std::vector<std::string> list = numbered(kMaxMessages);
  put_notice_first(list, "notice");
  EXPECT_EQ(list[0], "notice");
  EXPECT_EQ(list[1], "m1");
  put_notice_first(list, "notice");
  EXPECT_EQ(std::count(list.begin(), list.end(), "notice"), 1);
  EXPECT_EQ(list.size(), kMaxMessages);
}

}  // namespace
}  // namespace azcopy_runner::detail
