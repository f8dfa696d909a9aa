// Required-literal derivation; see the header for the rules. The parser
// answers nullopt (give up on the whole expression) for any syntax it does
// not know, so an unfamiliar construct can only make a gate disappear, never
// make it wrong.
#include "classify/required_literals.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/utf8.h"

namespace dg {
namespace {

using StringSet = std::vector<std::string>;
using Clauses = std::vector<StringSet>;

// Cap on the exact-string sets built while parsing (cross products of
// classes and alternations grow fast; beyond this a part is "unknown").
constexpr size_t kMaxExactStrings = 256;

// What is known about one part of an expression. Both empty: nothing known
// (the part may match anything, including the empty string).
struct Info {
  std::optional<StringSet> exact;  // every string the part matches; may hold ""
  Clauses clauses;                 // all hold in every match; best first
};

size_t MinLength(const StringSet& s) {
  size_t m = s.empty() ? 0 : s.front().size();
  for (const std::string& x : s) m = std::min(m, x.size());
  return m;
}

bool AllNonEmpty(const StringSet& s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](const std::string& x) { return x.empty(); });
}

// Sorted, unique, and without strings that contain another member: a text
// holding the longer one holds the shorter, so the gate is unchanged.
void Normalize(StringSet* s) {
  std::sort(s->begin(), s->end());
  s->erase(std::unique(s->begin(), s->end()), s->end());
  StringSet kept;
  for (const std::string& x : *s) {
    const bool covered = std::any_of(s->begin(), s->end(), [&](const std::string& y) {
      return y.size() < x.size() && x.find(y) != std::string::npos;
    });
    if (!covered) kept.push_back(x);
  }
  *s = std::move(kept);
}

// True if `a` is a better required set than `b`: longer shortest literal,
// then fewer literals.
bool Better(const StringSet& a, const StringSet& b) {
  const size_t la = MinLength(a);
  const size_t lb = MinLength(b);
  if (la != lb) return la > lb;
  return a.size() < b.size();
}

// A clause candidate: normalized, or nullopt if it is unusable (an empty
// string, which every text contains, or too many strings).
std::optional<StringSet> Usable(StringSet candidate, size_t max_literals) {
  if (!AllNonEmpty(candidate)) return std::nullopt;
  Normalize(&candidate);
  if (candidate.size() > max_literals) return std::nullopt;
  return candidate;
}

// Keeps the kMaxClauses best distinct clauses of `all`.
Clauses Best(Clauses all) {
  std::stable_sort(all.begin(), all.end(), Better);
  Clauses out;
  for (StringSet& c : all) {
    if (out.size() == kMaxClauses) break;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  }
  return out;
}

// Adds the exact strings as a clause when none is empty: a part that always
// consumes one of a few strings requires them.
void Finish(Info* info, size_t max_literals) {
  if (!info->exact) return;
  if (auto c = Usable(*info->exact, max_literals)) {
    Clauses all = std::move(info->clauses);
    all.push_back(std::move(*c));
    info->clauses = Best(std::move(all));
  }
}

