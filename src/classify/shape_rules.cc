// The matchers; the header states what they replace and the semantics they
// reproduce. Every comment "X:" below names the part of the expression the
// code after it decides.
#include "classify/shape_rules.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace dg {
namespace {

constexpr ShapeExpression kExpressions[kShapeRuleCount] = {
    {R"p(\b[a-z]{2,}[A-Z][a-z]+)p", /*caseless=*/false, /*utf8=*/false},
    {R"p(\b=>\s*\{)p", /*caseless=*/true, /*utf8=*/false},
    {R"p(\b\)\s*\{\s*\n)p", /*caseless=*/true, /*utf8=*/false},
    {R"p((\d\s*[+×÷^=*]\s*-?\d|\b[a-z]\s*\^\s*\d|\b[a-z]\s*=\s*-?\d|\bf\([a-z0-9]\)\s*=|\b(let|if|suppose) [a-z] (be|=|is)))p",
     /*caseless=*/true, /*utf8=*/true},
    {R"p(^[\s"'“¿¡(]*(what|what['’]?s|whats|who|whom|whose|when|where|why|how|which|explain|describe|define|is|are|can|could|does|do|did|should|would|will|was|were|has|have|que|como|cual|cuales|cuando|donde|quien|pourquoi|comment|quel|quelle|est-ce|warum|wie|was|wer|wo|wann|weshalb)\b)p",
     /*caseless=*/true, /*utf8=*/true},
    {R"p(`[^`\r\n]{1,80}`)p", /*caseless=*/true, /*utf8=*/false},
    {R"p(\b[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\()p", /*caseless=*/true, /*utf8=*/false},
    {R"p(\b[a-z_][a-z0-9_]*\([^()\r\n]{0,40}\))p", /*caseless=*/true, /*utf8=*/false},
    {R"p(;[ \t]*(\n|$))p", /*caseless=*/true, /*utf8=*/false},
    {R"p(\b[a-z][a-z0-9]*_[a-z0-9_]+\b)p", /*caseless=*/true, /*utf8=*/false},
    {R"p((\d\s+[-/]\s+\d|\$\s?\d|\d\s?(%|percent)))p", /*caseless=*/true, /*utf8=*/false},
    {R"p(^[\s"'“]*(hi|hello|hey|hiya|howdy|yo|greetings|good (morning|afternoon|evening|night)|sup|hola|buenos d[ií]as|bonjour|salut|hallo|guten tag|ciao|ol[aá]|oi)\b)p",
     /*caseless=*/true, /*utf8=*/true},
};

// Byte classes, as Hyperscan sees them without HS_FLAG_UCP.
enum ByteClass : uint8_t {
  kLower = 1,  // a-z
  kUpper = 2,  // A-Z
  kDigit = 4,  // 0-9
  kUnderscore = 8,
  kSpace = 16,  // \s: \t \n \v \f \r and space
};
constexpr uint8_t kLetter = kLower | kUpper;
constexpr uint8_t kWord = kLetter | kDigit | kUnderscore;

constexpr std::array<uint8_t, 256> MakeClasses() {
  std::array<uint8_t, 256> classes{};
  for (int b = 'a'; b <= 'z'; ++b) classes[static_cast<size_t>(b)] = kLower;
  for (int b = 'A'; b <= 'Z'; ++b) classes[static_cast<size_t>(b)] = kUpper;
  for (int b = '0'; b <= '9'; ++b) classes[static_cast<size_t>(b)] = kDigit;
  classes['_'] = kUnderscore;
  for (const char c : {'\t', '\n', '\v', '\f', '\r', ' '}) classes[static_cast<unsigned char>(c)] = kSpace;
  return classes;
}
constexpr std::array<uint8_t, 256> kClasses = MakeClasses();

