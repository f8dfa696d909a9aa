// Regex expansion and the split of a rule into phrases and residual; see the
// header for what is split off and why.
#include "classify/pattern_split.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/utf8.h"

namespace dg {
namespace {

using StringSet = std::vector<std::string>;

constexpr unsigned char kFirstNonAscii = 0x80;

// Escapes that stand for their literal character.
bool IsLiteralEscape(char c) {
  static constexpr std::string_view kLiterals = ".+*?()[]{}|\\/-$^'\"#&!:,=<>@%~` ";
  return kLiterals.find(c) != std::string_view::npos;
}

// Recursive-descent expander over the supported subset; every method returns
// nullopt as soon as the fragment leaves the subset or grows past the cap.
class Expander {
 public:
  Expander(std::string_view s, size_t max_strings) : s_(s), max_(max_strings) {}

  std::optional<StringSet> Run() {
    auto result = Alternation();
    if (!result || pos_ != s_.size()) return std::nullopt;
    return result;
  }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }

  std::optional<StringSet> Alternation() {
    StringSet out;
    while (true) {
      auto seq = Sequence();
      if (!seq) return std::nullopt;
      out.insert(out.end(), std::make_move_iterator(seq->begin()), std::make_move_iterator(seq->end()));
      if (out.size() > max_) return std::nullopt;
      if (!AtEnd() && s_[pos_] == '|') {
        ++pos_;
        continue;
      }
      return out;
    }
  }

  std::optional<StringSet> Sequence() {
    StringSet current = {std::string()};
    while (!AtEnd() && s_[pos_] != '|' && s_[pos_] != ')') {
      auto atom = Atom();
      if (!atom) return std::nullopt;
      if (!AtEnd() && s_[pos_] == '?') {
        ++pos_;
        atom->emplace_back();
      } else if (!AtEnd() && (s_[pos_] == '*' || s_[pos_] == '+' || s_[pos_] == '{')) {
        return std::nullopt;  // unbounded or counted repetition
      }
      if (current.size() * atom->size() > max_) return std::nullopt;
      StringSet next;
      next.reserve(current.size() * atom->size());
      for (const std::string& a : current) {
        for (const std::string& b : *atom) next.push_back(a + b);
      }
      current = std::move(next);
    }
    return current;
  }

  // One literal character, possibly several UTF-8 bytes; false if invalid.
  bool TakeChar(std::string* out) {
    const size_t len = Utf8SequenceLength(s_.substr(pos_));
    if (len == 0) return false;
    *out = std::string(s_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  std::optional<StringSet> Atom() {
    const char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      if (!AtEnd() && s_[pos_] == '?') return std::nullopt;  // (?:, (?i) ...
      auto inner = Alternation();
      if (!inner || AtEnd() || s_[pos_] != ')') return std::nullopt;
      ++pos_;
      return inner;
    }
    if (c == '[') return CharacterClass();
    if (c == '\\') {
      if (pos_ + 1 >= s_.size() || !IsLiteralEscape(s_[pos_ + 1])) return std::nullopt;  // \b \w \d \s ...
      pos_ += 2;
      return StringSet{std::string(1, s_[pos_ - 1])};
    }
    static constexpr std::string_view kMeta = ".*+?{}^$]";
    if (kMeta.find(c) != std::string_view::npos) return std::nullopt;
    std::string ch;
    if (!TakeChar(&ch)) return std::nullopt;
    return StringSet{std::move(ch)};
  }

  std::optional<StringSet> CharacterClass() {
    ++pos_;  // '['
    if (!AtEnd() && s_[pos_] == '^') return std::nullopt;
    StringSet out;
    while (!AtEnd() && s_[pos_] != ']') {
      std::string ch;
      if (s_[pos_] == '\\') {
        if (pos_ + 1 >= s_.size() || !IsLiteralEscape(s_[pos_ + 1])) return std::nullopt;
        ch = std::string(1, s_[pos_ + 1]);
        pos_ += 2;
      } else if (!TakeChar(&ch)) {
        return std::nullopt;
      }
      // A '-' after a member and before another is a range: not supported.
      if (!AtEnd() && s_[pos_] == '-' && pos_ + 1 < s_.size() && s_[pos_ + 1] != ']') return std::nullopt;
      out.push_back(std::move(ch));
    }
    if (AtEnd() || out.empty()) return std::nullopt;
    ++pos_;  // ']'
    return out;
  }

  std::string_view s_;
  size_t max_;
  size_t pos_ = 0;
};

// Index just past the construct starting at s[i] for the top-level scanners:
// an escape, a character class or one byte.
size_t SkipUnit(std::string_view s, size_t i) {
  if (s[i] == '\\') return std::min(s.size(), i + 2);
  if (s[i] == '[') {
    size_t j = i + 1;
    if (j < s.size() && s[j] == '^') ++j;
    if (j < s.size() && s[j] == ']') ++j;  // a leading ']' is a member
    while (j < s.size() && s[j] != ']') j += s[j] == '\\' ? 2 : 1;
    return std::min(s.size(), j + 1);
  }
  return i + 1;
}

// The alternatives of `s` at nesting depth 0.
std::vector<std::string_view> TopLevelAlternatives(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t begin = 0;
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == '|' && depth == 0) {
      out.push_back(s.substr(begin, i - begin));
      begin = i + 1;
    }
    i = SkipUnit(s, i);
  }
  out.push_back(s.substr(begin));
  return out;
}

