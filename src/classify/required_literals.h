// Required literals of a classifier regular expression: clauses (sets of
// strings) such that every match contains, for each clause, at least one of
// its strings. A text that misses every string of some clause cannot match,
// so the expression need not be run on it.
//
// Pipeline position: used once, when PromptClassifier::Create() builds its
// matchers, to run the residual expressions that Hyperscan could only anchor
// on single characters only on texts holding their required bytes (see
// classifier.cc); never on the per-event path.
//
// The derivation is conservative: it parses the expression (the Hyperscan /
// PCRE subset the rule list uses: literals, escapes, character classes,
// groups, alternation, quantifiers, ^ $ \b \B) and answers "none" for any
// construct it does not model, or when no set of at most the given size can
// be proved. How a set is chosen:
//  - a character, or a class of at most kMaxClassSize characters, matches
//    exactly the strings it lists; a sequence of such parts matches their
//    concatenations, so any run of consecutive finite parts is a candidate;
//  - `x+` and `x{m,n}` with m >= 1 require what x requires; `x?`, `x*` and
//    `x{0,n}` require nothing (they may match the empty string);
//  - an alternation requires, for any choice of one clause per alternative,
//    the union of the chosen clauses (nothing if one alternative requires
//    nothing);
//  - clauses are ranked by their shortest string (longer literals occur less
//    often in prose), then by size; at most kMaxClauses are kept, in a
//    sequence taken from disjoint parts.
// Literals are byte strings in the expression's own spelling; whoever uses
// them must match them with the expression's case and UTF-8 flags. Zero-width
// assertions are ignored, which only weakens the gate (it stays sound).
// Thread-safe (pure function).
#ifndef DG_CLASSIFY_REQUIRED_LITERALS_H_
#define DG_CLASSIFY_REQUIRED_LITERALS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dg {

// Largest character class treated as a set of literals (\d, [+×÷^=*]).
inline constexpr size_t kMaxClassSize = 16;
// Default cap on the size of a required set.
inline constexpr size_t kMaxRequiredLiterals = 64;

// At most this many clauses are derived per expression.
inline constexpr size_t kMaxClauses = 3;
// Alternations try every choice of one clause per alternative while there are
// at most this many choices.
inline constexpr size_t kMaxClauseCombinations = 27;

// On success stores in `clauses` between one and kMaxClauses clauses, best
// first, each a set of at most `max_literals` non-empty strings, such that
// every match of `expression` contains a string of every clause, and returns
// true. Returns false when no clause is proved.
bool RequiredLiterals(std::string_view expression, std::vector<std::vector<std::string>>* clauses,
                      size_t max_literals = kMaxRequiredLiterals);

}  // namespace dg

#endif  // DG_CLASSIFY_REQUIRED_LITERALS_H_
