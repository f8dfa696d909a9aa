// Tests for the required-literal derivation (classify/required_literals.h):
// hand-checked clauses for the constructs the rules use, "none" for the
// constructs it must not model, and a randomized soundness check against
// Hyperscan itself (every match holds a string of every clause).
#include "classify/required_literals.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hs/hs.h>

#include <random>
#include <string>
#include <vector>

namespace dg {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

using Clauses = std::vector<std::vector<std::string>>;

Clauses Derive(std::string_view expression) {
  Clauses clauses;
  EXPECT_TRUE(RequiredLiterals(expression, &clauses)) << expression;
  return clauses;
}

TEST(RequiredLiteralsTest, LiteralsAndRuns) {
  EXPECT_THAT(Derive("```"), ElementsAre(ElementsAre("```")));
  EXPECT_THAT(Derive("#include\\s*[<\"]"), ElementsAre(ElementsAre("#include"), UnorderedElementsAre("\"", "<")));
  // The longer run wins over the single characters around it.
  EXPECT_THAT(Derive("\\bc\\+\\+"), ElementsAre(ElementsAre("c++")));
}

TEST(RequiredLiteralsTest, ClassesAndConjunctions) {
  // Two independent single-character clauses: both must be present.
  EXPECT_THAT(Derive("\\b[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*\\("),
              UnorderedElementsAre(ElementsAre("."), ElementsAre("(")));
  // \d is the ten digits; every alternative needs one.
  const Clauses digits = Derive("(\\d\\s+[-/]\\s+\\d|\\$\\s?\\d|\\d\\s?(%|percent))");
  EXPECT_THAT(digits, Contains(ElementsAre("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")));
  EXPECT_THAT(Derive("[Сс]пасибо"), ElementsAre(UnorderedElementsAre("Спасибо", "спасибо")));
}

TEST(RequiredLiteralsTest, AlternationsOptionalsAndRepeats) {
  // Optional parts expand; a string containing another is dropped.
  EXPECT_THAT(Derive("(foo|ba?r)"), ElementsAre(UnorderedElementsAre("bar", "br", "foo")));
  EXPECT_THAT(Derive("(ab|xaby)"), ElementsAre(ElementsAre("ab")));
  // A `*` group requires nothing, the words around it still do.
  EXPECT_THAT(Derive("\\bcompare (the )?(two |both )*(responses|answers)\\b"),
              Contains(UnorderedElementsAre("answers", "responses")));
  // `+` and {m,n} with m >= 1 keep what one repetition requires.
  EXPECT_THAT(Derive("x+"), ElementsAre(ElementsAre("x")));
  EXPECT_THAT(Derive("\\d{1,2}"), ElementsAre(testing::SizeIs(10)));
}

TEST(RequiredLiteralsTest, NothingProved) {
  Clauses clauses;
  EXPECT_FALSE(RequiredLiterals("\\b[a-z]{2,}[A-Z][a-z]+", &clauses));  // classes larger than kMaxClassSize
  EXPECT_FALSE(RequiredLiterals("a*", &clauses));
  EXPECT_FALSE(RequiredLiterals("(a|b?)", &clauses));  // one alternative may be empty
  EXPECT_FALSE(RequiredLiterals("\\w+", &clauses));
  EXPECT_FALSE(RequiredLiterals(".", &clauses));
  EXPECT_FALSE(RequiredLiterals("[^a]", &clauses));
  // Syntax it does not model gives up rather than guess.
  EXPECT_FALSE(RequiredLiterals("(?i)abc", &clauses));
  EXPECT_FALSE(RequiredLiterals("(?=abc)", &clauses));
  EXPECT_FALSE(RequiredLiterals("\\x41bc", &clauses));
  EXPECT_FALSE(RequiredLiterals("ab(c", &clauses));
  EXPECT_FALSE(RequiredLiterals("a??", &clauses));
}

TEST(RequiredLiteralsTest, CapsTheSetSize) {
  Clauses clauses;
  EXPECT_FALSE(RequiredLiterals("(a|b|c|d)", &clauses, 3));
  EXPECT_TRUE(RequiredLiterals("(a|b|c|d)", &clauses, 4));
}

// Hyperscan match callback: records that something matched.
int OnMatch(unsigned int /*id*/, unsigned long long /*from*/, unsigned long long /*to*/,  // NOLINT(google-runtime-int)
            unsigned int /*flags*/, void* context) {
  *static_cast<bool*>(context) = true;
  return 1;  // stop
}

bool HasLiteral(const std::string& text, const std::string& literal, bool caseless) {
  if (!caseless) return text.find(literal) != std::string::npos;
  auto lower = [](std::string s) {
    for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return s;
  };
  return lower(text).find(lower(literal)) != std::string::npos;
}

// Random texts over the characters these expressions care about: whenever
// Hyperscan finds a match, every clause has a string in the text. A broken
// derivation (say, treating `x?` as requiring x) fails this quickly.
TEST(RequiredLiteralsTest, SoundAgainstHyperscan) {
  const std::vector<std::string> expressions = {
      "\\b[a-z_][a-z0-9_]*\\([^()\\r\\n]{0,40}\\)",
      "\\b[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*\\(",
      "(\\d\\s+[-/]\\s+\\d|\\$\\s?\\d|\\d\\s?(%|percent))",
      "\\b[a-z][a-z0-9]*_[a-z0-9_]+\\b",
      "`[^`\\r\\n]{1,80}`",
      ";[ \\t]*(\\n|$)",
      "\\b(let|if) [a-z] (be|=|is)",
      "(ab?c|d(e|f)+g|h{2,3}i)",
      "\\b(step|phase) (2|3|two)\\b",
  };
  // Single characters and a few whole words, so that the word rules match too.
  const std::vector<std::string> alphabet = {
      "a", "b",    "c",     "d",   "e",   "f",  "g",  "h",  "i",       "l",      "s",     "t",     "_",     " ", ".",
      "(", ")",    "`",     ";",   "%",   "$",  "-",  "/",  "=",       "\n",     "2",     "3",     "0",     "A", "B",
      "P", "step", "phase", "two", "let", "if", "be", "is", "percent", "let a ", "if b ", "step ", "phase "};
  std::mt19937 rng(20261201);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<size_t> length(0, 16);
  for (const std::string& expression : expressions) {
    Clauses clauses;
    ASSERT_TRUE(RequiredLiterals(expression, &clauses)) << expression;
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    ASSERT_EQ(hs_compile(expression.c_str(), HS_FLAG_CASELESS, HS_MODE_BLOCK, nullptr, &db, &error), HS_SUCCESS)
        << expression;
    hs_scratch_t* scratch = nullptr;
    ASSERT_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
    size_t matched = 0;
    for (int i = 0; i < 20000; ++i) {
      std::string text;
      for (size_t n = length(rng); n > 0; --n) text += alphabet[pick(rng)];
      bool match = false;
      hs_scan(db, text.data(), static_cast<unsigned int>(text.size()), 0, scratch, OnMatch, &match);
      if (!match) continue;
      ++matched;
      for (const auto& clause : clauses) {
        bool holds = false;
        for (const std::string& literal : clause) holds = holds || HasLiteral(text, literal, /*caseless=*/true);
        ASSERT_TRUE(holds) << expression << " matched '" << text << "' without clause starting '" << clause.front()
                           << "'";
      }
    }
    EXPECT_GT(matched, 0U) << expression << ": the random texts never matched, the check proves nothing";
    hs_free_scratch(scratch);
    hs_free_database(db);
  }
}

}  // namespace
}  // namespace dg
