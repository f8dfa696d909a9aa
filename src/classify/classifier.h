// Prompt capability classifier: maps one request's text to the capability it
// exercises and flags the two extraction tell-tales that live in the prompt
// text itself, reasoning-trace coercion and rubric grading.
//
// Pipeline position: called once per exchange after ingest has decoded and
// validated the event, before per-account state is updated. The account-level
// features (capability mix, share of coercion and rubric prompts) are built
// from its output; a single prompt's class is weak evidence on its own, which
// is why the rules favour being cheap, explainable and stable over being
// clever.
//
// How it works: the rules (about 160 patterns, most of them alternations of
// many phrasings, in about ten languages) are written as regular expressions.
// Create() splits them: the alternatives that are plain word lists go to a
// hashed phrase table (classify/word_evidence.h, one tokenizer pass per
// text), the rest to Hyperscan block-mode databases
// (classify/pattern_split.h says what is split off). Twelve residual
// expressions that Hyperscan runs badly (camelCase, snake_case, calls,
// inline code, the arithmetic and number rules, two code-syntax
// alternatives, the question and greeting openings: no literal, only single
// characters, or words it looks for everywhere though they count only at
// the text start) are decided instead by hand-written matchers that give exactly
// Hyperscan's answer (classify/shape_rules.h); the "think ... step by step"
// rule has a database of its own, run only on texts holding the word "step"
// (classify/word_gates.h); the rest is one database.
// (With the matchers off, ClassifierOptions::shape_rules, those anchored on
// one character have a database each, run only when the text holds those
// characters: classify/required_literals.h derives them.) The matchers
// read the user prompt and the system prompt and mark which rules matched
// (each at most once); each rule carries a signal (a capability, coercion,
// rubric, or "the text opens like a question") and a weight. The capability
// is the argmax of the summed weights with a fixed tie-break order; when
// nothing matched a short fallback decides between knowledge, conversation
// and other. See
// classifier.cc for the rule list and the reasons behind the weights.
//
// Example:
//   auto classifier = dg::PromptClassifier::Create();
//   if (!classifier.ok()) return classifier.status();
//   dg::PromptClass c = (*classifier)->Classify({.prompt = text});
//   if (c.reasoning_coercion) ...
#ifndef DG_CLASSIFY_CLASSIFIER_H_
#define DG_CLASSIFY_CLASSIFIER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "classify/database_bundle.h"
#include "common/status.h"

struct hs_database;
struct hs_scratch;