// True if `s` is one group "( ... )" whose closing parenthesis ends it.
bool IsOneGroup(std::string_view s) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  if (s.size() > 2 && s[1] == '?') return false;
  int depth = 0;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '(') ++depth;
    if (s[i] == ')' && --depth == 0) return i + 1 == s.size();
    i = SkipUnit(s, i);
  }
  return false;
}

constexpr std::string_view kWordBoundary = "\\b";
constexpr std::string_view kNonLetterGuard = "(^|[^a-z])";

// A phrase the tokenizer reproduces faithfully: word characters (ASCII
// letters, digits, '_', Latin letters) and the soft separators only, with at
// least one word character.
bool IsWordPhrase(std::string_view p) {
  bool has_word = false;
  for (size_t i = 0; i < p.size();) {
    const auto b = static_cast<unsigned char>(p[i]);
    if (b < kFirstNonAscii) {
      const bool word = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_';
      if (!word && b != ' ' && b != '-' && b != '\'') return false;
      has_word |= word;
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(p.substr(i));
    if (len != 2 && len != 3) return false;
    uint32_t cp = 0;
    if (len == 2) {
      cp = ((b & 0x1FU) << 6) | (static_cast<unsigned char>(p[i + 1]) & 0x3FU);
    } else {
      cp = ((b & 0x0FU) << 12) | ((static_cast<unsigned char>(p[i + 1]) & 0x3FU) << 6) |
           (static_cast<unsigned char>(p[i + 2]) & 0x3FU);
    }
    constexpr uint32_t kRightQuote = 0x2019;
    constexpr uint32_t kLatinFirst = 0xC0, kLatinLast = 0x24F, kTimes = 0xD7, kDivide = 0xF7;
    const bool latin = cp >= kLatinFirst && cp <= kLatinLast && cp != kTimes && cp != kDivide;
    if (!latin && cp != kRightQuote) return false;
    has_word |= latin;
    i += len;
  }
  return has_word;
}

// Drops every string that has another string of the set as a proper prefix:
// without a trailing boundary the shorter one already decides the match.
void KeepShortestPrefixes(StringSet* set) {
  std::sort(set->begin(), set->end());
  set->erase(std::unique(set->begin(), set->end()), set->end());
  StringSet kept;
  for (std::string& s : *set) {
    if (!kept.empty() && s.starts_with(kept.back())) continue;
    kept.push_back(std::move(s));
  }
  *set = std::move(kept);
}

}  // namespace

