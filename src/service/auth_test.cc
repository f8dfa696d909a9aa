#include "service/auth.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace dg {
namespace {

TEST(TokenSetTest, OpenWhenNoTokens) {
  TokenSet open;
  EXPECT_TRUE(open.open());
  EXPECT_EQ(open.Authorize(""), Scope::kWrite);
}

TEST(TokenSetTest, ScopesAndMalformedHeaders) {
  TokenSet t({"reader-token"}, {"writer-token"});
  EXPECT_FALSE(t.open());
  EXPECT_EQ(t.Authorize("Bearer reader-token"), Scope::kRead);
  EXPECT_EQ(t.Authorize("bearer writer-token"), Scope::kWrite);
  EXPECT_EQ(t.Authorize("Bearer  writer-token "), Scope::kWrite);
  EXPECT_EQ(t.Authorize(""), Scope::kNone);
  EXPECT_EQ(t.Authorize("Bearer"), Scope::kNone);
  EXPECT_EQ(t.Authorize("Bearer "), Scope::kNone);
  EXPECT_EQ(t.Authorize("Basic reader-token"), Scope::kNone);
  EXPECT_EQ(t.Authorize("Bearer reader-toke"), Scope::kNone);
  EXPECT_EQ(t.Authorize("Bearer reader-tokenX"), Scope::kNone);
  EXPECT_EQ(t.Authorize("reader-token"), Scope::kNone);
}

TEST(TokenSetTest, TokensFromEnvironment) {
  ::setenv(kReadTokensEnv, " r1 ,r2,,", 1);
  ::setenv(kWriteTokensEnv, "w1", 1);
  ServiceOptions options;
  options.read_tokens = {"r0"};
  const TokenSet t = TokenSet::FromOptions(options);
  ::unsetenv(kReadTokensEnv);
  ::unsetenv(kWriteTokensEnv);
  EXPECT_EQ(t.Authorize("Bearer r0"), Scope::kRead);
  EXPECT_EQ(t.Authorize("Bearer r1"), Scope::kRead);
  EXPECT_EQ(t.Authorize("Bearer r2"), Scope::kRead);
  EXPECT_EQ(t.Authorize("Bearer w1"), Scope::kWrite);
  EXPECT_EQ(t.Authorize("Bearer "), Scope::kNone);
}

}  // namespace
}  // namespace dg
