#include "sim/corpora.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "common/check.h"
#include "ingest/line_reader.h"

namespace dg {
namespace {

enum class Layout {
  kAlpacaArray,  // JSON array of {instruction, input}
  kJsonlField,   // JSON Lines, one string field per record
  kHhRlhf,       // JSON Lines {chosen}: "\n\nHuman: ...\n\nAssistant: ..."
  kTurns,        // JSON Lines {turns: [...]}
};

struct UpstreamFile {
  std::string_view name;
  std::string_view path;  // relative to the corpora directory
  Layout layout;
  std::string_view field;
};

constexpr UpstreamFile kUpstreamFiles[] = {
    {"alpaca", "alpaca/alpaca_5000.json", Layout::kAlpacaArray, ""},
    {"codealpaca", "codealpaca/code_alpaca_2k.json", Layout::kAlpacaArray, ""},
    {"self_instruct", "self_instruct/seed_tasks.jsonl", Layout::kJsonlField, "instruction"},
    {"koala", "koala/koala_test_set.jsonl", Layout::kJsonlField, "prompt"},
    {"oasst_vicuna", "alpaca_eval_oasst_vicuna/alpaca_eval_oasst_vicuna.jsonl", Layout::kJsonlField, "instruction"},
    {"wizardlm", "wizardlm_testset/WizardLM_testset.jsonl", Layout::kJsonlField, "Instruction"},
    {"odex_en", "odex/en_test.jsonl", Layout::kJsonlField, "intent"},
    {"odex_es", "odex/es_test.jsonl", Layout::kJsonlField, "intent"},
    {"odex_ja", "odex/ja_test.jsonl", Layout::kJsonlField, "intent"},
    {"odex_ru", "odex/ru_test.jsonl", Layout::kJsonlField, "intent"},
    {"humaneval", "humaneval/HumanEval.jsonl.gz", Layout::kJsonlField, "prompt"},
    {"mbpp", "mbpp_test/mbpp.test.jsonl", Layout::kJsonlField, "text"},
    {"gsm8k", "gsm8k_test/gsm8k_test.jsonl", Layout::kJsonlField, "question"},
    {"hh_rlhf", "hh_rlhf/harmless-base_test.jsonl.gz", Layout::kHhRlhf, ""},
    {"mt_bench", "mt_bench/question.jsonl", Layout::kTurns, ""},
};

struct TraceFile {
  std::string_view name;
  std::string_view path;
  TraceFormat format;
};

constexpr TraceFile kTraceFiles[] = {
    {"azure_conv", "azure_llm_trace_2023/AzureLLMInferenceTrace_conv.csv", TraceFormat::kAzureCsv},
    {"azure_code", "azure_llm_trace_2023/AzureLLMInferenceTrace_code.csv", TraceFormat::kAzureCsv},
    {"mooncake", "mooncake/conversation_trace.jsonl", TraceFormat::kMooncakeJsonl},
};

constexpr std::string_view kHumanMarker = "\n\nHuman: ";
constexpr std::string_view kAssistantMarker = "\n\nAssistant:";

std::string AlpacaText(std::string_view instruction, std::string_view input) {
  return input.empty() ? std::string(instruction) : fmt::format("{}\n\n{}", instruction, input);
}

// The human turns of an HH-RLHF transcript.
std::vector<std::string> HumanTurns(std::string_view transcript) {
  std::vector<std::string> turns;
  size_t pos = transcript.find(kHumanMarker);
  while (pos != std::string_view::npos) {
    const size_t begin = pos + kHumanMarker.size();
    const size_t next_human = transcript.find(kHumanMarker, begin);
    std::string_view turn =
        transcript.substr(begin, next_human == std::string_view::npos ? std::string_view::npos : next_human - begin);
    const size_t assistant = turn.find(kAssistantMarker);
    if (assistant != std::string_view::npos) turn = turn.substr(0, assistant);
    while (!turn.empty() && (turn.back() == ' ' || turn.back() == '\n')) turn.remove_suffix(1);
    if (!turn.empty()) turns.emplace_back(turn);
    pos = next_human;
  }
  return turns;
}

Result<Corpus> LoadAlpacaArray(const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (const auto error = parser.load(path).get(doc); error != simdjson::SUCCESS) {
    return Status::DataLoss(fmt::format("{}: not a JSON file: {}", path, simdjson::error_message(error)));
  }
  simdjson::dom::array records;
  if (doc.get_array().get(records) != simdjson::SUCCESS) {
    return Status::DataLoss(fmt::format("{}: expected a JSON array of {{instruction, input}}", path));
  }
  Corpus corpus;
  size_t index = 0;
  for (simdjson::dom::element record : records) {
    std::string_view instruction;
    std::string_view input;
    if (record["instruction"].get_string().get(instruction) != simdjson::SUCCESS) {
      return Status::DataLoss(fmt::format("{}: record {} has no string \"instruction\"", path, index));
    }
    if (record["input"].get_string().get(input) != simdjson::SUCCESS) input = {};
    if (!instruction.empty()) corpus.texts.push_back(AlpacaText(instruction, input));
    ++index;
  }
  return corpus;
}

Result<Corpus> LoadJsonLines(const std::string& path, Layout layout, std::string_view field) {
  Result<std::unique_ptr<LineReader>> reader = LineReader::Open(path, LineReaderOptions{});
  if (!reader.ok()) return reader.status();
  simdjson::dom::parser parser;
  Corpus corpus;
  while (true) {
    const Line line = (*reader)->Next();
    if (line.kind == LineKind::kEnd) break;
    if (line.kind == LineKind::kError) return (*reader)->error();
    const auto where = [&] { return fmt::format("{}:{}", path, line.number); };
    if (line.kind == LineKind::kTooLong) return Status::DataLoss(fmt::format("{}: line too long", where()));
    if (line.text.find_first_not_of(" \t") == std::string_view::npos) continue;
    simdjson::dom::element doc;
    if (const auto error = parser.parse(line.text.data(), line.text.size()).get(doc); error != simdjson::SUCCESS) {
      return Status::DataLoss(fmt::format("{}: invalid JSON: {}", where(), simdjson::error_message(error)));
    }
    switch (layout) {
      case Layout::kJsonlField: {
        std::string_view text;
        if (doc[field].get_string().get(text) != simdjson::SUCCESS) {
          return Status::DataLoss(fmt::format("{}: no string field \"{}\"", where(), field));
        }
        if (!text.empty()) corpus.texts.emplace_back(text);
        break;
      }
      case Layout::kHhRlhf: {
        std::string_view chosen;
        if (doc["chosen"].get_string().get(chosen) != simdjson::SUCCESS) {
          return Status::DataLoss(fmt::format("{}: no string field \"chosen\"", where()));
        }
        std::vector<std::string> turns = HumanTurns(chosen);
        if (!turns.empty()) corpus.conversations.push_back(std::move(turns));
        break;
      }
      case Layout::kTurns: {
        simdjson::dom::array turns;
        if (doc["turns"].get_array().get(turns) != simdjson::SUCCESS) {
          return Status::DataLoss(fmt::format("{}: no array field \"turns\"", where()));
        }
        std::vector<std::string> conversation;
        for (simdjson::dom::element turn : turns) {
          std::string_view text;
          if (turn.get_string().get(text) != simdjson::SUCCESS) {
            return Status::DataLoss(fmt::format("{}: a turn is not a string", where()));
          }
          conversation.emplace_back(text);
        }
        if (!conversation.empty()) corpus.conversations.push_back(std::move(conversation));
        break;
      }
      case Layout::kAlpacaArray:
        DG_CHECK(false);
    }
  }
  return corpus;
}

Result<Corpus> LoadUpstream(const std::string& path, const UpstreamFile& file) {
  if (file.layout == Layout::kAlpacaArray) return LoadAlpacaArray(path);
  return LoadJsonLines(path, file.layout, file.field);
}

bool IsFile(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace

const Corpus& SimCorpora::corpus(std::string_view name) const {
  const auto it = corpora.find(name);
  DG_CHECK(it != corpora.end());
  return it->second;
}

const Trace& SimCorpora::trace(std::string_view name) const {
  const auto it = traces.find(name);
  DG_CHECK(it != traces.end());
  return it->second;
}

Result<SimCorpora> LoadSimCorpora(const std::string& dir) {
  if (!dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      return Status::NotFound(fmt::format("corpora directory '{}' does not exist or is not a directory", dir));
    }
  }
  SimCorpora out;
  for (const std::string_view name : EmbeddedCorpusNames()) {
    std::optional<Result<Corpus>> loaded;
    std::string origin;
    if (!dir.empty()) {
      for (const UpstreamFile& file : kUpstreamFiles) {
        if (file.name != name) continue;
        const std::filesystem::path path = std::filesystem::path(dir) / file.path;
        if (IsFile(path)) {
          origin = path.string();
          loaded = LoadUpstream(origin, file);
        }
      }
      const std::filesystem::path sample = std::filesystem::path(dir) / fmt::format("{}.jsonl", name);
      if (!loaded && IsFile(sample)) {
        origin = sample.string();
        loaded = LoadCorpusFile(origin);
      }
    }
    if (!loaded) {
      origin = fmt::format("embedded:{}", name);
      loaded = LoadEmbeddedCorpus(name);
    }
    if (!loaded->ok()) return loaded->status();
    if (loaded->value().texts.empty() && loaded->value().conversations.empty()) {
      return Status::DataLoss(fmt::format("corpus '{}' ({}) has no records", name, origin));
    }
    out.corpora.emplace(std::string(name), std::move(*loaded).value());
    out.origins.emplace(std::string(name), std::move(origin));
  }
  for (const TraceFile& file : kTraceFiles) {
    std::string origin = fmt::format("embedded:{}", file.name);
    std::optional<Result<Trace>> loaded;
    if (!dir.empty()) {
      const std::filesystem::path path = std::filesystem::path(dir) / file.path;
      if (IsFile(path)) {
        origin = path.string();
        loaded = LoadTraceFile(origin, file.format);
      }
    }
    if (!loaded) loaded = LoadEmbeddedTrace(file.name);
    if (!loaded->ok()) return loaded->status();
    out.traces.emplace(std::string(file.name), std::move(*loaded).value());
    out.origins.emplace(std::string(file.name), std::move(origin));
  }
  return out;
}

}  // namespace dg
