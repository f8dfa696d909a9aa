// Throughput of the prompt capability classifier (classify/classifier.h):
// prompts per second and bytes per second on
//   - the shipped samples (data/samples/*.jsonl, every human turn: real
//     prompts, mostly short, a few KB at most),
//   - ~1 KB prompts made by joining real sample prompts (the typical size of
//     a harvesting request), alone and with a ~1 KB system prompt,
// the same ~1 KB prompts with every residual expression in one database (the
// classifier before the single-character gates, see classifier.h),
// plus the one-off costs: building the classifier (splitting the rules,
// building the phrase table, compiling the residual Hyperscan database) and
// cloning it, and the phrase table's own pass over the ~1 KB prompts (the
// word-evidence half of Classify()).
//
// The samples are read with a small JSON string decoder below because the
// benchmark only needs the string values of "text" and "turns".
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "classify/classifier.h"
#include "classify/word_evidence.h"

namespace dg {
namespace {

constexpr size_t kTargetPromptBytes = 1024;

// Appends the code point as UTF-8.
void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool ParseHex4(std::string_view s, size_t pos, uint32_t* value) {
  if (pos + 4 > s.size()) return false;
  *value = 0;
  for (size_t i = pos; i < pos + 4; ++i) {
    const char c = s[i];
    const uint32_t digit = c >= '0' && c <= '9'   ? c - '0'
                           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : 16;
    if (digit == 16) return false;
    *value = *value * 16 + digit;
  }
  return true;
}

// Decodes the JSON string whose opening quote is at s[*pos]; leaves *pos
// after the closing quote. Returns false on malformed input.
bool DecodeJsonString(std::string_view s, size_t* pos, std::string* out) {
  size_t i = *pos + 1;
  while (i < s.size()) {
    const char c = s[i++];
    if (c == '"') {
      *pos = i;
      return true;
    }
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (i >= s.size()) return false;
    const char e = s[i++];
    switch (e) {
      case 'n':
        out->push_back('\n');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!ParseHex4(s, i, &cp)) return false;
        i += 4;
        uint32_t low = 0;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= s.size() && s[i] == '\\' && s[i + 1] == 'u' &&
            ParseHex4(s, i + 2, &low) && low >= 0xDC00 && low < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        AppendUtf8(cp, out);
        break;
      }
      default:  // \" \\ \/ stand for themselves
        out->push_back(e);
        break;
    }
  }
  return false;
}

// Every string value in the line from the first `"text"` or `"turns"` key on
// (the sample lines hold nothing else).
void ExtractStrings(std::string_view line, std::vector<std::string>* out) {
  size_t pos = line.find("\"text\"");
  if (pos == std::string_view::npos) pos = line.find("\"turns\"");
  if (pos == std::string_view::npos) return;
  pos = line.find(':', pos);
  while (pos != std::string_view::npos && pos < line.size()) {
    pos = line.find('"', pos);
    if (pos == std::string_view::npos) break;
    std::string value;
    if (!DecodeJsonString(line, &pos, &value)) break;
    out->push_back(std::move(value));
  }
}

const std::vector<std::string>& SamplePrompts() {
  static const std::vector<std::string> prompts = [] {
    std::vector<std::string> all;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(DG_SOURCE_DIR) + "/data/samples")) {
      if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // a fixed order, run to run
    for (const auto& file : files) {
      std::ifstream in(file);
      std::string line;
      while (std::getline(in, line)) ExtractStrings(line, &all);
    }
    return all;
  }();
  return prompts;
}

// Real prompts joined until each is about kTargetPromptBytes long.
const std::vector<std::string>& KilobytePrompts() {
  static const std::vector<std::string> prompts = [] {
    std::vector<std::string> out;
    std::string current;
    for (const std::string& p : SamplePrompts()) {
      if (!current.empty()) current += "\n\n";
      current += p;
      if (current.size() >= kTargetPromptBytes) {
        out.push_back(std::move(current));
        current.clear();
      }
    }
    return out;
  }();
  return prompts;
}

