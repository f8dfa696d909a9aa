// Residual classifier expressions that Hyperscan runs only on text pieces in
// which the phrase table (classify/word_evidence.h) saw a given word.
//
// Pipeline position: PromptClassifier::Create() finds each expression
// verbatim among the residual expressions (so an edited rule fails Create()
// instead of silently losing its gate), compiles it into a database of its
// own and adds the gate words to the phrase table under a spare hit bit.
// Classify() runs the phrase table on a piece before Hyperscan, and runs a
// gated expression's database on the piece's valid UTF-8 runs only when its
// bit is set.
//
// Why: in the shared residual database the "think ... step by step" rule
// was the most expensive expression on the demo traffic (18% of that
// database's instructions): its repeated `(it |this |...)*` group between
// common words ("go", "work", "answer") and "step by step" is confirmed on
// every such word of prose. The word "step" is in few prompts, and the
// phrase table looks up every word of the text anyway.
//
// Soundness (a gate only ever skips a scan that could not match): every
// match of a gated expression holds one of the gate words as a whole word
// of the tokenizer, i.e. preceded and followed by a separator (ASCII space
// or '-'), not merely as a substring; the comment of each entry in
// word_gates.cc says why. The expressions are ASCII and not in UTF-8 mode,
// so Hyperscan folds only ASCII case, as the tokenizer does (the
// tokenizer also folds more, which only opens a gate more often).
// word_gates_test.cc checks the claim against Hyperscan on corpus texts and
// generated strings.
//
// Thread-safety: constant data.
#ifndef DG_CLASSIFY_WORD_GATES_H_
#define DG_CLASSIFY_WORD_GATES_H_

#include <cstddef>
#include <span>
#include <string_view>

namespace dg {

inline constexpr size_t kMaxGateWords = 4;

struct WordGate {
  std::string_view expression;            // a whole residual expression, caseless, not UTF-8
  std::string_view words[kMaxGateWords];  // lower case single words; empty ones unused
};

std::span<const WordGate> WordGates();

}  // namespace dg

#endif  // DG_CLASSIFY_WORD_GATES_H_