std::optional<StringSet> CrossProduct(const StringSet& a, const StringSet& b, size_t cap) {
  if (a.size() * b.size() > cap) return std::nullopt;
  StringSet out;
  out.reserve(a.size() * b.size());
  for (const std::string& x : a) {
    for (const std::string& y : b) out.push_back(x + y);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool IsAsciiAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

StringSet Digits() {
  StringSet d;
  for (char c = '0'; c <= '9'; ++c) d.emplace_back(1, c);
  return d;
}

class Parser {
 public:
  Parser(std::string_view s, size_t max_literals) : s_(s), max_(max_literals) {}

  std::optional<Info> Run() {
    auto info = Alternation();
    if (!info || pos_ != s_.size()) return std::nullopt;
    return info;
  }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }

  std::optional<Info> Alternation() {
    std::vector<Info> alternatives;
    while (true) {
      auto seq = Sequence();
      if (!seq) return std::nullopt;
      alternatives.push_back(std::move(*seq));
      if (!AtEnd() && s_[pos_] == '|') {
        ++pos_;
        continue;
      }
      break;
    }
    if (alternatives.size() == 1) return std::move(alternatives.front());
    Info out;
    StringSet exact;
    bool all_exact = true;
    bool all_required = true;
    size_t combinations = 1;
    for (const Info& a : alternatives) {
      if (a.exact && all_exact) {
        exact.insert(exact.end(), a.exact->begin(), a.exact->end());
      } else {
        all_exact = false;
      }
      all_required = all_required && !a.clauses.empty();
      combinations = std::min(combinations * std::max<size_t>(a.clauses.size(), 1), kMaxClauseCombinations + 1);
    }
    if (all_exact) {
      std::sort(exact.begin(), exact.end());
      exact.erase(std::unique(exact.begin(), exact.end()), exact.end());
      if (exact.size() <= kMaxExactStrings) out.exact = std::move(exact);
    }
    if (all_required) {
      // Picking one clause of every alternative, their union holds in every
      // match of the alternation. All combinations while they are few, else
      // only the best clause of each.
      const bool all_combinations = combinations <= kMaxClauseCombinations;
      std::vector<size_t> pick(alternatives.size(), 0);
      Clauses candidates;
      while (true) {
        StringSet u;
        for (size_t a = 0; a < alternatives.size(); ++a) {
          const StringSet& c = alternatives[a].clauses[pick[a]];
          u.insert(u.end(), c.begin(), c.end());
        }
        if (auto c = Usable(std::move(u), max_)) candidates.push_back(std::move(*c));
        if (!all_combinations) break;
        size_t a = 0;
        for (; a < alternatives.size(); ++a) {
          if (++pick[a] < alternatives[a].clauses.size()) break;
          pick[a] = 0;
        }
        if (a == alternatives.size()) break;
      }
      out.clauses = Best(std::move(candidates));
    }
    Finish(&out, max_);
    return out;
  }

  std::optional<Info> Sequence() {
    std::vector<Info> parts;
    while (!AtEnd() && s_[pos_] != '|' && s_[pos_] != ')') {
      auto atom = Atom();
      if (!atom) return std::nullopt;
      Finish(&*atom, max_);
      if (!Quantify(&*atom)) return std::nullopt;
      parts.push_back(std::move(*atom));
    }
    Info out;
    // Exact strings of the whole sequence, while they stay few.
    std::optional<StringSet> exact = StringSet{std::string()};
    for (const Info& p : parts) {
      if (!exact || !p.exact) {
        exact.reset();
        break;
      }
      exact = CrossProduct(*exact, *p.exact, kMaxExactStrings);
    }
    out.exact = std::move(exact);
    // Candidates: the clauses of each part, and every run of consecutive
    // exact parts (their concatenations appear verbatim in any match).
    struct Candidate {
      StringSet clause;
      size_t first;
      size_t last;
      bool of_part;  // one of part `first`'s own clauses
    };
    std::vector<Candidate> candidates;
    for (size_t k = 0; k < parts.size(); ++k) {
      for (const StringSet& c : parts[k].clauses) candidates.push_back({c, k, k, true});
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      std::optional<StringSet> run = StringSet{std::string()};
      for (size_t j = i; j < parts.size() && parts[j].exact; ++j) {
        run = CrossProduct(*run, *parts[j].exact, max_);
        if (!run) break;
        if (j == i) continue;
        if (auto c = Usable(*run, max_)) candidates.push_back({std::move(*c), i, j, false});
      }
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return Better(a.clause, b.clause); });
    // Each clause holds on its own; clauses from overlapping parts would
    // mostly repeat each other, so the chosen ones come from disjoint parts
    // (or are clauses of the same part, which already were chosen that way).
    std::vector<const Candidate*> chosen;
    for (const Candidate& c : candidates) {
      if (chosen.size() == kMaxClauses) break;
      const bool fits = std::all_of(chosen.begin(), chosen.end(), [&](const Candidate* o) {
        const bool disjoint = c.last < o->first || c.first > o->last;
        const bool same_part = c.of_part && o->of_part && c.first == o->first;
        return (disjoint || same_part) && c.clause != o->clause;
      });
      if (fits) chosen.push_back(&c);
    }
    for (const Candidate* c : chosen) out.clauses.push_back(c->clause);
    Finish(&out, max_);
    return out;
  }

  // Applies a quantifier following an atom, if any; false on syntax it does
  // not model.
  bool Quantify(Info* info) {
    if (AtEnd()) return true;
    const char q = s_[pos_];
    size_t min_count = 1;
    if (q == '?' || q == '*' || q == '+') {
      ++pos_;
      min_count = q == '+' ? 1 : 0;
      if (q == '?' && info->exact) {
        info->exact->emplace_back();
        info->clauses.clear();
      } else if (min_count == 0) {
        *info = Info{};
      }
    } else if (q == '{') {
      const size_t close = s_.find('}', pos_);
      if (close == std::string_view::npos) return false;
      const std::string_view body = s_.substr(pos_ + 1, close - pos_ - 1);
      if (body.empty() ||
          !std::all_of(body.begin(), body.end(), [](char c) { return c == ',' || (c >= '0' && c <= '9'); })) {
        return false;
      }
      if (body.front() < '0' || body.front() > '9') return false;
      min_count = 0;
      for (const char c : body) {
        if (c < '0' || c > '9') break;
        min_count = min_count * 10 + static_cast<size_t>(c - '0');
      }
      pos_ = close + 1;
      if (min_count == 0) *info = Info{};
    } else {
      return true;
    }
    // Repeated: the exact set no longer describes the part, but each
    // repetition still holds what one occurrence requires.
    if (min_count >= 1) info->exact.reset();
    // Lazy or possessive suffixes are not used by the rules.
    return AtEnd() || (s_[pos_] != '?' && s_[pos_] != '+');
  }

  std::optional<Info> Atom() {
    const char c = s_[pos_];
    if (c == '(') {
      ++pos_;
      if (!AtEnd() && s_[pos_] == '?') {
        if (pos_ + 1 >= s_.size() || s_[pos_ + 1] != ':') return std::nullopt;  // (?i), lookarounds ...
        pos_ += 2;
      }
      auto inner = Alternation();
      if (!inner || AtEnd() || s_[pos_] != ')') return std::nullopt;
      ++pos_;
      return inner;
    }
    if (c == '[') return CharacterClass();
    if (c == '^' || c == '$') {
      ++pos_;
      return Info{StringSet{std::string()}, Clauses{}};  // zero width
    }
    if (c == '.') {
      ++pos_;
      return Info{};
    }
    if (c == '\\') {
      if (pos_ + 1 >= s_.size()) return std::nullopt;
      const char e = s_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case 'b':
        case 'B':
          return Info{StringSet{std::string()}, Clauses{}};  // zero width
        case 'd':
          return Info{Digits(), Clauses{}};
        case 'w':
        case 'W':
        case 'D':
        case 's':
        case 'S':
          return Info{};
        case 'n':
          return Info{StringSet{"\n"}, Clauses{}};
        case 't':
          return Info{StringSet{"\t"}, Clauses{}};
        case 'r':
          return Info{StringSet{"\r"}, Clauses{}};
        default:
          if (IsAsciiAlnum(e) || static_cast<unsigned char>(e) >= 0x80) return std::nullopt;
          return Info{StringSet{std::string(1, e)}, Clauses{}};
      }
    }
    static constexpr std::string_view kMeta = "*+?{}])";
    if (kMeta.find(c) != std::string_view::npos) return std::nullopt;
    const size_t len = Utf8SequenceLength(s_.substr(pos_));
    if (len == 0) return std::nullopt;
    Info info{StringSet{std::string(s_.substr(pos_, len))}, Clauses{}};
    pos_ += len;
    return info;
  }

  // A class member: one character, possibly escaped. Sets *unknown for
  // escapes that stand for many characters (\w, \s ...).
  bool ClassMember(std::string* out, bool* unknown) {
    if (s_[pos_] == '\\') {
      if (pos_ + 1 >= s_.size()) return false;
      const char e = s_[pos_ + 1];
      pos_ += 2;
      if (e == 'n') {
        *out = "\n";
      } else if (e == 't') {
        *out = "\t";
      } else if (e == 'r') {
        *out = "\r";
      } else if (e == 'd' || e == 'w' || e == 's' || e == 'D' || e == 'W' || e == 'S') {
        *unknown = true;
        out->clear();
      } else if (IsAsciiAlnum(e) || static_cast<unsigned char>(e) >= 0x80) {
        return false;
      } else {
        *out = std::string(1, e);
      }
      return true;
    }
    if (s_[pos_] == '[' && pos_ + 1 < s_.size() &&
        (s_[pos_ + 1] == ':' || s_[pos_ + 1] == '.' || s_[pos_ + 1] == '=')) {
      return false;  // POSIX classes
    }
    const size_t len = Utf8SequenceLength(s_.substr(pos_));
    if (len == 0) return false;
    *out = std::string(s_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  std::optional<Info> CharacterClass() {
    ++pos_;  // '['
    bool negated = false;
    if (!AtEnd() && s_[pos_] == '^') {
      negated = true;
      ++pos_;
    }
    bool unknown = false;
    StringSet members;
    bool first = true;
    while (!AtEnd() && (s_[pos_] != ']' || first)) {
      first = false;
      std::string lo;
      bool lo_unknown = false;
      if (!ClassMember(&lo, &lo_unknown)) return std::nullopt;
      if (!AtEnd() && s_[pos_] == '-' && pos_ + 1 < s_.size() && s_[pos_ + 1] != ']') {
        ++pos_;
        std::string hi;
        bool hi_unknown = false;
        if (!ClassMember(&hi, &hi_unknown)) return std::nullopt;
        if (lo_unknown || hi_unknown || lo.size() != 1 || hi.size() != 1 || static_cast<unsigned char>(lo[0]) >= 0x80 ||
            static_cast<unsigned char>(hi[0]) >= 0x80 || lo[0] > hi[0]) {
          return std::nullopt;
        }
        for (int ch = lo[0]; ch <= hi[0]; ++ch) members.emplace_back(1, static_cast<char>(ch));
        continue;
      }
      if (lo_unknown) {
        unknown = true;
      } else {
        members.push_back(std::move(lo));
      }
    }
    if (AtEnd()) return std::nullopt;
    ++pos_;  // ']'
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    if (negated || unknown || members.empty() || members.size() > kMaxClassSize) return Info{};
    return Info{std::move(members), Clauses{}};
  }

  std::string_view s_;
  size_t max_;
  size_t pos_ = 0;
};

}  // namespace

bool RequiredLiterals(std::string_view expression, std::vector<std::vector<std::string>>* clauses,
                      size_t max_literals) {
  auto info = Parser(expression, max_literals).Run();
  if (!info || info->clauses.empty()) return false;
  *clauses = std::move(info->clauses);
  return true;
}

}  // namespace dg
