// Differential tests of classify/shape_rules.h: every hand-written matcher
// must give Hyperscan's answer for the expression it replaces, compiled
// alone with the classifier's flags, on every buffer the classifier could
// hand it (valid UTF-8 runs of any text). Texts: the shipped samples (real
// prompts), the shared corpora when present, random slices of both (cuts
// inside words, numbers and multi-byte characters), and random strings of
// the tokens the expressions are made of (boundaries, case, white space,
// the non-ASCII characters they name, the two characters Hyperscan folds to
// ASCII letters, other scripts, invalid bytes).

#include "classify/shape_rules.h"

#include <gtest/gtest.h>
#include <hs/hs.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "classify/pattern_split.h"
#include "classify/word_evidence.h"
#include "classify/word_gates.h"
#include "common/utf8.h"

namespace dg {
namespace {

// The classifier's texts: data/samples (and ../shared/corpora beside the
// checkout, which they were drawn from, when it is there), as decoded
// strings and as raw lines.
std::vector<std::string> CorpusTexts() {
  std::vector<std::string> texts;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(DG_SOURCE_DIR) + "/data/samples")) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  const std::filesystem::path shared = std::string(DG_SOURCE_DIR) + "/../shared/corpora";
  std::error_code ec;
  if (std::filesystem::is_directory(shared, ec)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(shared, ec)) {
      const auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".jsonl" || ext == ".json")) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  simdjson::ondemand::parser parser;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      texts.push_back(line);  // raw: escapes, quotes, braces
      const simdjson::padded_string padded(line);
      simdjson::ondemand::document doc;
      simdjson::ondemand::object object;
      if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(object) != simdjson::SUCCESS) {
        continue;
      }
      for (auto field : object) {
        std::string_view text;
        simdjson::ondemand::array array;
        if (field.value().get_string().get(text) == simdjson::SUCCESS) {
          texts.emplace_back(text);
        } else if (field.value().get_array().get(array) == simdjson::SUCCESS) {
          for (auto element : array) {
            if (element.get_string().get(text) == simdjson::SUCCESS) texts.emplace_back(text);
          }
        }
      }
    }
  }
  return texts;
}

// What the expressions are made of, and what lies next to them.
std::vector<std::string> Tokens() {
  std::vector<std::string> tokens = {
      "a",
      "b",
      "e",
      "f",
      "F",
      "i",
      "s",
      "S",
      "x",
      "X",
      "Z",
      "k",
      "K",
      "_",
      "0",
      "7",
      "9",
      "12",
      " ",
      "  ",
      "\t",
      "\n",
      "\v",
      "\f",
      "\r",
      "=",
      "==",
      ">",
      "=>",
      "{",
      "}",
      "(",
      ")",
      "^",
      "+",
      "*",
      "-",
      "/",
      ".",
      ",",
      "?",
      "'",
      "\"",
      "’",
      "“",
      "”",
      "¿",
      "¡",
      "×",
      "÷",
      "é",
      "É",
      "Ж",
      "ж",
      "中",
      "😀",
      "\xC5\xBF",      // U+017F long s, folds to 's'
      "\xE2\x84\xAA",  // U+212A Kelvin sign, folds to 'k'
      "\xC4\xB1",
      "\xC4\xB0",  // dotless i, dotted capital I: no ASCII folding
      "\xC2\xA0",
      "\xC2\x85",  // no-break space, next line: not \s
      "\xD9\xA3",  // Arabic-indic three: not \d
      "\xff",
      "\xC3",  // invalid bytes
      "let",
      "LET",
      "if",
      "If",
      "suppose",
      "be",
      "BE",
      "is",
      "iS",
      "what",
      "What",
      "est",
      "ce",
      "camel",
      "Case",
      "getValue",
      "myVar",
      "aB",
      "abC",
      "abCd",
      "xYz",
      "thisIsIt",
      "=> {",
      ") {\n",
      "f(x)",
      "f(2) =",
      "`",
      "``",
      ";",
      "$",
      "%",
      "percent",
      "PerCent",
      "obj",
      "snake_case",
      "a_",
      "_a",
      "__",
      "x.y(",
      ".",
      "(",
      "()",
      "\r",
      "5%",
      "$ 3",
      "4 - 2",
      "3 / 1",
      // the bounds of [^()\r\n]{0,40} and [^`\r\n]{1,80}
      std::string(38, 'a'),
      std::string(39, 'a'),
      std::string(40, 'a'),
      std::string(41, 'a'),
      std::string(78, 'b'),
      std::string(79, 'b'),
      std::string(80, 'b'),
      std::string(81, 'b'),
  };
  // Every question word of the question rule, and parts of them.
  const std::string_view q = ShapeExpressions()[static_cast<size_t>(ShapeRule::kQuestionOpening)].expression;
  const size_t open = q.find("(what");
  const size_t close = q.find(")\\b", open);
  std::vector<std::string> words;
  EXPECT_TRUE(ExpandRegex(q.substr(open + 1, close - open - 1), 1000, &words));
  EXPECT_GT(words.size(), 40U);
  // And those of the greeting rule, with their accented letters.
  const std::string_view g = ShapeExpressions()[static_cast<size_t>(ShapeRule::kGreetingOpening)].expression;
  const size_t g_open = g.find("(hi");
  const size_t g_close = g.rfind(")\\b");
  std::vector<std::string> greetings;
  EXPECT_TRUE(ExpandRegex(g.substr(g_open + 1, g_close - g_open - 1), 1000, &greetings));
  EXPECT_GT(greetings.size(), 20U);
  words.insert(words.end(), greetings.begin(), greetings.end());
  for (const char* t : {"\xC3\xAD", "\xC3\x8D", "\xC3\xA1", "\xC3\x81", "d", "as", "ol", "good", "buenos", "guten"}) {
    tokens.emplace_back(t);
  }
  for (const std::string& w : words) {
    tokens.push_back(w);
    tokens.push_back(w.substr(0, w.size() - 1));
    std::string upper = w;
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    tokens.push_back(upper);
  }
  return tokens;
}