// The characters that fold to an ASCII letter under Hyperscan's caseless
// UTF-8 mode: U+017F (long s) and U+212A (Kelvin sign).
constexpr std::string_view kLongS = "\xC5\xBF";
constexpr std::string_view kKelvin = "\xE2\x84\xAA";
// Non-ASCII characters of the expressions: × ÷ (arithmetic), “ ¿ ¡ (question
// opening's leading class) and ’ (what’s).
constexpr std::string_view kTimes = "\xC3\x97";
constexpr std::string_view kDivide = "\xC3\xB7";
constexpr std::string_view kLeftDoubleQuote = "\xE2\x80\x9C";
constexpr std::string_view kInvertedQuestion = "\xC2\xBF";
constexpr std::string_view kInvertedExclamation = "\xC2\xA1";
constexpr std::string_view kRightSingleQuote = "\xE2\x80\x99";

constexpr ShapeMask kUtf8Shapes =
    ShapeBit(ShapeRule::kArithmetic) | ShapeBit(ShapeRule::kQuestionOpening) | ShapeBit(ShapeRule::kGreetingOpening);
// Accented letters of the greeting opening (d[ií]as, ol[aá]), both cases.
constexpr std::string_view kIAcute = "\xC3\xAD";
constexpr std::string_view kCapitalIAcute = "\xC3\x8D";
constexpr std::string_view kAAcute = "\xC3\xA1";
constexpr std::string_view kCapitalAAcute = "\xC3\x81";
constexpr std::string_view kGreetingWords[] = {
    "hi",   "hello",   "hey",   "hiya",  "howdy", "yo",  "greetings", "sup",
    "hola", "bonjour", "salut", "hallo", "ciao",  "ola", "oi",
};
// Initials of the greeting words and of good, guten, buenos and ol (bit
// c - 'a' for letter c), for a quick rejection.
constexpr uint32_t GreetingInitials() {
  uint32_t bits = 0;
  for (const std::string_view w : kGreetingWords) bits |= uint32_t{1} << (w[0] - 'a');
  for (const char c : {'g', 'b', 'o'}) bits |= uint32_t{1} << (c - 'a');
  return bits;
}
constexpr uint32_t kGreetingInitials = GreetingInitials();

// The question words of kQuestionOpening that are one ASCII word run each
// (what['’]?s and est-ce span three runs and are checked apart).
constexpr std::string_view kQuestionWords[] = {
    "what",     "whats",    "who",     "whom", "whose",  "when",  "where", "why",  "how",    "which",  "explain",
    "describe", "define",   "is",      "are",  "can",    "could", "does",  "do",   "did",    "should", "would",
    "will",     "was",      "were",    "has",  "have",   "que",   "como",  "cual", "cuales", "cuando", "donde",
    "quien",    "pourquoi", "comment", "quel", "quelle", "warum", "wie",   "wer",  "wo",     "wann",   "weshalb",
};
constexpr size_t kLongestQuestionWord = 8;  // "pourquoi", "describe"
constexpr uint32_t QuestionInitials() {
  uint32_t bits = 0;
  for (const std::string_view w : kQuestionWords) bits |= uint32_t{1} << (w[0] - 'a');
  return bits;
}
// Bit c - 'a' for each letter c that starts a question word; est-ce and
// what['’]s add none ("explain" and "what" are in the list, and
// ShapeRulesTest would see a miss).
constexpr uint32_t kQuestionInitials = QuestionInitials();

class Run {
 public:
  explicit Run(std::string_view text) : t_(text) {}
  size_t size() const { return t_.size(); }
  uint8_t Class(size_t i) const { return i < t_.size() ? kClasses[static_cast<unsigned char>(t_[i])] : 0; }
  bool Is(size_t i, uint8_t cls) const { return (Class(i) & cls) != 0; }
  bool At(size_t i, char c) const { return i < t_.size() && t_[i] == c; }
  bool At(size_t i, std::string_view s) const { return t_.substr(std::min(i, t_.size())).starts_with(s); }
  // Index of the first byte at or after i that is not \s.
  size_t SkipSpace(size_t i) const {
    while (Is(i, kSpace)) ++i;
    return i;
  }
  // End of the word run starting at i.
  size_t WordEnd(size_t i) const {
    while (Is(i, kWord)) ++i;
    return i;
  }
  // t[b, e) equals `word` (lower case ASCII) ignoring ASCII case.
  bool EqualsFolded(size_t b, size_t e, std::string_view word) const {
    if (e - b != word.size()) return false;
    for (size_t k = 0; k < word.size(); ++k) {
      if ((static_cast<unsigned char>(t_[b + k]) | 0x20) != static_cast<unsigned char>(word[k])) return false;
    }
    return true;
  }
  bool StartsFolded(size_t i, std::string_view word) const {
    return i + word.size() <= t_.size() && EqualsFolded(i, i + word.size(), word);
  }
  char operator[](size_t i) const { return t_[i]; }

