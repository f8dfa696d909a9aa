// Splits one classifier rule, written as a Hyperscan regular expression, into
// the word phrases that the word-evidence path (classify/word_evidence.h) can
// look up and the residual expression that Hyperscan still has to run.
//
// Pipeline position: used once, when PromptClassifier::Create() builds its
// matchers; never on the per-event path.
//
// Why: the rules are mostly word-boundary lists of common words and phrases
// ("\b(essay|poem|short story)\b"). Hyperscan runs each such list quickly on
// its own but a set of ~160 of them confirms a literal every few bytes of
// prose (~50 MB/s). A hashed lookup of each word of the text decides the
// same lists in one pass, so the rule list in classifier.cc stays the one
// place where rules are written and both matchers are derived from it.
//
// What is split off: a top-level alternative (of the whole expression, or of
// its one outer group) that starts at a word boundary (`\b` or `(^|[^a-z])`)
// and expands to a finite set of strings made of ASCII letters, digits, `_`,
// Latin letters and the separators space, `-`, `'` and `’`, using only
// literals, groups, alternation, `?` and small character classes. Anything
// else (`\w`, `\s`, `*`, `+`, ranges, other punctuation, other scripts, an
// unbounded or too large expansion) stays in the residual, unchanged.
//
// Semantics of a split-off phrase: its words must appear consecutively in the
// text, each a whole word, joined by short soft gaps (see word_evidence.h);
// without a trailing `\b` the regex would also match a longer last word
// ("step" in "stepwise"), the phrase does not. Thread-safe (pure function).
#ifndef DG_CLASSIFY_PATTERN_SPLIT_H_
#define DG_CLASSIFY_PATTERN_SPLIT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dg {

struct PatternSplit {
  std::vector<std::string> phrases;  // decided by the word path (case folded by its tokenizer)
  std::string residual;              // what Hyperscan must still run; empty when nothing is left
};

// At most this many phrases come from one expression; a larger expansion
// stays in the residual.
inline constexpr size_t kMaxPhrasesPerPattern = 50000;

PatternSplit SplitPattern(std::string_view expression, size_t max_phrases = kMaxPhrasesPerPattern);

// The finite set of strings `fragment` matches (literals, groups, `|`, `?`,
// character classes without ranges or negation), or false if it has any other
// construct or more than `max_strings` strings. Exposed for tests.
bool ExpandRegex(std::string_view fragment, size_t max_strings, std::vector<std::string>* out);

// Takes `alternative` out of `residual` (a residual expression as
// SplitPattern() writes it): if `residual` is `alternative` it becomes
// empty; if it is one group "(a|b|...)" of which `alternative` is a
// top-level alternative, the group loses that alternative. Returns false,
// leaving `residual` unchanged, otherwise.
bool RemoveAlternative(std::string* residual, std::string_view alternative);

}  // namespace dg

#endif  // DG_CLASSIFY_PATTERN_SPLIT_H_