// The valid UTF-8 runs of `text`, as the classifier hands them to Hyperscan.
std::vector<std::string_view> ValidRuns(std::string_view text) {
  std::vector<std::string_view> runs;
  size_t begin = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = Utf8SequenceLength(text.substr(i));
    if (len != 0) {
      i += len;
      continue;
    }
    if (i > begin) runs.push_back(text.substr(begin, i - begin));
    ++i;
    begin = i;
  }
  if (i > begin) runs.push_back(text.substr(begin, i - begin));
  return runs;
}

class Reference {
 public:
  explicit Reference(const ShapeExpression& shape) {
    unsigned flags = HS_FLAG_SINGLEMATCH;
    if (shape.caseless) flags |= HS_FLAG_CASELESS;
    if (shape.utf8) flags |= HS_FLAG_UTF8;
    const std::string expression(shape.expression);
    hs_compile_error_t* error = nullptr;
    if (hs_compile(expression.c_str(), flags, HS_MODE_BLOCK, nullptr, &db_, &error) != HS_SUCCESS) {
      ADD_FAILURE() << "does not compile: " << expression << ": " << (error ? error->message : "");
      hs_free_compile_error(error);
      return;
    }
    EXPECT_EQ(hs_alloc_scratch(db_, &scratch_), HS_SUCCESS);
  }
  ~Reference() {
    hs_free_scratch(scratch_);
    hs_free_database(db_);
  }
  Reference(const Reference&) = delete;
  Reference& operator=(const Reference&) = delete;

  bool Matches(std::string_view run) const {
    bool matched = false;
    hs_scan(db_, run.data(), static_cast<unsigned>(run.size()), 0, scratch_, OnMatch, &matched);
    return matched;
  }

 private:
  // NOLINTNEXTLINE(google-runtime-int): Hyperscan's callback signature.
  static int OnMatch(unsigned, unsigned long long, unsigned long long, unsigned, void* context) {
    *static_cast<bool*>(context) = true;
    return 1;  // one match decides
  }
  hs_database_t* db_ = nullptr;
  hs_scratch_t* scratch_ = nullptr;
};

bool HoldsFoldingCharacter(std::string_view run) {
  return run.find("\xC5\xBF") != std::string_view::npos || run.find("\xE2\x84\xAA") != std::string_view::npos;
}

struct Tally {
  size_t runs = 0;
  size_t matched = 0;
  size_t undecided = 0;
  size_t mismatches = 0;
};

// Compares one rule's matcher with Hyperscan on every valid run of `text`,
// asked for that rule alone and together with all others.
void Compare(ShapeRule rule, const Reference& reference, std::string_view text, Tally* tally) {
  const ShapeMask bit = ShapeBit(rule);
  for (const std::string_view run : ValidRuns(text)) {
    const bool expected = reference.Matches(run);
    for (const ShapeMask wanted : {bit, kAllShapes}) {
      const ShapeMatches got = MatchShapes(run, wanted);
      ++tally->runs;
      if ((got.undecided & bit) != 0) {
        ++tally->undecided;
        if (!HoldsFoldingCharacter(run) && ++tally->mismatches <= 5) {
          ADD_FAILURE() << "undecided without U+017F or U+212A: " << run.substr(0, 200);
        }
        continue;
      }
      const bool matched = (got.matched & bit) != 0;
      tally->matched += matched;
      if (matched != expected && ++tally->mismatches <= 5) {
        ADD_FAILURE() << "rule " << static_cast<int>(rule) << " says " << matched << ", Hyperscan " << expected
                      << " for: \"" << run.substr(0, 200) << "\"";
      }
    }
  }
}