 private:
  std::string_view t_;
};

// \s*-?\d from i.
bool SignedDigitAfterSpace(const Run& r, size_t i) {
  size_t j = r.SkipSpace(i);
  if (r.At(j, '-')) ++j;
  return r.Is(j, kDigit);
}

// t[k - word.size(), k) is the whole word run `word`, ignoring ASCII case.
bool WordEndsAt(const Run& r, size_t k, std::string_view word) {
  if (k < word.size()) return false;
  const size_t b = k - word.size();
  return r.EqualsFolded(b, k, word) && (b == 0 || !r.Is(b - 1, kWord));
}

// Start of the word run that ends at k (k itself if none does).
size_t RunStart(const Run& r, size_t k) {
  while (k > 0 && r.Is(k - 1, kWord)) --k;
  return k;
}

// The code and number expressions (the anchor of each in MatchAt's list).
ShapeMask MatchCode(const Run& r, size_t k, ShapeMask wanted) {
  constexpr ShapeMask kSpan = ShapeBit(ShapeRule::kCodeSpan);
  constexpr ShapeMask kMethod = ShapeBit(ShapeRule::kMethodCall);
  constexpr ShapeMask kCallBit = ShapeBit(ShapeRule::kCall);
  constexpr ShapeMask kSemicolon = ShapeBit(ShapeRule::kSemicolonAtLineEnd);
  constexpr ShapeMask kSnake = ShapeBit(ShapeRule::kSnakeCase);
  constexpr ShapeMask kNumber = ShapeBit(ShapeRule::kNumberUnit);
  constexpr size_t kMaxSpanBytes = 80;      // [^`\r\n]{1,80}
  constexpr size_t kMaxArgumentBytes = 40;  // [^()\r\n]{0,40}
  const size_t n = r.size();
  const char c = r[k];
  ShapeMask hit = 0;
  if ((wanted & kSpan) != 0 && c == '`') {
    // The opening '`' (every match has one); the first '`', '\r' or '\n'
    // after it decides.
    for (size_t j = k + 1; j < n && j - k <= kMaxSpanBytes + 1; ++j) {
      if (r[j] == '\r' || r[j] == '\n') break;
      if (r[j] == '`') {
        if (j - k >= 2) hit |= kSpan;
        break;
      }
    }
  }
  if ((wanted & (kMethod | kCallBit)) != 0 && c == '(' && k > 0 && r.Is(k - 1, kWord)) {
    // The word run before '(' is [a-z_][a-z0-9_]* from its start (the \b).
    const size_t name = RunStart(r, k);
    if (!r.Is(name, kDigit)) {
      if ((wanted & kCallBit) != 0) {
        for (size_t j = k + 1; j < n && j - (k + 1) <= kMaxArgumentBytes; ++j) {
          if (r[j] == '(' || r[j] == '\r' || r[j] == '\n') break;
          if (r[j] == ')') {
            hit |= kCallBit;
            break;
          }
        }
      }
      // obj.method(: a '.' before that run and another such run before it.
      if ((wanted & kMethod) != 0 && name >= 2 && r.At(name - 1, '.') && r.Is(name - 2, kWord) &&
          !r.Is(RunStart(r, name - 1), kDigit)) {
        hit |= kMethod;
      }
    }
  }
  if ((wanted & kSemicolon) != 0 && c == ';') {
    size_t j = k + 1;
    while (r.At(j, ' ') || r.At(j, '\t')) ++j;
    if (j == n || r.At(j, '\n')) hit |= kSemicolon;
  }
  if ((wanted & kSnake) != 0 && c == '_') {
    // Decided at the run's first '_': before it [a-z][a-z0-9]* from the
    // run's start (the \b), after it at least one word character, and the
    // run's end is the final \b.
    size_t s = k;
    while (s > 0 && r.Is(s - 1, kLetter | kDigit)) --s;
    const bool first_underscore = s == 0 || !r.At(s - 1, '_');
    if (first_underscore && s < k && r.Is(s, kLetter) && r.Is(k + 1, kWord)) hit |= kSnake;
  }
  if ((wanted & kNumber) != 0) {
    if (c == '$') {
      // \$\s?\d
      if (r.Is(k + 1, kDigit) || (r.Is(k + 1, kSpace) && r.Is(k + 2, kDigit))) hit |= kNumber;
    } else if (r.Is(k, kDigit)) {
      // \d\s+[-/]\s+\d
      if (r.Is(k + 1, kSpace)) {
        const size_t j = r.SkipSpace(k + 1);
        if ((r.At(j, '-') || r.At(j, '/')) && r.Is(j + 1, kSpace) && r.Is(r.SkipSpace(j + 1), kDigit)) {
          hit |= kNumber;
        }
      }
      // \d\s?(%|percent)
      const size_t j = r.Is(k + 1, kSpace) ? k + 2 : k + 1;
      if (r.At(k + 1, '%') || r.StartsFolded(k + 1, "percent") || r.At(j, '%') || r.StartsFolded(j, "percent")) {
        hit |= kNumber;
      }
    }
  }
  return hit;
}

