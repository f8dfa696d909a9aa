// Scorer: the per-account score in [0, 1] and the reasons behind it.
//
// Pipeline: features (AccountSummary) -> **scoring** -> policy. A logistic
// model over named evidence terms: each term is a value in [0, 1] computed
// from the account's summary, times a weight from the config ([weights] in
// docs/config.md). Positive terms are the tell-tales of extraction named in
// ../shared/DESIGN.md; negative ("trust") terms are the marks of legitimate
// heavy use (verified enterprise organisations, real multi-turn
// conversations, real agent loops that send tool results back, long-lived
// accounts).
//
// Volume is deliberately not a term: heavy legitimate use (batch jobs, coding
// agents, evaluation harnesses) is normal, and a campaign spreads itself thin
// anyway. Timing terms (24/7 activity, regular spacing) need a minimum of
// exchanges to mean anything, but more exchanges never raise them.
//
// Shares are shrunk toward a prior with `prior_weight` pseudo-exchanges, so
// an account with two exchanges does not look "100% coercion".
//
// Thread-safety: immutable after construction; Score() is const.
#ifndef DG_SCORING_SCORER_H_
#define DG_SCORING_SCORER_H_

#include <string>
#include <vector>

#include "common/status.h"
#include "features/account_state.h"

namespace dg {

struct ScoringWeights {
  double bias = -5.0;
  double coercion = 3.0;             // share of prompts asking for step-by-step reasoning / chain of thought
  double rubric = 2.0;               // share of rubric / grading prompts (model used as a judge)
  double target_capabilities = 1.0;  // share on agentic, coding, long-horizon, reasoning
  double single_turn = 1.0;          // share of prompts with no conversation context
  double anonymised_network = 1.0;   // share from hosting, VPN, Tor or proxy addresses
  double country_mismatch = 0.8;     // share where the IP country differs from the billing country
  double new_account = 1.5;          // created shortly before first use
  double unverified = 0.5;           // no phone verification
  double free_tier = 0.3;            // free or pay-as-you-go API tier
  double large_outputs = 0.7;        // share asking for very long answers (max_tokens >= 8192)
  double logprobs = 0.8;             // share asking for token log-probabilities
  double multi_sample = 0.4;         // share asking for n > 1 samples
  double round_the_clock = 0.8;      // activity spread evenly over the 24 hours
  double regular_timing = 0.6;       // machine-regular spacing between requests
  // Trust terms (subtracted).
  double verified_org = 2.0;   // enterprise or team tier, phone verified, in an org
  double conversations = 1.5;  // share of real follow-up turns
  double agent_loop = 1.0;     // share of requests carrying tool results
  double account_age = 1.2;    // account older than `aged_account_days` at first use
  // Shape parameters.
  double prior_weight = 4.0;          // pseudo-exchanges of shrinkage toward zero
  double new_account_hours = 72.0;    // "new" below this age at first use
  double aged_account_days = 180.0;   // "aged" above this age at first use
  int64_t timing_min_exchanges = 20;  // timing terms need this many exchanges

  Status Validate() const;
};

// One evidence term as it applied to an account.
struct Contribution {
  const char* name;    // stable key, e.g. "coercion"
  double value;        // the term's value in [0, 1]
  double weight;       // signed weight (trust terms negative)
  std::string reason;  // what a person reads
};

struct ScoreResult {
  double score = 0;
  std::vector<Contribution> contributions;  // only terms with value > 0
};

class Scorer {
 public:
  explicit Scorer(const ScoringWeights& weights) : w_(weights) {}

  // The score alone (hot path: no strings are built).
  double Score(const AccountSummary& s) const;
  // The score with every contributing term and its reason (for outputs).
  ScoreResult Explain(const AccountSummary& s) const;
  // Human-readable reasons, strongest first: terms whose contribution is at
  // least `min_contribution` in the logit.
  std::vector<std::string> Reasons(const AccountSummary& s, double min_contribution = 0.3) const;

  const ScoringWeights& weights() const { return w_; }

 private:
  template <typename Sink>
  double Evaluate(const AccountSummary& s, Sink&& sink) const;

  ScoringWeights w_;
};

}  // namespace dg

#endif  // DG_SCORING_SCORER_H_