// Appends one random slice of each text (cuts land inside words, escapes
// and multi-byte characters).
void AppendSlices(std::vector<std::string>* texts, std::mt19937* rng) {
  const size_t whole = texts->size();
  for (size_t i = 0; i < whole; ++i) {
    const std::string t = (*texts)[i];  // a copy: push_back below may reallocate
    if (t.size() < 2) continue;
    std::uniform_int_distribution<size_t> cut(0, t.size() - 1);
    size_t a = cut(*rng);
    size_t b = cut(*rng);
    if (a > b) std::swap(a, b);
    texts->push_back(t.substr(a, b - a + 1));
  }
}

TEST(ShapeRulesTest, SameMatchesAsHyperscan) {
  std::vector<std::string> texts = CorpusTexts();
  ASSERT_GT(texts.size(), 5000U);
  std::mt19937 rng(1202);  // fixed seed: the same slices and strings every run
  AppendSlices(&texts, &rng);
  const std::vector<std::string> tokens = Tokens();
  std::uniform_int_distribution<size_t> pick(0, tokens.size() - 1);
  std::uniform_int_distribution<int> length(1, 40);  // long enough for whole 16-byte blocks
  constexpr size_t kGenerated = 300000;
  for (size_t i = 0; i < kGenerated; ++i) {
    std::string s;
    for (int k = length(rng); k > 0; --k) s += tokens[pick(rng)];
    texts.push_back(std::move(s));
  }

  const std::span<const ShapeExpression> shapes = ShapeExpressions();
  ASSERT_EQ(shapes.size(), kShapeRuleCount);
  for (size_t s = 0; s < kShapeRuleCount; ++s) {
    const auto rule = static_cast<ShapeRule>(s);
    const Reference reference(shapes[s]);
    Tally tally;
    for (const std::string& t : texts) Compare(rule, reference, t, &tally);
    EXPECT_EQ(tally.mismatches, 0U) << shapes[s].expression;
    // Not vacuous: each rule matches often, and the folding characters are
    // met (and left to Hyperscan) for the UTF-8 ones.
    EXPECT_GT(tally.matched, 1000U) << shapes[s].expression;
    if (shapes[s].utf8) {
      EXPECT_GT(tally.undecided, 100U) << shapes[s].expression;
    } else {
      EXPECT_EQ(tally.undecided, 0U) << shapes[s].expression;
    }
    RecordProperty("rule" + std::to_string(s) + "_matched", static_cast<int>(tally.matched));
    std::cout << shapes[s].expression.substr(0, 40) << ": " << tally.runs << " runs, " << tally.matched << " matched, "
              << tally.undecided << " undecided\n";
  }
}