// Every match of every expression here has a byte it can be found by (the
// "anchor"): the matchers below are run at each byte of the run that could
// be one and each decides exactly whether a match has its anchor there.
//  camelCase \b[a-z]{2,}[A-Z][a-z]+   the [A-Z]: [a-z]{2,} can only give way
//      to it at the first byte of the word run that is not [a-z], and the
//      run has to start at a word boundary (the \b before a word character)
//  \b=>\s*\{        the '=', with a word character before it (the \b)
//  \b\)\s*\{\s*\n   the ')', likewise; then a '\n' among the white space
//      after the '{'
//  arithmetic, one anchor per alternative:
//   \d\s*[+×÷^=*]\s*-?\d   the digit, with no word character after it
//   \b[a-z]\s*\^\s*\d      the '^', after white space after a one-letter run
//   \b[a-z]\s*=\s*-?\d     the '=', likewise
//   \bf\([a-z0-9]\)\s*=    the '(', after the one-letter run "f"
//   \b(let|if|suppose) [a-z] (be|=|is)   the space before [a-z]
//  `[^`\r\n]{1,80}`   the opening '`'
//  \b[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*\(   the '('
//  \b[a-z_][a-z0-9_]*\([^()\r\n]{0,40}\)   the '('
//  ;[ \t]*(\n|$)      the ';'
//  snake_case \b[a-z][a-z0-9]*_[a-z0-9_]+\b   the run's first '_' (the match
//      is the whole run)
//  \d\s+[-/]\s+\d and \d\s?(%|percent)   the first digit, with no digit
//      after it; \$\s?\d   the '$'
// Returns the rules of `wanted` matched with their anchor at k.
ShapeMask MatchAt(const Run& r, size_t k, ShapeMask wanted) {
  constexpr ShapeMask kCamel = ShapeBit(ShapeRule::kCamelCase);
  constexpr ShapeMask kArrow = ShapeBit(ShapeRule::kArrowBrace);
  constexpr ShapeMask kParen = ShapeBit(ShapeRule::kParenBraceNewline);
  constexpr ShapeMask kArith = ShapeBit(ShapeRule::kArithmetic);
  const char c = r[k];
  const bool after_word = k > 0 && r.Is(k - 1, kWord);
  ShapeMask hit = 0;
  if ((wanted & kCamel) != 0 && r.Is(k, kUpper) && k >= 2 && r.Is(k - 1, kLower) && r.Is(k - 2, kLower) &&
      r.Is(k + 1, kLower)) {
    size_t s = k - 2;
    while (s > 0 && r.Is(s - 1, kLower)) --s;
    if (s == 0 || !r.Is(s - 1, kWord)) hit |= kCamel;
  }
  if ((wanted & kArrow) != 0 && c == '=' && after_word && r.At(k + 1, '>') && r.At(r.SkipSpace(k + 2), '{')) {
    hit |= kArrow;
  }
  if ((wanted & kParen) != 0 && c == ')' && after_word) {
    size_t j = r.SkipSpace(k + 1);
    if (r.At(j, '{')) {
      for (++j; r.Is(j, kSpace); ++j) {
        if (r.At(j, '\n')) {
          hit |= kParen;
          break;
        }
      }
    }
  }
  hit |= MatchCode(r, k, wanted);
  if ((wanted & kArith) == 0) return hit;
  // The one-letter run before white space before t[k], if any.
  auto letter_before = [&](char* letter) {
    size_t p = k;
    while (p > 0 && r.Is(p - 1, kSpace)) --p;
    if (p == 0 || !r.Is(p - 1, kLetter) || (p >= 2 && r.Is(p - 2, kWord))) return false;
    *letter = r[p - 1];
    return true;
  };
  char letter = 0;
  bool arithmetic = false;
  if (r.Is(k, kDigit) && !r.Is(k + 1, kWord)) {
    size_t j = r.SkipSpace(k + 1);
    bool op = false;
    if (r.At(j, '+') || r.At(j, '^') || r.At(j, '=') || r.At(j, '*')) {
      op = true;
      j += 1;
    } else if (r.At(j, kTimes) || r.At(j, kDivide)) {
      op = true;
      j += kTimes.size();
    }
    arithmetic = op && SignedDigitAfterSpace(r, j);
  } else if (c == '^') {
    arithmetic = letter_before(&letter) && r.Is(r.SkipSpace(k + 1), kDigit);
  } else if (c == '=') {
    arithmetic = letter_before(&letter) && SignedDigitAfterSpace(r, k + 1);
  } else if (c == '(') {
    arithmetic = k >= 1 && (r[k - 1] | 0x20) == 'f' && (k == 1 || !r.Is(k - 2, kWord)) &&
                 r.Is(k + 1, kLetter | kDigit) && r.At(k + 2, ')') && r.At(r.SkipSpace(k + 3), '=');
  } else if (c == ' ') {
    arithmetic = r.Is(k + 1, kLetter) && r.At(k + 2, ' ') &&
                 (WordEndsAt(r, k, "let") || WordEndsAt(r, k, "if") || WordEndsAt(r, k, "suppose")) &&
                 (r.StartsFolded(k + 3, "be") || r.At(k + 3, '=') || r.StartsFolded(k + 3, "is"));
  }
  if (arithmetic) hit |= kArith;
  return hit;
}