namespace dg {

class PhraseTable;
struct ResidualMatchers;
struct SystemPromptCache;

// The capability taxonomy fixed by the project's contract (SCHEMA.md,
// campaigns.json); CapabilityName() gives the names written to outputs.
enum class Capability : uint8_t {
  kSoftwareEngineering,
  kAgenticToolUse,
  kLongHorizon,
  kReasoning,
  kKnowledge,
  kWriting,
  kConversation,
  kOther,
};
inline constexpr size_t kCapabilityCount = 8;

// "software_engineering", "agentic_tool_use", "long_horizon", "reasoning",
// "knowledge", "writing", "conversation", "other".
std::string_view CapabilityName(Capability c);

// What the classifier looks at for one exchange. The views must stay valid for
// the duration of Classify() only. Text is expected to be valid UTF-8 (ingest
// rejects anything else); invalid bytes are tolerated and skipped.
struct PromptContext {
  std::string_view prompt;   // newest user turn (may be empty)
  std::string_view system;   // system prompt (may be empty)
  size_t tools_offered = 0;  // tools offered in the request
  int turn = 0;              // 1-based turn in the conversation, 0 when unknown
};

// How Create() builds the matchers. The default is what production uses;
// the alternative exists so that tests can check it gives identical results.
struct ClassifierOptions {
  // Run the residual expressions that have single-character required
  // literals only on texts holding them (see classifier.cc). False: one
  // Hyperscan database of every residual expression, the reference.
  bool gate_residual = true;
  // Decide the expressions of classify/shape_rules.h (camelCase, the
  // arithmetic rule, ...) by hand instead of by Hyperscan. False: all in
  // Hyperscan (gated as above), the reference with gate_residual false.
  bool shape_rules = true;
  // Compiled databases to take instead of compiling them: the bytes of a
  // DatabaseBundle (classify/database_bundle.h), e.g. the one the build links
  // in (classify/prebuilt.h). A database is taken only if the bundle holds
  // one compiled from exactly the same expressions, flags and ids by the
  // same Hyperscan version, and it runs on this CPU; anything else (and a
  // damaged bundle) is compiled, so the result never depends on the bundle.
  // Must stay valid while Create() runs.
  std::string_view precompiled;
};

struct PromptClass {
  Capability capability = Capability::kOther;
  bool reasoning_coercion = false;  // asks for the model's step-by-step reasoning / full chain of thought
  bool rubric_grading = false;      // asks the model to grade/score/compare responses against a rubric
  uint32_t capability_hits = 0;     // bit i set when some pattern of Capability(i) matched (for explanations)
};

// Thread-safety: Create() and Clone() may be called from any thread. The
// phrase table and the compiled databases are immutable and shared between
// clones; Classify() is NOT thread-safe because it uses the instance's
// Hyperscan scratch space and its cache of recent system prompts' matches
// (about 530 KiB, allocated when the instance is made), so use one instance
// per thread. Create() builds the phrase table and compiles the residual
// patterns, about half a second of CPU (under 0.1 s when every database comes
// precompiled): do it once per process and Clone() (under a microsecond) for
// every further thread.
//
// Invariants: a constructed classifier always holds a built phrase table,
// compiled databases and scratch space allocated for all of them; Classify()
// never allocates on the heap and never fails (a scan error yields PromptClass{}, i.e. "other").
class PromptClassifier {
 public:
  // Compiles the pattern set. Fails (kInternal) only if a pattern does not
  // compile or Hyperscan cannot allocate, i.e. on a bug or a broken install.
  static Result<std::unique_ptr<PromptClassifier>> Create(const ClassifierOptions& options = {});

  // Compiles every database Create(options) would (options.precompiled is
  // ignored) and returns them as DatabaseBundle bytes, for the build.
  static Result<std::string> ExportDatabases(const ClassifierOptions& options = {});

  // A classifier sharing this one's compiled databases with its own scratch.
  Result<std::unique_ptr<PromptClassifier>> Clone() const;

  PromptClassifier(const PromptClassifier&) = delete;
  PromptClassifier& operator=(const PromptClassifier&) = delete;
  ~PromptClassifier();

  // Never fails: a Hyperscan scan error (not expected for any input) yields
  // PromptClass{}, i.e. "other" with no flags. Only the first 32 KiB and the
  // last 8 KiB of each text are scanned (see classifier.cc for why).
  PromptClass Classify(const PromptContext& context);

  // Number of rules (patterns of the rule list, for reports and tests).
  static size_t PatternCount();

  // Hyperscan databases this classifier runs, and how many of them were
  // taken from ClassifierOptions::precompiled rather than compiled.
  size_t database_count() const;
  size_t precompiled_database_count() const;

 private:
  struct ScratchDeleter {
    void operator()(hs_scratch* scratch) const;
  };
  using ScratchPtr = std::unique_ptr<hs_scratch, ScratchDeleter>;

  struct CacheDeleter {
    void operator()(SystemPromptCache* cache) const;
  };

  PromptClassifier(std::shared_ptr<const ResidualMatchers> residual, std::shared_ptr<const PhraseTable> phrases,
                   ScratchPtr scratch);

  // Create() without the platform check; with `exported`, compiles every
  // database and records it there.
  static Result<std::unique_ptr<PromptClassifier>> Build(const ClassifierOptions& options, const DatabaseBundle& bundle,
                                                         std::vector<DatabaseBundle::Entry>* exported);

  std::shared_ptr<const ResidualMatchers> residual_;               // the residual rules' databases
  std::shared_ptr<const PhraseTable> phrases_;                     // the word-list rules
  ScratchPtr scratch_;                                             // sized for every database of residual_
  std::unique_ptr<SystemPromptCache, CacheDeleter> system_cache_;  // this instance's, see classifier.cc
};

}  // namespace dg

#endif  // DG_CLASSIFY_CLASSIFIER_H_