bool ExpandRegex(std::string_view fragment, size_t max_strings, std::vector<std::string>* out) {
  auto result = Expander(fragment, max_strings).Run();
  if (!result) return false;
  *out = std::move(*result);
  return true;
}

bool RemoveAlternative(std::string* residual, std::string_view alternative) {
  if (*residual == alternative) {
    residual->clear();
    return true;
  }
  if (!IsOneGroup(*residual)) return false;
  const std::string_view body = std::string_view(*residual).substr(1, residual->size() - 2);
  const std::vector<std::string_view> alternatives = TopLevelAlternatives(body);
  std::string kept;
  bool found = false;
  bool any_kept = false;
  for (const std::string_view a : alternatives) {
    if (!found && a == alternative) {
      found = true;
      continue;
    }
    if (any_kept) kept += '|';
    kept += a;
    any_kept = true;
  }
  if (!found) return false;
  *residual = any_kept ? "(" + kept + ")" : std::string();
  return true;
}

PatternSplit SplitPattern(std::string_view expression, size_t max_phrases) {
  PatternSplit split;
  std::string_view body = expression;
  bool outer_lead = false;
  bool outer_trail = false;
  if (body.starts_with(kWordBoundary)) {
    outer_lead = true;
    body.remove_prefix(kWordBoundary.size());
  }
  if (body.ends_with(kWordBoundary) && !body.ends_with("\\\\b")) {
    outer_trail = true;
    body.remove_suffix(kWordBoundary.size());
  }
  // With one outer group the outer boundaries apply to every alternative;
  // without, the leading one belongs to the first and the trailing one to the
  // last ("\bfoo|bar\b" is "\bfoo" or "bar\b").
  const bool grouped = IsOneGroup(body);
  if (grouped) body = body.substr(1, body.size() - 2);
  const std::vector<std::string_view> alternatives = TopLevelAlternatives(body);

  struct Residual {
    std::string_view source;
    bool lead;
    bool trail;
  };
  std::vector<Residual> residual;
  size_t phrase_budget = max_phrases;
  for (size_t a = 0; a < alternatives.size(); ++a) {
    const std::string_view alt = alternatives[a];
    std::string_view inner = alt;
    const bool given_lead = outer_lead && (grouped || a == 0);
    const bool given_trail = outer_trail && (grouped || a + 1 == alternatives.size());
    bool lead = given_lead;
    bool trail = given_trail;
    if (inner.starts_with(kWordBoundary)) {
      lead = true;
      inner.remove_prefix(kWordBoundary.size());
    } else if (inner.starts_with(kNonLetterGuard)) {
      lead = true;
      inner.remove_prefix(kNonLetterGuard.size());
    }
    if (inner.ends_with(kWordBoundary)) {
      trail = true;
      inner.remove_suffix(kWordBoundary.size());
    }
    StringSet phrases;
    const bool ok = lead && ExpandRegex(inner, phrase_budget, &phrases) &&
                    std::all_of(phrases.begin(), phrases.end(), IsWordPhrase);
    if (!ok) {
      residual.push_back({alt, given_lead, given_trail});
      continue;
    }
    if (!trail) KeepShortestPrefixes(&phrases);
    phrase_budget -= std::min(phrase_budget, phrases.size());
    split.phrases.insert(split.phrases.end(), std::make_move_iterator(phrases.begin()),
                         std::make_move_iterator(phrases.end()));
  }

  if (split.phrases.empty()) {
    split.residual = std::string(expression);  // nothing split off: keep the rule verbatim
    return split;
  }
  if (residual.empty()) return split;
  split.residual = "(";
  for (size_t i = 0; i < residual.size(); ++i) {
    if (i > 0) split.residual += '|';
    if (residual[i].lead) split.residual += kWordBoundary;
    split.residual += residual[i].source;
    if (residual[i].trail) split.residual += kWordBoundary;
  }
  split.residual += ')';
  return split;
}

}  // namespace dg