// Where the first word starts after the question opening's leading class
// [\s"'“¿¡(]*, and whether that run held only bytes of the greeting
// opening's [\s"'“] (if not, the greeting's own run ends at a '¿', '¡' or
// '(', where no greeting word starts).
struct Opening {
  size_t word = 0;
  bool greeting_class = true;
};
Opening SkipOpening(const Run& r) {
  Opening o;
  size_t& j = o.word;
  while (true) {
    if (r.Is(j, kSpace) || r.At(j, '"') || r.At(j, '\'')) {
      ++j;
    } else if (r.At(j, kLeftDoubleQuote)) {
      j += kLeftDoubleQuote.size();
    } else if (r.At(j, '(')) {
      o.greeting_class = false;
      ++j;
    } else if (r.At(j, kInvertedQuestion) || r.At(j, kInvertedExclamation)) {
      o.greeting_class = false;
      j += kInvertedQuestion.size();
    } else {
      break;
    }
  }
  return o;
}

// ^[\s"'“¿¡(]*(words)\b: the leading class holds no letter, so the word
// starts where the class's run ends; each word then has to be a whole run
// (the \b), except what['’]s and est-ce, three runs each.
bool QuestionOpening(const Run& r, size_t j) {
  const size_t e = r.WordEnd(j);
  if (e == j || e - j > kLongestQuestionWord) return false;
  // Most texts do not start with the initial of a question word.
  const auto initial = static_cast<unsigned char>(r[j] | 0x20);
  if (initial < 'a' || initial > 'z' || ((kQuestionInitials >> (initial - 'a')) & 1) == 0) return false;
  for (const std::string_view w : kQuestionWords) {
    if (r.EqualsFolded(j, e, w)) return true;
  }
  auto whole_run_after = [&](size_t i, std::string_view w) { return r.EqualsFolded(i, r.WordEnd(i), w); };
  if (r.EqualsFolded(j, e, "what")) {
    if (r.At(e, '\'') && whole_run_after(e + 1, "s")) return true;
    if (r.At(e, kRightSingleQuote) && whole_run_after(e + kRightSingleQuote.size(), "s")) return true;
  }
  return r.EqualsFolded(j, e, "est") && r.At(e, '-') && whole_run_after(e + 1, "ce");
}