std::unique_ptr<PromptClassifier> MustCreate(benchmark::State& state, const ClassifierOptions& options = {}) {
  auto classifier = PromptClassifier::Create(options);
  if (!classifier.ok()) {
    state.SkipWithError(classifier.status().message().c_str());
    return nullptr;
  }
  return std::move(classifier).value();
}

void RunClassify(benchmark::State& state, const std::vector<std::string>& prompts, std::string_view system,
                 const ClassifierOptions& options = {}) {
  auto classifier = MustCreate(state, options);
  if (classifier == nullptr || prompts.empty()) {
    if (prompts.empty()) state.SkipWithError("no sample prompts found");
    return;
  }
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& p = prompts[i];
    benchmark::DoNotOptimize(classifier->Classify({.prompt = p, .system = system, .turn = 1}));
    bytes += static_cast<int64_t>(p.size() + system.size());
    if (++i == prompts.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}

void BM_ClassifySamples(benchmark::State& state) { RunClassify(state, SamplePrompts(), {}); }
BENCHMARK(BM_ClassifySamples);

void BM_Classify1KB(benchmark::State& state) { RunClassify(state, KilobytePrompts(), {}); }
BENCHMARK(BM_Classify1KB);

// The reference build: every residual expression in one Hyperscan database
// (ClassifierOptions::gate_residual and shape_rules false), for an
// interleaved comparison.
void BM_Classify1KBOneDatabase(benchmark::State& state) {
  RunClassify(state, KilobytePrompts(), {}, {.gate_residual = false, .shape_rules = false});
}
BENCHMARK(BM_Classify1KBOneDatabase);

// The build before the shape rules (classify/shape_rules.h): every residual
// expression in Hyperscan, the single-character ones gated.
void BM_Classify1KBGatesOnly(benchmark::State& state) {
  RunClassify(state, KilobytePrompts(), {}, {.gate_residual = true, .shape_rules = false});
}
BENCHMARK(BM_Classify1KBGatesOnly);

void BM_Classify1KBWithSystemPrompt(benchmark::State& state) {
  // A system prompt as extraction wrappers and agent frameworks send them.
  static const std::string system = [] {
    std::string s =
        "You are a meticulous assistant. You have access to the following tools: web_search(query), "
        "run_python(code), read_file(path). Think step by step and show your full reasoning before the final "
        "answer. ";
    while (s.size() < kTargetPromptBytes) s += s;
    return s.substr(0, kTargetPromptBytes);
  }();
  RunClassify(state, KilobytePrompts(), system);
}
BENCHMARK(BM_Classify1KBWithSystemPrompt);

// The phrase table alone, over the same ~1 KB prompts, with a small table
// of common words: the tokenizer's cost plus a lookup for most words.
void BM_PhraseTableScan1KB(benchmark::State& state) {
  PhraseTable table;
  uint32_t rule = 0;
  for (const char* phrase :
       {"the", "a", "write", "code", "function", "step by step", "short story", "what is", "how many", "explain"}) {
    (void)table.Add(phrase, rule++);
  }
  table.Build();
  const std::vector<std::string>& prompts = KilobytePrompts();
  if (prompts.empty()) {
    state.SkipWithError("no sample prompts found");
    return;
  }
  size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    std::array<uint64_t, 1> hits{};
    table.Scan(prompts[i], hits);
    benchmark::DoNotOptimize(hits);
    bytes += static_cast<int64_t>(prompts[i].size());
    if (++i == prompts.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_PhraseTableScan1KB);

void BM_Create(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(MustCreate(state));
}
BENCHMARK(BM_Create)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_Clone(benchmark::State& state) {
  auto classifier = MustCreate(state);
  if (classifier == nullptr) return;
  for (auto _ : state) benchmark::DoNotOptimize(classifier->Clone());
}
BENCHMARK(BM_Clone)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace dg
