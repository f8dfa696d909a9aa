// Tests for the split of classifier rules into word phrases and residual
// regular expressions (classify/pattern_split.h).
#include "classify/pattern_split.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dg {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

TEST(ExpandRegexTest, LiteralsGroupsOptionalsAndClasses) {
  std::vector<std::string> out;
  ASSERT_TRUE(ExpandRegex("how (many|much)", 100, &out));
  EXPECT_THAT(out, UnorderedElementsAre("how many", "how much"));
  ASSERT_TRUE(ExpandRegex("end[- ]to[- ]end", 100, &out));
  EXPECT_THAT(out, UnorderedElementsAre("end-to-end", "end to-end", "end-to end", "end to end"));
  ASSERT_TRUE(ExpandRegex("summari[sz]e", 100, &out));
  EXPECT_THAT(out, UnorderedElementsAre("summarise", "summarize"));
  ASSERT_TRUE(ExpandRegex("(a |an )?essays?", 100, &out));
  EXPECT_EQ(out.size(), 6U);
  ASSERT_TRUE(ExpandRegex("r[eé]sous", 100, &out));
  EXPECT_THAT(out, UnorderedElementsAre("resous", "résous"));
  ASSERT_TRUE(ExpandRegex("c\\+\\+", 100, &out));
  EXPECT_THAT(out, UnorderedElementsAre("c++"));
}

TEST(ExpandRegexTest, RejectsWhatIsNotAFiniteSet) {
  std::vector<std::string> out;
  for (const char* fragment :
       {"debug\\w*", "a\\s+b", "[a-z]+", "x{2}", "a.b", "[^a]", "(?:a)", "a*", "(a|b", "a)", "\\d"}) {
    EXPECT_FALSE(ExpandRegex(fragment, 100, &out)) << fragment;
  }
  EXPECT_FALSE(ExpandRegex("(a|b|c)(d|e|f)", 8, &out)) << "over the cap";
  EXPECT_TRUE(ExpandRegex("(a|b|c)(d|e|f)", 9, &out));
}

TEST(SplitPatternTest, WholeWordListBecomesPhrases) {
  const PatternSplit split = SplitPattern("\\b(essays?|poem|short stor(y|ies))\\b");
  EXPECT_THAT(split.phrases, UnorderedElementsAre("essay", "essays", "poem", "short story", "short stories"));
  EXPECT_THAT(split.residual, IsEmpty());
}

TEST(SplitPatternTest, UnexpandableAlternativesStayInTheResidual) {
  const PatternSplit split = SplitPattern("\\b(refactor\\w*|code review|node\\.js|c\\+\\+)\\b");
  EXPECT_THAT(split.phrases, UnorderedElementsAre("code review"));
  EXPECT_EQ(split.residual, "(\\brefactor\\w*\\b|\\bnode\\.js\\b|\\bc\\+\\+\\b)");
}

TEST(SplitPatternTest, PatternWithoutWordBoundaryIsKeptVerbatim) {
  // Substring semantics ("paso a paso" inside any text) is not a word match.
  const char* kExpr = "(piensa|razona) paso a paso|paso a paso";
  const PatternSplit split = SplitPattern(kExpr);
  EXPECT_THAT(split.phrases, IsEmpty());
  EXPECT_EQ(split.residual, kExpr);
  const char* kCode = "\\b[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*\\(";
  EXPECT_EQ(SplitPattern(kCode).residual, kCode);
}

TEST(SplitPatternTest, PerAlternativeBoundariesAndGuards) {
  // Top level without a group: the leading \b belongs to the first
  // alternative and the trailing one to the last.
  PatternSplit split = SplitPattern("\\bshow (your|the) work\\b|\\d+ steps|\\bshow your working\\b");
  EXPECT_THAT(split.phrases, UnorderedElementsAre("show your work", "show the work", "show your working"));
  EXPECT_EQ(split.residual, "(\\d+ steps)");
  split = SplitPattern("(^|[^a-z])(escribe|[eé]cris)\\b");
  EXPECT_THAT(split.phrases, UnorderedElementsAre("escribe", "ecris", "écris"));
  EXPECT_THAT(split.residual, IsEmpty());
}

TEST(SplitPatternTest, NoTrailingBoundaryKeepsTheShortestPrefixes) {
  const PatternSplit split = SplitPattern("\\b(let['’]?s|let us) (think|reason)( it)?");
  EXPECT_THAT(split.phrases, UnorderedElementsAre("let's think", "let’s think", "lets think", "let us think",
                                                  "let's reason", "let’s reason", "lets reason", "let us reason"));
}

TEST(SplitPatternTest, OtherScriptsAndPunctuationStayInHyperscan) {
  EXPECT_THAT(SplitPattern("\\b(привет|hello)\\b").phrases, UnorderedElementsAre("hello"));
  EXPECT_THAT(SplitPattern("\\b(q\\.e\\.d|tell me about)\\b").phrases, UnorderedElementsAre("tell me about"));
  EXPECT_THAT(SplitPattern("\\b(a|b),? c\\b").phrases, IsEmpty());
}

TEST(SplitPatternTest, TooLargeExpansionStaysInHyperscan) {
  const PatternSplit split = SplitPattern("\\b(a|b|c|d) (e|f|g|h)\\b", 10);
  EXPECT_THAT(split.phrases, IsEmpty());
  EXPECT_EQ(split.residual, "\\b(a|b|c|d) (e|f|g|h)\\b");
}

// The classifier takes the shape rules' expressions out of residuals this
// way (classify/shape_rules.h): only a whole top-level alternative, nested
// or partial ones stay.
TEST(RemoveAlternativeTest, TakesOutTopLevelAlternativesOnly) {
  std::string residual = "(\\bstd::|\\b=>\\s*\\{|\\b\\)\\s*\\{\\s*\\n)";
  EXPECT_TRUE(RemoveAlternative(&residual, "\\b=>\\s*\\{"));
  EXPECT_EQ(residual, "(\\bstd::|\\b\\)\\s*\\{\\s*\\n)");
  EXPECT_FALSE(RemoveAlternative(&residual, "\\b=>\\s*\\{"));  // gone already
  EXPECT_FALSE(RemoveAlternative(&residual, "\\bstd"));        // part of an alternative
  EXPECT_TRUE(RemoveAlternative(&residual, "\\b\\)\\s*\\{\\s*\\n"));
  EXPECT_EQ(residual, "(\\bstd::)");
  EXPECT_TRUE(RemoveAlternative(&residual, "\\bstd::"));
  EXPECT_EQ(residual, "");

  std::string nested = "(a|(b|c))";
  EXPECT_FALSE(RemoveAlternative(&nested, "b"));
  EXPECT_EQ(nested, "(a|(b|c))");
  std::string two_groups = "(a)|(b)";  // not one group: its alternatives are not the residual's
  EXPECT_FALSE(RemoveAlternative(&two_groups, "(b)"));
  std::string whole = "\\b[a-z]{2,}[A-Z][a-z]+";
  EXPECT_TRUE(RemoveAlternative(&whole, "\\b[a-z]{2,}[A-Z][a-z]+"));
  EXPECT_EQ(whole, "");
  std::string class_bar = "([|]|x)";  // a '|' inside a class separates nothing
  EXPECT_TRUE(RemoveAlternative(&class_bar, "x"));
  EXPECT_EQ(class_bar, "([|])");
}

}  // namespace
}  // namespace dg