// ^[\s"'“]*(hi|...|oi)\b, like the question opening: the one-run words
// of kGreetingWords, and "good ...", "guten tag", "buenos d[ií]as" (a
// literal space between the words) and "ol" + á (whose \b needs a word
// character after the á, as á is none).
bool GreetingOpening(const Run& r, size_t j) {
  const size_t e = r.WordEnd(j);
  if (e == j) return false;
  const auto initial = static_cast<unsigned char>(r[j] | 0x20);
  if (initial < 'a' || initial > 'z' || ((kGreetingInitials >> (initial - 'a')) & 1) == 0) return false;
  for (const std::string_view w : kGreetingWords) {
    if (r.EqualsFolded(j, e, w)) return true;
  }
  auto whole_run_after = [&](size_t i, std::string_view w) { return r.EqualsFolded(i, r.WordEnd(i), w); };
  auto then_word = [&](std::string_view w) { return r.At(e, ' ') && whole_run_after(e + 1, w); };
  if (r.EqualsFolded(j, e, "good")) {
    for (const std::string_view w : {"morning", "afternoon", "evening", "night"}) {
      if (then_word(w)) return true;
    }
  }
  if (r.EqualsFolded(j, e, "guten") && then_word("tag")) return true;
  if (r.EqualsFolded(j, e, "buenos") && r.At(e, ' ')) {
    const size_t d = e + 1;
    const size_t d_end = r.WordEnd(d);
    if (r.EqualsFolded(d, d_end, "dias")) return true;
    if (r.EqualsFolded(d, d_end, "d") && (r.At(d_end, kIAcute) || r.At(d_end, kCapitalIAcute)) &&
        whole_run_after(d_end + kIAcute.size(), "as")) {
      return true;
    }
  }
  return r.EqualsFolded(j, e, "ol") && (r.At(e, kAAcute) || r.At(e, kCapitalAAcute)) && r.Is(e + kAAcute.size(), kWord);
}

}  // namespace

std::span<const ShapeExpression> ShapeExpressions() { return kExpressions; }

