#include "intel/hmac.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace dg {
namespace {

TEST(HmacTest, Rfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacTest, MessagesAndKeyId) {
  EXPECT_EQ(EmailShapeMessage("Mail.Example", "aaaa99"), "email_shape:mail.example|aaaa99");
  EXPECT_EQ(PaymentFpMessage("pm_1"), "payment_fp:pm_1");
  const std::string id = IntelKeyId("0123456789abcdef0123");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_NE(id, IntelKeyId("0123456789abcdef0124"));
}

TEST(HmacTest, KeyFile) {
  const std::string path = testing::TempDir() + "/dg_key";
  std::ofstream(path) << "short\n";
  EXPECT_EQ(LoadIntelKeyFile(path).status().code(), StatusCode::kInvalidArgument);
  std::ofstream(path) << "a-long-enough-shared-secret\n";
  auto key = LoadIntelKeyFile(path);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, "a-long-enough-shared-secret");
  EXPECT_EQ(LoadIntelKeyFile(path + ".missing").status().code(), StatusCode::kNotFound);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace dg
