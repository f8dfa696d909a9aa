// The data a simulation draws from: every prompt corpus by name and the three
// production traces, loaded from a directory laid out like ../shared/corpora
// (`--corpora DIR`) with the embedded samples filling in whatever is missing.
//
// Part of the sim module, between the loaders (sim/corpus.h, sim/traces.h)
// and the simulation engine (sim/scenario.h). Files read from DIR, by name:
//   alpaca          alpaca/alpaca_5000.json             JSON array {instruction, input}
//   codealpaca      codealpaca/code_alpaca_2k.json      JSON array {instruction, input}
//   self_instruct   self_instruct/seed_tasks.jsonl      {instruction}
//   koala           koala/koala_test_set.jsonl          {prompt}
//   oasst_vicuna    alpaca_eval_oasst_vicuna/alpaca_eval_oasst_vicuna.jsonl {instruction}
//   wizardlm        wizardlm_testset/WizardLM_testset.jsonl {Instruction}
//   odex_xx         odex/xx_test.jsonl                  {intent}
//   humaneval       humaneval/HumanEval.jsonl.gz        {prompt}
//   mbpp            mbpp_test/mbpp.test.jsonl           {text}
//   gsm8k           gsm8k_test/gsm8k_test.jsonl         {question}
//   hh_rlhf         hh_rlhf/harmless-base_test.jsonl.gz {chosen} (human turns)
//   mt_bench        mt_bench/question.jsonl             {turns}
//   azure_conv/code azure_llm_trace_2023/AzureLLMInferenceTrace_{conv,code}.csv
//   mooncake        mooncake/conversation_trace.jsonl
// A file DIR/NAME.jsonl in the data/samples format ({"text"} or {"turns"})
// is used when the upstream file is absent. A file that exists but does not
// parse is an error (DataLoss with path and line), never a silent fallback.
//
// Thread-safety: SimCorpora is immutable after loading; share it freely.
#ifndef DG_SIM_CORPORA_H_
#define DG_SIM_CORPORA_H_

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sim/corpus.h"
#include "sim/traces.h"

namespace dg {

struct SimCorpora {
  // Every name of EmbeddedCorpusNames(), each non-empty.
  std::map<std::string, Corpus, std::less<>> corpora;
  // "azure_conv", "azure_code", "mooncake".
  std::map<std::string, Trace, std::less<>> traces;
  // Name -> where it came from ("embedded:alpaca" or a path), for reports.
  std::map<std::string, std::string, std::less<>> origins;

  // The corpus `name`; it must exist (a generator bug otherwise).
  const Corpus& corpus(std::string_view name) const;
  const Trace& trace(std::string_view name) const;
};

// `dir` empty: the embedded samples only. NotFound when `dir` is not a
// directory; DataLoss for a file that does not parse or an empty corpus.
Result<SimCorpora> LoadSimCorpora(const std::string& dir);

}  // namespace dg

#endif  // DG_SIM_CORPORA_H_