ShapeMatches MatchShapes(std::string_view text, ShapeMask wanted) {
  ShapeMatches result;
  if ((wanted & kUtf8Shapes) != 0 &&
      (text.find(kLongS) != std::string_view::npos || text.find(kKelvin) != std::string_view::npos)) {
    result.undecided = wanted & kUtf8Shapes;
    wanted &= ~kUtf8Shapes;
  }
  const Run r(text);
  if ((wanted & (ShapeBit(ShapeRule::kQuestionOpening) | ShapeBit(ShapeRule::kGreetingOpening))) != 0) {
    const Opening o = SkipOpening(r);
    if ((wanted & ShapeBit(ShapeRule::kQuestionOpening)) != 0 && QuestionOpening(r, o.word)) {
      result.matched |= ShapeBit(ShapeRule::kQuestionOpening);
    }
    if ((wanted & ShapeBit(ShapeRule::kGreetingOpening)) != 0 && o.greeting_class && GreetingOpening(r, o.word)) {
      result.matched |= ShapeBit(ShapeRule::kGreetingOpening);
    }
  }
  wanted &= ~(ShapeBit(ShapeRule::kQuestionOpening) | ShapeBit(ShapeRule::kGreetingOpening));
  // Candidate anchors 16 bytes at a time (GCC/Clang vector extensions):
  // in prose a block rarely holds one, and MatchAt() decides the few that
  // are. The first byte goes to MatchAt() alone (a block reads the byte
  // before it); the last bytes are tested in a zero-padded copy.
  const size_t n = r.size();
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  constexpr size_t kBlock = 16;
  constexpr size_t kBefore = 1;  // a block at i reads t[i - 1, i + 18)
  constexpr size_t kAfter = 2;
  using Bytes = uint8_t __attribute__((vector_size(kBlock)));
  // Lanes of all ones where the byte is in [lo, lo + count) / equals c. The
  // range test is one subtraction and one signed comparison: shifting the
  // range down to start at -128 makes it the signed values below
  // count - 128 (SSE2 has no unsigned byte comparison).
  using SignedBytes = int8_t __attribute__((vector_size(kBlock)));
  constexpr int kSignedShift = 128;
  auto in_range = [](Bytes v, uint8_t lo, uint8_t count) {
    return (Bytes)((SignedBytes)(v - static_cast<uint8_t>(lo + kSignedShift)) <
                   static_cast<int8_t>(count - kSignedShift));
  };
  auto eq = [](Bytes v, uint8_t c) { return (Bytes)(v == c); };
  auto scalar = [&](size_t k) {
    const ShapeMask hit = MatchAt(r, k, wanted);
    result.matched |= hit;
    wanted &= ~hit;  // each rule counts once
  };
  constexpr uint64_t kLaneLowBits = 0x0101010101010101ULL;  // one bit per lane of a half
  // Decides the candidates among t[i, i + kBlock) (up to `limit`), reading
  // the block's neighbours from `at` (t + i, or a padded copy).
  auto block = [&](const unsigned char* at, size_t i, size_t limit) {
    auto load = [&](ptrdiff_t offset) {
      Bytes v;
      std::memcpy(&v, at + offset, kBlock);
      return v;
    };
    const Bytes v = load(0);
    const Bytes prev = load(-static_cast<ptrdiff_t>(kBefore));
    const Bytes next = load(1);
    const Bytes next2 = load(kAfter);
    // A superset of the anchors: a digit counts unless a digit follows it
    // (MatchAt() rejects a letter or '_' after it), so that the block needs
    // no word-character test.
    const Bytes letter_next = in_range(next | 0x20, 'a', 26);  // |0x20 folds only A-Z into a-z
    const Bytes candidates = (in_range(v, 'A', 26) & in_range(prev, 'a', 26)) | eq(v, '=') | eq(v, ')') | eq(v, '^') |
                             eq(v, '(') | eq(v, '_') | eq(v, '`') | eq(v, ';') | eq(v, '$') |
                             (in_range(v, '0', 10) & ~in_range(next, '0', 10)) |
                             (eq(v, ' ') & letter_next & eq(next2, ' '));
    uint64_t halves[2];
    std::memcpy(halves, &candidates, sizeof(halves));
    if ((halves[0] | halves[1]) == 0) return;  // the common case
    for (size_t h = 0; h < 2; ++h) {
      for (uint64_t bits = halves[h] & kLaneLowBits; bits != 0 && wanted != 0; bits &= bits - 1) {
        const size_t k = i + h * sizeof(uint64_t) + static_cast<size_t>(std::countr_zero(bits)) / 8;
        if (k < limit) scalar(k);
      }
    }
  };
  size_t i = 0;
  if (n > 0) scalar(i++);
  for (; wanted != 0 && i + kBlock + kAfter <= n; i += kBlock) block(t + i, i, n);
  if (wanted != 0 && i < n) {
    // The last bytes, copied with zeros after them: a zero byte is no
    // anchor and, like the end of the run, no letter, digit or space.
    std::array<unsigned char, kBefore + kBlock + kBlock + kAfter> padded{};
    const size_t rest = n - i;  // < kBlock + kAfter
    std::memcpy(padded.data(), t + i - kBefore, rest + kBefore);
    for (size_t at = 0; at < rest && wanted != 0; at += kBlock) block(padded.data() + kBefore + at, i + at, n);
  }
  return result;
}

}  // namespace dg
