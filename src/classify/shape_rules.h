// Hand-written matchers for a few residual classifier expressions that
// Hyperscan runs badly, each giving exactly the answer Hyperscan gives for
// that expression on the same buffer.
//
// Pipeline position: inside PromptClassifier::Classify(), on the same valid
// UTF-8 runs that the residual Hyperscan databases scan. PromptClassifier::
// Create() takes these expressions out of the residual databases (finding
// each verbatim in the rule list, so an edited rule fails Create() instead
// of silently diverging) and calls MatchShapes() instead.
//
// Why: in the shared residual database the first five cost a third of its
// instructions on the demo traffic: camelCase has no literal at all, the
// arithmetic rule's literals are digits, single letters and common words,
// the code-syntax alternatives anchor on "=>" and ")", and the question
// rule's alternation of 40 words sits behind a class repeated at the text
// start. The other six are the code-syntax and number expressions whose
// only literals are single characters ("(", "_", "`", ";", "$", digits),
// which had a gated database each; in code and templated prompts the gates
// are open and each database costs a scan. The greeting opening, like the
// question opening, is a few words at the text start that Hyperscan looks
// for everywhere (4% of what was left). Each expression is a property of
// an ASCII word run ([A-Za-z0-9_]+, what Hyperscan's ASCII \b delimits) and
// a few bytes around one byte of it (its anchor), which one pass over the
// run finds 16 bytes at a time.
//
// Exactness: the matchers model Hyperscan's semantics without HS_FLAG_UCP:
// \b, \w, \s ([\t\n\v\f\r ]) and \d are ASCII; ^ is the start of the buffer.
// Under HS_FLAG_UTF8 | HS_FLAG_CASELESS Hyperscan also lets 's' match U+017F
// (long s) and 'k' match U+212A (Kelvin sign), the only non-ASCII characters
// that fold to ASCII letters; the matchers do not model those and report the
// expressions concerned as undecided for a run holding either character, for
// the caller to give that run to Hyperscan. shape_rules_test.cc compares
// every matcher with Hyperscan on corpus texts and generated strings.
//
// Thread-safety: pure functions.
#ifndef DG_CLASSIFY_SHAPE_RULES_H_
#define DG_CLASSIFY_SHAPE_RULES_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace dg {

enum class ShapeRule : uint8_t {
  kCamelCase,           // \b[a-z]{2,}[A-Z][a-z]+, exact case
  kArrowBrace,          // \b=>\s*\{, an alternative of the code-syntax rule
  kParenBraceNewline,   // \b\)\s*\{\s*\n, another alternative of it
  kArithmetic,          // the reasoning rule \d\s*[+×÷^=*]\s*-?\d|...
  kQuestionOpening,     // ^[\s"'“¿¡(]*(what|...|weshalb)\b
  kCodeSpan,            // `[^`\r\n]{1,80}`
  kMethodCall,          // \b[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\(
  kCall,                // \b[a-z_][a-z0-9_]*\([^()\r\n]{0,40}\)
  kSemicolonAtLineEnd,  // ;[ \t]*(\n|$)
  kSnakeCase,           // \b[a-z][a-z0-9]*_[a-z0-9_]+\b
  kNumberUnit,          // \d\s+[-/]\s+\d|\$\s?\d|\d\s?(%|percent), what the reasoning
                        // rule's word lists leave of it
  kGreetingOpening,     // ^[\s"'“]*(hi|hello|...|oi)\b
};
inline constexpr size_t kShapeRuleCount = 12;

// Bit i stands for ShapeRule(i).
using ShapeMask = uint32_t;
inline constexpr ShapeMask ShapeBit(ShapeRule rule) { return ShapeMask{1} << static_cast<unsigned>(rule); }
inline constexpr ShapeMask kAllShapes = (ShapeMask{1} << kShapeRuleCount) - 1;

// The Hyperscan expression a matcher replaces and the flags it is compiled
// with in the classifier. `expression` is either a whole residual expression
// or one top-level alternative of one (classify/pattern_split.h).
struct ShapeExpression {
  std::string_view expression;
  bool caseless;
  bool utf8;
};

// Indexed by ShapeRule.
std::span<const ShapeExpression> ShapeExpressions();

struct ShapeMatches {
  ShapeMask matched = 0;    // wanted rules whose expression matches the run
  ShapeMask undecided = 0;  // wanted rules the run must be given to Hyperscan for
};

// Which of the `wanted` rules' expressions Hyperscan would report a match
// for, scanning exactly `run` as one block-mode buffer. `run` must be valid
// UTF-8 if a wanted rule is in UTF-8 mode (as the classifier's runs are).
ShapeMatches MatchShapes(std::string_view run, ShapeMask wanted);

}  // namespace dg

#endif  // DG_CLASSIFY_SHAPE_RULES_H_