// classify/word_gates.h: whenever Hyperscan finds a gated expression in a
// valid run, the phrase table, holding only the gate's words, reports one of
// them in that run and in the whole text (the classifier tokenizes the whole
// piece, Hyperscan scans its runs). Texts as above, plus strings of the
// expression's own words and of what could glue onto the gate word.
TEST(WordGatesTest, GateOpensWheneverHyperscanMatches) {
  std::vector<std::string> texts = CorpusTexts();
  ASSERT_GT(texts.size(), 5000U);
  std::mt19937 rng(1203);  // fixed seed: the same slices and strings every run
  AppendSlices(&texts, &rng);
  const std::span<const WordGate> gates = WordGates();
  ASSERT_FALSE(gates.empty());
  for (const WordGate& gate : gates) {
    PhraseTable table;
    for (const std::string_view word : gate.words) {
      if (!word.empty()) {
        ASSERT_TRUE(table.Add(word, 0)) << word;
      }
    }
    table.Build();
    auto gate_open = [&](std::string_view text) {
      std::array<uint64_t, 1> hits{};
      table.Scan(text, hits);
      return hits[0] != 0;
    };
    // The expression's words and separators, the gate words in other cases
    // and glued to letters, digits, '_', Latin letters and the characters
    // Unicode folds to ASCII, other scripts, invalid bytes.
    std::vector<std::string> tokens = {
        " ",        " ",
        " ",        "  ",
        "-",        "--",
        "\t",       "\n",
        "_",        "x",
        "s",        "9",
        "\xC3\xA9", "\xC3\x89",
        "\xC5\xBF", "\xE2\x84\xAA",
        "\xD0\xB6", "\xE4\xB8\xAD",
        "\xC2\xA0", "\xE2\x80\x99",
        "'",        ".",
        ",",        "\xff",
        "\xC3",     "by",
        "BY",       "By",
    };
    const std::string_view e = gate.expression;
    std::vector<std::string> words;
    for (size_t open = e.find('('); open != std::string_view::npos; open = e.find('(', open + 1)) {
      // Every group that expands to a finite set (the verbs, the repeated
      // group's alternatives, and the nested ones).
      size_t depth = 0;
      size_t close = open;
      for (; close < e.size(); ++close) {
        if (e[close] == '(') ++depth;
        if (e[close] == ')' && --depth == 0) break;
      }
      std::vector<std::string> expanded;
      if (close < e.size() && ExpandRegex(e.substr(open + 1, close - open - 1), 1000, &expanded)) {
        words.insert(words.end(), expanded.begin(), expanded.end());
      }
    }
    EXPECT_GT(words.size(), 20U);
    for (const std::string_view word : gate.words) {
      if (word.empty()) continue;
      const std::string w(word);
      std::string upper = w;
      for (char& c : upper) c = static_cast<char>(c - 'a' + 'A');
      std::string mixed = w;
      mixed[0] = upper[0];
      for (const std::string& v : {w, upper, mixed, w + "s", w.substr(1), w.substr(0, w.size() - 1)}) {
        tokens.push_back(v);
        tokens.push_back(v);  // twice: the gate word should be common
      }
    }
    for (const std::string& w : words) {
      tokens.push_back(w);
      std::string upper = w;
      for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
      tokens.push_back(upper);
    }
    std::vector<std::string> gate_texts = texts;
    std::uniform_int_distribution<size_t> pick(0, tokens.size() - 1);
    std::uniform_int_distribution<int> length(1, 16);
    constexpr size_t kGenerated = 300000;
    for (size_t i = 0; i < kGenerated; ++i) {
      std::string s;
      for (int k = length(rng); k > 0; --k) s += tokens[pick(rng)];
      gate_texts.push_back(std::move(s));
    }
    // Near matches: words of the expression, then the gate word and "by"
    // in the expression's order, each joined by a separator that is mostly
    // a space, sometimes '-', nothing or a token above, so that the
    // expression matches often and each of its parts is often just missed.
    const std::vector<std::string> joiners = {" ", " ", " ", " ", "-", "", "  "};
    std::uniform_int_distribution<size_t> pick_word(0, words.size() - 1);
    std::uniform_int_distribution<size_t> pick_joiner(0, joiners.size() - 1);
    std::uniform_int_distribution<int> percent(0, 99);
    constexpr int kJunkPercent = 15;
    auto joiner = [&] { return percent(rng) < kJunkPercent ? tokens[pick(rng)] : joiners[pick_joiner(rng)]; };
    for (size_t i = 0; i < kGenerated; ++i) {
      std::string s;
      if (percent(rng) < kJunkPercent) s += tokens[pick(rng)];
      for (int k = length(rng) % 4; k >= 0; --k) s += words[pick_word(rng)] + joiner();
      for (const std::string_view word : gate.words) {
        if (word.empty()) continue;
        const std::string w = tokens[pick(rng)].size() % 3 == 0 ? std::string(word) : tokens[pick(rng)];
        s += w + joiner() + "by" + joiner() + std::string(word);
      }
      if (percent(rng) < kJunkPercent) s += tokens[pick(rng)];
      gate_texts.push_back(std::move(s));
    }

    const Reference reference(ShapeExpression{gate.expression, /*caseless=*/true, /*utf8=*/false});
    size_t matched = 0;
    size_t skipped = 0;  // texts on which the gate saves the scan
    size_t mismatches = 0;
    for (const std::string& t : gate_texts) {
      const bool text_open = gate_open(t);
      bool any = false;
      for (const std::string_view run : ValidRuns(t)) {
        if (!reference.Matches(run)) continue;
        any = true;
        ++matched;
        if ((!text_open || !gate_open(run)) && ++mismatches <= 5) {
          ADD_FAILURE() << "gate closed on a match of " << e.substr(0, 40) << ": \"" << run.substr(0, 200) << "\"";
        }
      }
      skipped += !any && !text_open;
    }
    EXPECT_EQ(mismatches, 0U) << e;
    // Not vacuous: the expression matches often, and the gate is closed on
    // most texts.
    EXPECT_GT(matched, 1000U) << e;
    EXPECT_GT(skipped, gate_texts.size() / 2) << e;
    std::cout << e.substr(0, 40) << ": " << gate_texts.size() << " texts, " << matched << " matching runs, " << skipped
              << " skipped\n";
  }
}

