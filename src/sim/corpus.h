// Prompt corpora for the simulator: the small samples in data/samples/ that
// are compiled into the binary (so the demo works from a fresh clone), and
// bigger corpora of the same JSONL format read from disk.
//
// Sits at the bottom of the sim module: traffic generators draw the text of
// benign and attack prompts from a Corpus. Format, one record per line:
//   {"text": "..."}               one prompt          -> Corpus::texts
//   {"turns": ["...", "...", ...]} the human turns of one conversation
//                                                      -> Corpus::conversations
// Blank lines are skipped; any other line is an error (DataLoss with the line
// number), because a silently shrunken corpus would skew every simulation.
//
// Thread-safety: free functions without shared state; safe to call
// concurrently.
#ifndef DG_SIM_CORPUS_H_
#define DG_SIM_CORPUS_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace dg {

struct Corpus {
  std::vector<std::string> texts;
  std::vector<std::vector<std::string>> conversations;
};

// Names of the embedded samples (the data/samples/NAME.jsonl files), in a
// fixed order.
const std::vector<std::string_view>& EmbeddedCorpusNames();

// Parses the embedded sample `name` (e.g. "alpaca", "odex_ja"). NotFound for a
// name that is not embedded.
Result<Corpus> LoadEmbeddedCorpus(std::string_view name);

// Reads and parses a corpus file in the same format. NotFound when the file
// cannot be opened, IoError when reading fails.
Result<Corpus> LoadCorpusFile(const std::string& path);

// Parses JSONL corpus text; `source` names it in error messages.
Result<Corpus> ParseCorpusJsonl(std::string_view jsonl, std::string_view source);

}  // namespace dg

#endif  // DG_SIM_CORPUS_H_