// Hand-picked cases, one per corner of each expression, so that a failure
// names the corner.
TEST(ShapeRulesTest, Examples) {
  auto matches = [](std::string_view text, ShapeRule rule) {
    return (MatchShapes(text, ShapeBit(rule)).matched & ShapeBit(rule)) != 0;
  };
  EXPECT_TRUE(matches("call getValue now", ShapeRule::kCamelCase));
  EXPECT_TRUE(matches("xgetValue", ShapeRule::kCamelCase));
  EXPECT_FALSE(matches("_getValue", ShapeRule::kCamelCase));  // no \b before 'g'
  EXPECT_FALSE(matches("aValue", ShapeRule::kCamelCase));     // one lower-case letter
  EXPECT_FALSE(matches("getVALUE", ShapeRule::kCamelCase));
  EXPECT_TRUE(matches("\xC3\xA9getValue", ShapeRule::kCamelCase));  // é is no ASCII word character

  EXPECT_TRUE(matches("x=> {", ShapeRule::kArrowBrace));
  EXPECT_FALSE(matches("x => {", ShapeRule::kArrowBrace));  // no word character right before "=>"
  EXPECT_FALSE(matches("x = > {", ShapeRule::kArrowBrace));
  EXPECT_FALSE(matches("() => {", ShapeRule::kArrowBrace));  // no word character before "=>"
  EXPECT_TRUE(matches("f(x) {\n", ShapeRule::kParenBraceNewline));
  EXPECT_TRUE(matches("f(x)\t{ \t\r\n", ShapeRule::kParenBraceNewline));
  EXPECT_FALSE(matches("f(x) { y\n", ShapeRule::kParenBraceNewline));
  EXPECT_FALSE(matches("f() {\n", ShapeRule::kParenBraceNewline));

  EXPECT_TRUE(matches("3 + 4", ShapeRule::kArithmetic));
  EXPECT_TRUE(matches("3\xC3\x97-4", ShapeRule::kArithmetic));
  EXPECT_TRUE(matches("x^2", ShapeRule::kArithmetic));
  EXPECT_TRUE(matches("y = -1", ShapeRule::kArithmetic));
  EXPECT_TRUE(matches("F(x) =", ShapeRule::kArithmetic));
  EXPECT_TRUE(matches("Suppose n isn't", ShapeRule::kArithmetic));
  EXPECT_FALSE(matches("xy = 1", ShapeRule::kArithmetic));
  EXPECT_FALSE(matches("3 - 4", ShapeRule::kArithmetic));
  EXPECT_FALSE(matches("let xy be", ShapeRule::kArithmetic));

  EXPECT_TRUE(matches(" \xC2\xBF\xE2\x80\x9C(What is", ShapeRule::kQuestionOpening));
  EXPECT_TRUE(matches("what\xE2\x80\x99s up", ShapeRule::kQuestionOpening));
  EXPECT_TRUE(matches("Est-ce que", ShapeRule::kQuestionOpening));
  EXPECT_TRUE(matches("how\xC3\xA9", ShapeRule::kQuestionOpening));
  EXPECT_FALSE(matches("whatever", ShapeRule::kQuestionOpening));
  EXPECT_FALSE(matches("so what", ShapeRule::kQuestionOpening));
  EXPECT_FALSE(matches("whats_", ShapeRule::kQuestionOpening));
  EXPECT_TRUE(matches("what's_", ShapeRule::kQuestionOpening));  // "what" and a boundary
  EXPECT_TRUE(matches("\xE2\x80\x9C Good morning!", ShapeRule::kGreetingOpening));
  EXPECT_TRUE(
      matches("Buenos d\xC3\x8D"
              "as",
              ShapeRule::kGreetingOpening));
  EXPECT_FALSE(matches("ol\xC3\xA1", ShapeRule::kGreetingOpening));  // no word character after the \xC3\xA1
  EXPECT_TRUE(matches("ol\xC3\xA1x", ShapeRule::kGreetingOpening));
  EXPECT_FALSE(matches("good  morning", ShapeRule::kGreetingOpening));
  EXPECT_FALSE(matches("\xC2\xBFhola", ShapeRule::kGreetingOpening));  // no \xC2\xBF in its leading class
  // A long s is left to Hyperscan, which folds it to 's'.
  EXPECT_NE(MatchShapes("i\xC5\xBF", ShapeBit(ShapeRule::kQuestionOpening)).undecided, 0U);
}

}  // namespace
}  // namespace dg
