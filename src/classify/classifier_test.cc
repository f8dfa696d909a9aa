// Tests for the prompt capability classifier, mostly at the level of corpus
// distributions: the shipped samples (data/samples/*.jsonl, real prompts
// nobody on this project wrote) are classified and the shares are checked
// against bounds that a broken or badly tuned classifier would miss. The
// measured shares are printed and recorded as test properties so that they
// can be reported.

#include "classify/classifier.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "classify/prebuilt.h"
#include "classify/word_gates.h"

namespace dg {
namespace {

// One sample record: the human turns of a conversation (one for {"text"}).
using Turns = std::vector<std::string>;

std::vector<Turns> LoadSample(const std::string& name) {
  const std::string path = std::string(DG_SOURCE_DIR) + "/data/samples/" + name + ".jsonl";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<Turns> records;
  simdjson::ondemand::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
      ADD_FAILURE() << "bad JSON in " << path;
      continue;
    }
    simdjson::ondemand::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) continue;
    Turns turns;
    for (auto field : object) {
      std::string_view key;
      if (field.unescaped_key().get(key) != simdjson::SUCCESS) continue;
      if (key == "text") {
        std::string_view text;
        if (field.value().get_string().get(text) == simdjson::SUCCESS) turns.emplace_back(text);
      } else if (key == "turns") {
        simdjson::ondemand::array array;
        if (field.value().get_array().get(array) != simdjson::SUCCESS) continue;
        for (auto element : array) {
          std::string_view text;
          if (element.get_string().get(text) == simdjson::SUCCESS) turns.emplace_back(text);
        }
      }
    }
    if (!turns.empty()) records.push_back(std::move(turns));
  }
  EXPECT_FALSE(records.empty()) << path;
  return records;
}

// First human turn of every record: the request that opens the exchange.
std::vector<std::string> FirstTurns(const std::string& name) {
  std::vector<std::string> prompts;
  for (Turns& t : LoadSample(name)) prompts.push_back(std::move(t.front()));
  return prompts;
}

std::unique_ptr<PromptClassifier> NewClassifier() {
  auto classifier = PromptClassifier::Create();
  EXPECT_TRUE(classifier.ok()) << classifier.status().message();
  if (!classifier.ok()) return nullptr;
  return std::move(classifier).value();
}

struct Distribution {
  size_t n = 0;
  std::array<size_t, kCapabilityCount> counts{};
  size_t coercion = 0;
  size_t rubric = 0;

  double Share(Capability c) const { return n == 0 ? 0.0 : static_cast<double>(counts[static_cast<size_t>(c)]) / n; }
  double CoercionRate() const { return n == 0 ? 0.0 : static_cast<double>(coercion) / n; }
  double RubricRate() const { return n == 0 ? 0.0 : static_cast<double>(rubric) / n; }
  double MaxShare() const {
    double best = 0;
    for (size_t i = 0; i < kCapabilityCount; ++i) best = std::max(best, Share(static_cast<Capability>(i)));
    return best;
  }
  std::string Format() const {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << "n=" << n;
    for (size_t i = 0; i < kCapabilityCount; ++i) {
      if (counts[i] == 0) continue;
      out << " " << CapabilityName(static_cast<Capability>(i)) << "=" << 100.0 * Share(static_cast<Capability>(i))
          << "%";
    }
    out << " | coercion=" << 100.0 * CoercionRate() << "% rubric=" << 100.0 * RubricRate() << "%";
    return out.str();
  }
};

Distribution Classify(PromptClassifier& classifier, const std::vector<std::string>& prompts) {
  Distribution d;
  for (const std::string& p : prompts) {
    const PromptClass c = classifier.Classify({.prompt = p, .turn = 1});
    ++d.n;
    ++d.counts[static_cast<size_t>(c.capability)];
    d.coercion += c.reasoning_coercion ? 1 : 0;
    d.rubric += c.rubric_grading ? 1 : 0;
  }
  return d;
}

void Report(const std::string& label, const Distribution& d) {
  std::cout << "[classifier] " << std::left << std::setw(22) << label << " " << d.Format() << "\n";
  ::testing::Test::RecordProperty(label, d.Format());
}

std::string Fill(std::string_view tmpl, std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{' && i + 2 < tmpl.size() && tmpl[i + 2] == '}') {
      const char slot = tmpl[i + 1];
      if (slot == 'a' || slot == 'b' || slot == 'c') {
        out += slot == 'a' ? a : slot == 'b' ? b : c;
        i += 2;
        continue;
      }
    }
    out += tmpl[i];
  }
  return out;
}

// Compiling the database takes about a second, so the suite shares one
// classifier (tests run on one thread; ClonesAgreeAcrossThreads uses clones).
class ClassifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_ = NewClassifier().release(); }
  static void TearDownTestSuite() {
    delete shared_;
    shared_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(shared_, nullptr);
    classifier_ = shared_;
  }
  PromptClass Run(std::string_view prompt, std::string_view system = {}, size_t tools = 0, int turn = 1) {
    return classifier_->Classify({.prompt = prompt, .system = system, .tools_offered = tools, .turn = turn});
  }
  static PromptClassifier* shared_;
  PromptClassifier* classifier_ = nullptr;
};

PromptClassifier* ClassifierTest::shared_ = nullptr;

// ------------------------------------------------------------------ basics

TEST(CapabilityNameTest, ContractNamesVerbatim) {
  EXPECT_EQ(CapabilityName(Capability::kSoftwareEngineering), "software_engineering");
  EXPECT_EQ(CapabilityName(Capability::kAgenticToolUse), "agentic_tool_use");
  EXPECT_EQ(CapabilityName(Capability::kLongHorizon), "long_horizon");
  EXPECT_EQ(CapabilityName(Capability::kReasoning), "reasoning");
  EXPECT_EQ(CapabilityName(Capability::kKnowledge), "knowledge");
  EXPECT_EQ(CapabilityName(Capability::kWriting), "writing");
  EXPECT_EQ(CapabilityName(Capability::kConversation), "conversation");
  EXPECT_EQ(CapabilityName(Capability::kOther), "other");
}

TEST_F(ClassifierTest, CompilesOneDatabaseOfManyPatterns) {
  constexpr size_t kMinPatterns = 100;  // several per capability and language
  EXPECT_GE(PromptClassifier::PatternCount(), kMinPatterns);
}

TEST_F(ClassifierTest, HandwrittenExamples) {
  EXPECT_EQ(Run("Write a Python function that reverses a linked list.").capability, Capability::kSoftwareEngineering);
  EXPECT_EQ(Run("Why does this segfault?\n```c\nint *p = NULL; *p = 1;\n```").capability,
            Capability::kSoftwareEngineering);
  EXPECT_EQ(
      Run("Thought: I need the weather in Paris.\nAction: get_weather\nAction Input: {\"city\": \"Paris\"}").capability,
      Capability::kAgenticToolUse);
  EXPECT_EQ(Run("Find the cheapest flight to Lisbon.",
                "You have access to the following tools: search_flights, "
                "book_flight. Call a tool when needed.")
                .capability,
            Capability::kAgenticToolUse);
  EXPECT_EQ(Run("Build a complete e-commerce application end to end: break it down into subtasks, then implement "
                "each milestone over several sessions.")
                .capability,
            Capability::kLongHorizon);
  EXPECT_EQ(Run("A train leaves at 3 pm at 60 mph and another at 4 pm at 80 mph. How many hours until the second "
                "catches up?")
                .capability,
            Capability::kReasoning);
  EXPECT_EQ(Run("Prove that the square root of 2 is irrational.").capability, Capability::kReasoning);
  EXPECT_EQ(Run("Who was the first emperor of Rome?").capability, Capability::kKnowledge);
  EXPECT_EQ(Run("Write a haiku about autumn rain.").capability, Capability::kWriting);
  EXPECT_EQ(Run("Summarize this email in two sentences for my boss.").capability, Capability::kWriting);
  EXPECT_EQ(Run("hi! how are you today?").capability, Capability::kConversation);
  EXPECT_EQ(Run("thanks, that helped a lot").capability, Capability::kConversation);
  EXPECT_EQ(Run("I'm feeling really lonely since my girlfriend left.").capability, Capability::kConversation);
}

// The samples hold no agent traffic and few long-horizon requests, so these
// two capabilities are checked on handwritten prompts in the shapes agent
// frameworks and harvesting scripts send (text only, no tools offered).
TEST_F(ClassifierTest, AgenticAndLongHorizonPrompts) {
  for (std::string_view text : {
           "You are an autonomous agent. Use the tools below to answer.\n\nsearch(query): search the web\n\n"
           "Question: Who won the 2018 World Cup?",
           "Answer the following questions as best you can. You have access to the following tools:\n\n"
           "Calculator: useful for math\n\nUse the following format:\nQuestion: the input question\nThought: "
           "what to do\nAction: the action to take\nAction Input: the input\nObservation: the result",
           "<tools>[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"string\"}}]</tools>\nWhat's the "
           "weather in Oslo?",
           "Run the test suite in the terminal, read the failing file and fix it. You can execute shell "
           "commands.",
           "Browse to https://example.com, click the login button and fill out the form with my details.",
           "Search the web for the latest GDP figures for Brazil and summarize them.",
       }) {
    EXPECT_EQ(Run(text).capability, Capability::kAgenticToolUse) << text;
  }
  for (std::string_view text : {
           "Create a 12-week roadmap with milestones for launching a SaaS product, then break each milestone "
           "into "
           "subtasks.",
           "Write a complete, production-ready web app from scratch: backend, frontend, tests and deployment.",
           "We will work on this novel over several sessions. Start with the table of contents and chapter 1; "
           "continue where we left off next time.",
           "Plan and execute a migration of our monolith to microservices in multiple phases; step 1 is an "
           "inventory, step 2 is the data split.",
           "Draft a 10,000-word technical design document with sections for architecture, data model, APIs "
           "and "
           "rollout plan.",
           "Break this project down into subtasks and track progress as you go: build a CRM with contacts, "
           "deals "
           "and reports.",
       }) {
    EXPECT_EQ(Run(text).capability, Capability::kLongHorizon) << text;
  }
}

TEST_F(ClassifierTest, FallbackRules) {
  // No cue at all: a question is knowledge, a short remark is conversation,
  // a long statement is other, nothing is other.
  EXPECT_EQ(Run("Is the Okapi related to the giraffe?").capability, Capability::kKnowledge);
  EXPECT_EQ(Run("yep").capability, Capability::kConversation);
  EXPECT_EQ(Run("Categorize the following: apple, carrot, wheat, salmon, lentils, quinoa, pear.").capability,
            Capability::kOther);
  EXPECT_EQ(Run("Categorize the following: apple, carrot, wheat, salmon, lentils, quinoa, pear.", {}, 0, 3).capability,
            Capability::kConversation)
      << "a cue-less follow-up turn continues a conversation";
}

TEST_F(ClassifierTest, EmptyInputIsOtherOrConversation) {
  for (const PromptClass c : {Run(""), Run("", ""), Run("   \n\t "), Run({}, {}, 0, 0)}) {
    EXPECT_TRUE(c.capability == Capability::kOther || c.capability == Capability::kConversation);
    EXPECT_FALSE(c.reasoning_coercion);
    EXPECT_FALSE(c.rubric_grading);
    EXPECT_EQ(c.capability_hits, 0U);
  }
}

TEST_F(ClassifierTest, CapabilityHitsExplainTheDecision) {
  const PromptClass c = Run("Write a short poem, then a Python function that prints it.");
  EXPECT_NE(c.capability_hits & (1U << static_cast<unsigned>(Capability::kWriting)), 0U);
  EXPECT_NE(c.capability_hits & (1U << static_cast<unsigned>(Capability::kSoftwareEngineering)), 0U);
  EXPECT_EQ(c.capability_hits & (1U << static_cast<unsigned>(Capability::kOther)), 0U);
}

TEST_F(ClassifierTest, SystemPromptCountsLessThanThePrompt) {
  // A coding assistant's system prompt does not turn a poem request into code.
  EXPECT_EQ(
      Run("Write a poem about the sea.", "You are an expert Python programmer. Always write clean code.").capability,
      Capability::kWriting);
  // But it does classify a prompt that carries no cue of its own.
  EXPECT_EQ(Run("ok go ahead", "You are an expert Python programmer. Always write clean code.").capability,
            Capability::kSoftwareEngineering);
}

// ------------------------------------------------------------------ corpus distributions

TEST_F(ClassifierTest, CodeCorporaAreSoftwareEngineering) {
  constexpr double kMinShare = 0.70;
  for (const char* name : {"codealpaca", "mbpp", "humaneval", "odex_en"}) {
    const Distribution d = Classify(*classifier_, FirstTurns(name));
    Report(name, d);
    EXPECT_GE(d.Share(Capability::kSoftwareEngineering), kMinShare) << name << ": " << d.Format();
  }
}

TEST_F(ClassifierTest, MultilingualDeveloperIntentsAreSoftwareEngineering) {
  constexpr double kMinShare = 0.50;
  for (const char* name : {"odex_es", "odex_ja", "odex_ru"}) {
    const Distribution d = Classify(*classifier_, FirstTurns(name));
    Report(name, d);
    EXPECT_GE(d.Share(Capability::kSoftwareEngineering), kMinShare) << name << ": " << d.Format();
  }
}

TEST_F(ClassifierTest, MathWordProblemsAreReasoning) {
  constexpr double kMinShare = 0.60;
  const Distribution d = Classify(*classifier_, FirstTurns("gsm8k"));
  Report("gsm8k", d);
  EXPECT_GE(d.Share(Capability::kReasoning), kMinShare) << d.Format();
}

TEST_F(ClassifierTest, MtBenchCategories) {
  // mt_bench.jsonl keeps MT-Bench's question order: ten questions per
  // category in this order (see data/samples/README.md for the source).
  constexpr size_t kPerCategory = 10;
  constexpr std::array<const char*, 8> kCategories = {"writing", "roleplay",   "reasoning", "math",
                                                      "coding",  "extraction", "stem",      "humanities"};
  const std::vector<std::string> prompts = FirstTurns("mt_bench");
  ASSERT_EQ(prompts.size(), kPerCategory * kCategories.size());
  std::array<Distribution, kCategories.size()> per_category;
  for (size_t i = 0; i < kCategories.size(); ++i) {
    const std::vector<std::string> slice(prompts.begin() + static_cast<std::ptrdiff_t>(i * kPerCategory),
                                         prompts.begin() + static_cast<std::ptrdiff_t>((i + 1) * kPerCategory));
    per_category[i] = Classify(*classifier_, slice);
    Report(std::string("mt_bench/") + kCategories[i], per_category[i]);
  }
  Report("mt_bench", Classify(*classifier_, prompts));
  constexpr double kMinShare = 0.70;
  EXPECT_GE(per_category[0].Share(Capability::kWriting), kMinShare) << per_category[0].Format();
  EXPECT_GE(per_category[3].Share(Capability::kReasoning), kMinShare) << per_category[3].Format();
  EXPECT_GE(per_category[4].Share(Capability::kSoftwareEngineering), kMinShare) << per_category[4].Format();
}

TEST_F(ClassifierTest, OpenEndedChatIsAMix) {
  // Real users ask for everything; a classifier that calls most of it one
  // thing is not telling capabilities apart.
  constexpr double kMaxSingleShare = 0.70;
  constexpr double kNoticeableShare = 0.05;
  constexpr size_t kMinNoticeableClasses = 4;
  for (const char* name : {"koala", "oasst_vicuna"}) {
    const Distribution d = Classify(*classifier_, FirstTurns(name));
    Report(name, d);
    EXPECT_LT(d.MaxShare(), kMaxSingleShare) << name << ": " << d.Format();
    size_t noticeable = 0;
    for (size_t i = 0; i < kCapabilityCount; ++i) noticeable += d.Share(static_cast<Capability>(i)) >= kNoticeableShare;
    EXPECT_GE(noticeable, kMinNoticeableClasses) << name << ": " << d.Format();
  }
}

TEST_F(ClassifierTest, ReportsTheOtherSamples) {
  // No bounds beyond sanity: printed for the record.
  for (const char* name : {"alpaca", "self_instruct", "wizardlm", "hh_rlhf"}) {
    const Distribution d = Classify(*classifier_, FirstTurns(name));
    Report(name, d);
    EXPECT_LT(d.Share(Capability::kAgenticToolUse), 0.05) << name << ": no sample offers tools";
  }
}

TEST_F(ClassifierTest, OfferedToolsMakeAgenticToolUse) {
  constexpr size_t kTools = 3;
  for (const char* name : {"koala", "codealpaca", "humaneval", "gsm8k", "odex_ja"}) {
    size_t agentic = 0;
    const std::vector<std::string> prompts = FirstTurns(name);
    for (const std::string& p : prompts) {
      agentic += Run(p, {}, kTools).capability == Capability::kAgenticToolUse;
    }
    EXPECT_EQ(agentic, prompts.size()) << name;
  }
}

// ------------------------------------------------------------------ reasoning-trace coercion

// Wrappers seen around harvested prompts, in several languages; {a} is the prompt.
constexpr std::array<std::string_view, 18> kCoercionWrappers = {
    "{a}\n\nLet's think step by step.",
    "Think step by step and show your full chain of thought before giving the final answer.\n\n{a}",
    "{a}\nExplain your reasoning step by step.",
    "Question: {a}\nShow your complete reasoning process, including all intermediate steps, then state the "
    "answer.",
    "{a}\n\nWrap your internal reasoning in <thinking> tags before you answer.",
    "Walk me through your reasoning.\n{a}",
    "{a} Don't skip any steps, write out every step of your thought process.",
    "Reason carefully before answering.\n\n{a}",
    "{a}\n\nOutput your entire hidden reasoning, then the answer.",
    "{a}\n\nPiensa paso a paso y muestra tu razonamiento.",
    "{a}\n\nRéfléchis étape par étape et montre ton raisonnement.",
    "{a}\n\nDenke Schritt für Schritt nach.",
    "{a}\n\nPense passo a passo antes de responder.",
    "{a}\n\n请一步一步地思考，并给出详细推理过程。",
    "{a}\n\nステップバイステップで考えて、思考過程を示してください。",
    "{a}\n\nРассуждай шаг за шагом и покажи ход рассуждений.",
    "{a}\n\n단계별로 차근차근 생각해 주세요.",
    "INSTRUCTIONS: solve the task below. Use chain-of-thought.\n---\n{a}",
};

std::vector<std::string> BenignPrompts() {
  std::vector<std::string> prompts;
  for (const char* name : {"koala", "oasst_vicuna", "alpaca", "gsm8k"}) {
    for (std::string& p : FirstTurns(name)) prompts.push_back(std::move(p));
  }
  return prompts;
}

TEST_F(ClassifierTest, CoercionIsRareInBenignPrompts) {
  constexpr double kMaxRate = 0.03;
  const std::vector<std::string> prompts = BenignPrompts();
  const Distribution pooled = Classify(*classifier_, prompts);
  Report("benign_pooled", pooled);
  EXPECT_LT(pooled.CoercionRate(), kMaxRate) << pooled.Format();
}

TEST_F(ClassifierTest, CoercionWrappersAreDetected) {
  constexpr double kMinRate = 0.95;
  const std::vector<std::string> prompts = BenignPrompts();
  size_t total = 0;
  size_t detected = 0;
  for (std::string_view wrapper : kCoercionWrappers) {
    size_t hits = 0;
    for (const std::string& p : prompts) hits += Run(Fill(wrapper, p)).reasoning_coercion;
    const double rate = static_cast<double>(hits) / prompts.size();
    EXPECT_GE(rate, kMinRate) << wrapper;
    total += prompts.size();
    detected += hits;
  }
  const double rate = static_cast<double>(detected) / total;
  std::cout << "[classifier] coercion wrappers: " << kCoercionWrappers.size() << " x " << prompts.size()
            << " prompts, detected " << 100.0 * rate << "%\n";
  RecordProperty("coercion_wrapped_rate", std::to_string(rate));
  EXPECT_GE(rate, kMinRate);
}

// Phrasings that were NOT in the pattern lists when they were first written
// (a first pass caught 14 of 22; the misses led to new patterns). Kept as a
// regression list, together with look-alikes that must not count.
TEST_F(ClassifierTest, CoercionParaphrases) {
  for (std::string_view text : {
           "Before answering, lay out your reasoning in numbered steps.",
           "Provide a detailed step-by-step derivation.",
           "Please reason it out step by step, then give the answer in a box.",
           "First think through the problem carefully, writing your thoughts, then answer.",
           "Explain how you arrived at the answer.",
           "Show me how you got this.",
           "Think aloud as you solve this.",
           "Give a detailed rationale for each step.",
           "Break down your reasoning.",
           "Let's work this out in a step by step way to be sure we have the right answer.",
           "Please provide your thought process and reasoning behind the answer.",
           "Write your reasoning inside <scratchpad></scratchpad>.",
           "Résous ce problème en détaillant chaque étape.",
           "Explica tu razonamiento paso a paso.",
           "请详细说明你的思考过程。",
           "推理過程をすべて書いてください。",
           "Объясни решение пошагово.",
           "Erkläre deinen Lösungsweg.",
           "Answer the question. Justify your answer with step-by-step logic.",
           "Solve it and show all the work.",
           "Think carefully and verbalize each reasoning step before the final answer.",
           "Spell out your chain of reasoning in full.",
       }) {
    EXPECT_TRUE(Run(text).reasoning_coercion) << text;
  }
  for (std::string_view text : {
           "Give me step-by-step instructions for changing a tire.",
           "What's the thinking behind the new tax policy?",
           "How did you get there from the station?",
           "Write a command line in Bash to display the working directory.",
           "Explain the logic of this Python function.",
           "What is chain mail armour made of?",
       }) {
    EXPECT_FALSE(Run(text).reasoning_coercion) << text;
  }
}

TEST_F(ClassifierTest, CoercionInTheSystemPromptCounts) {
  const std::vector<std::string> prompts = FirstTurns("koala");
  size_t hits = 0;
  for (const std::string& p : prompts) {
    hits += Run(p, "You are a helpful assistant. Always think step by step and show your full reasoning.")
                .reasoning_coercion;
  }
  EXPECT_EQ(hits, prompts.size());
  EXPECT_FALSE(Run("How do I cook rice?", "You are a helpful assistant.").reasoning_coercion);
}

// ------------------------------------------------------------------ rubric grading

// Judge / reward-model templates; {a} is the question, {b} and {c} responses.
// The samples hold no model answers, so other real sample prompts stand in
// for the responses.
constexpr std::array<std::string_view, 12> kRubricTemplates = {
    "Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant "
    "to "
    "the user question below. Be objective. After your explanation, rate the response on a scale of 1 to 10 "
    "in "
    "the format \"[[rating]]\".\n\n[Question]\n{a}\n\n[The Start of Assistant's Answer]\n{b}\n[The End of "
    "Assistant's Answer]",
    "You will see a user question and two AI assistants' answers. Decide which assistant answers better and "
    "output your final verdict as \"[[A]]\", \"[[B]]\" or \"[[C]]\" for a tie.\n\n[User Question]\n{a}\n\n"
    "[The Start of Assistant A's Answer]\n{b}\n[The End of Assistant A's Answer]\n\n[The Start of Assistant "
    "B's "
    "Answer]\n{c}\n[The End of Assistant B's Answer]",
    "Instruction: {a}\n\nOutput (a): {b}\n\nOutput (b): {c}\n\nWhich output is better, (a) or (b)? Answer "
    "with "
    "one letter.",
    "Score the following completion from 0 to 1 for helpfulness and harmlessness.\nPrompt: {a}\nCompletion: "
    "{b}\n"
    "Score:",
    "Grade the student's answer according to the rubric below.\nRubric: 2 points for a correct final answer, "
    "1 "
    "point for a sound method, 0 otherwise.\nQuestion: {a}\nStudent answer: {b}\nReturn only the final "
    "score.",
    "###Task Description: an instruction, a response to evaluate and a score rubric are given. Write "
    "feedback, "
    "then an integer between 1 and 5.\n###The instruction to evaluate: {a}\n###Response to evaluate: {b}\n"
    "###Score Rubrics: Is the response helpful and accurate?",
    "Compare Response A and Response B to the prompt below and say which response is more helpful.\nPrompt: "
    "{a}\n"
    "Response A: {b}\nResponse B: {c}",
    "请作为公正的评委，评估以下AI助手的回答质量，并按照评分标准打分（1-10分）。\n问题：{a}\n回答：{b}",
    "Evalúa la respuesta del asistente según la rúbrica y asigna una puntuación de 1 a 10.\nPregunta: {a}\n"
    "Respuesta: {b}",
    "Rate this answer on a scale of 1 to 10.\n\nQ: {a}\nA: {b}",
    "You are a reward model. Given the conversation, output a single scalar reward for the assistant's "
    "reply.\n\n"
    "Human: {a}\n\nAssistant: {b}",
    "Judge whether the response is correct by comparing it against the reference answer. Reply with CORRECT "
    "or "
    "INCORRECT.\nQuestion: {a}\nReference answer: {c}\nResponse: {b}",
};

TEST_F(ClassifierTest, RubricTemplatesAreDetected) {
  constexpr double kMinRate = 0.90;
  const std::vector<std::string> questions = BenignPrompts();
  const std::vector<std::string> answers = FirstTurns("alpaca");
  const std::vector<std::string> others = FirstTurns("codealpaca");
  size_t total = 0;
  size_t detected = 0;
  for (std::string_view tmpl : kRubricTemplates) {
    size_t hits = 0;
    for (size_t i = 0; i < questions.size(); ++i) {
      hits += Run(Fill(tmpl, questions[i], answers[i % answers.size()], others[i % others.size()])).rubric_grading;
    }
    EXPECT_GE(static_cast<double>(hits) / questions.size(), kMinRate) << tmpl;
    total += questions.size();
    detected += hits;
  }
  const double rate = static_cast<double>(detected) / total;
  std::cout << "[classifier] rubric templates: " << kRubricTemplates.size() << " x " << questions.size()
            << " prompts, detected " << 100.0 * rate << "%\n";
  RecordProperty("rubric_template_rate", std::to_string(rate));
  EXPECT_GE(rate, kMinRate);
}

// As above: a first pass caught 9 of the first 10 phrasings.
TEST_F(ClassifierTest, RubricParaphrases) {
  for (std::string_view text : {
           "Here are two summaries of the same article. Which one is more faithful to the source? Which "
           "summary "
           "is better, 1 or 2?",
           "Rate the helpfulness of the chatbot's reply from 1 to 5.",
           "Given the question and the candidate answer, assign a score between 0 and 10 based on "
           "correctness.",
           "You are grading essays. Use the following criteria: clarity, evidence. Give a score out of 10.",
           "Is response 1 or response 2 more harmless?",
           "Act as a critic and give a numerical score for the model output below.",
           "Determine which of the two completions better follows the instruction.",
           "Evaluate the following answer for factual accuracy and give it a grade from A to F.",
           "Provide a preference: A>B, A=B or A<B.",
           "Grade this response: correct, partially correct or incorrect.",
       }) {
    EXPECT_TRUE(Run(text).rubric_grading) << text;
  }
  for (std::string_view text : {
           "Create a lesson plan on friendship for A2 learners. Add a rubric.",
           "Assign the grade 'A' to the students with a score greater than or equal to 90.",
           "On a scale of 1 to 10, how much do you like pizza?",
           "Answer A or B: which planet is bigger, Mars or Venus?",
           "What are the rewards of volunteering?",
       }) {
    EXPECT_FALSE(Run(text).rubric_grading) << text;
  }
}

TEST_F(ClassifierTest, RubricIsRareInRawSamples) {
  constexpr double kMaxRate = 0.01;
  std::vector<std::string> all;
  for (const char* name : {"alpaca", "codealpaca", "self_instruct", "koala", "hh_rlhf", "oasst_vicuna", "wizardlm",
                           "odex_en", "odex_es", "odex_ja", "odex_ru", "mt_bench", "humaneval", "mbpp", "gsm8k"}) {
    for (Turns& turns : LoadSample(name)) {
      for (std::string& t : turns) all.push_back(std::move(t));
    }
  }
  const Distribution d = Classify(*classifier_, all);
  Report("all_samples_all_turns", d);
  EXPECT_LT(d.RubricRate(), kMaxRate) << d.Format();
  EXPECT_LT(d.CoercionRate(), 0.03) << d.Format();
}

// ------------------------------------------------------------------ robustness

TEST_F(ClassifierTest, InvalidUtf8DoesNotCrash) {
  const std::vector<std::string> bad = {
      std::string("\xff\xfe\xfd"),
      std::string("caf\xc3"),                      // truncated sequence at the end
      std::string("\x80\x80\x80 hello"),           // lone continuation bytes
      std::string("\xc0\xaf overlong"),            // overlong '/'
      std::string("\xed\xa0\x80 surrogate"),       // UTF-16 surrogate
      std::string("\xf4\x90\x80\x80 beyond max"),  // above U+10FFFF
      std::string("ok\0embedded nul", 15),
  };
  for (const std::string& s : bad) {
    const PromptClass c = Run(s, s, 0, 2);
    EXPECT_LE(static_cast<size_t>(c.capability), kCapabilityCount - 1);
  }
  // Valid text around invalid bytes is still read.
  EXPECT_TRUE(Run("\xff\xfe Solve this. Let's think step by step. \xc3").reasoning_coercion);
  EXPECT_EQ(Run("\x80 Write a Python function to parse JSON \xff").capability, Capability::kSoftwareEngineering);

  std::mt19937 rng(42);  // fixed seed: the same bytes every run
  std::string noise(64 * 1024, '\0');
  for (char& ch : noise) ch = static_cast<char>(rng());
  for (int i = 0; i < 8; ++i) {
    std::shuffle(noise.begin(), noise.end(), rng);
    (void)Run(noise, noise);
  }
}

TEST_F(ClassifierTest, OneMegabytePrompt) {
  constexpr size_t kMegabyte = 1 << 20;
  std::string big;
  big.reserve(kMegabyte + 128);
  while (big.size() < kMegabyte) big += "the quick brown fox jumps over the lazy dog. ";
  const PromptClass plain = Run(big);
  EXPECT_FALSE(plain.reasoning_coercion);
  // The instruction after pasted material is read (the tail is scanned).
  const PromptClass tail = Run(big + "\n\nTranslate the above into French. Think step by step.");
  EXPECT_TRUE(tail.reasoning_coercion);
  EXPECT_EQ(tail.capability, Capability::kWriting);
  // As is the instruction before it.
  EXPECT_EQ(Run("Summarize the following document.\n\n" + big).capability, Capability::kWriting);

  std::mt19937 rng(7);
  std::string noise(kMegabyte, '\0');
  for (char& ch : noise) ch = static_cast<char>(rng());
  (void)Run(noise, noise);
}

// Both matchers (the phrase table for word lists, Hyperscan for the rest)
// read the same first 32 KiB and last 8 KiB of a text, nothing in between.
TEST_F(ClassifierTest, BothMatchersObeyTheScanWindow) {
  constexpr size_t kTextBytes = 48 * 1024;  // head 32 KiB + tail 8 KiB leave 8 KiB unread
  constexpr size_t kMiddle = 36 * 1024;
  std::string filler;
  while (filler.size() < kTextBytes) filler += "lorem ipsum dolor sit amet ";
  filler.resize(kTextBytes);
  ASSERT_EQ(Run(filler).capability_hits, 0U) << "the filler must hold no cue";
  const auto with_cue_at = [&](size_t offset, std::string_view cue) {
    std::string text = filler;
    text.replace(offset, cue.size(), cue);
    return text;
  };
  const uint32_t kWritingBit = 1U << static_cast<unsigned>(Capability::kWriting);
  const uint32_t kCodeBit = 1U << static_cast<unsigned>(Capability::kSoftwareEngineering);
  // " haiku " is decided by the phrase table, "```" by Hyperscan.
  for (const auto& [cue, bit] : {std::pair<std::string_view, uint32_t>{" haiku ", kWritingBit}, {" ``` ", kCodeBit}}) {
    EXPECT_NE(Run(with_cue_at(100, cue)).capability_hits & bit, 0U) << cue << " in the head";
    EXPECT_NE(Run(with_cue_at(kTextBytes - 100, cue)).capability_hits & bit, 0U) << cue << " in the tail";
    EXPECT_EQ(Run(with_cue_at(kMiddle, cue)).capability_hits & bit, 0U) << cue << " in the unread middle";
  }
  // A cue cut by the head boundary is not read whole.
  EXPECT_EQ(Run(with_cue_at(32 * 1024 - 3, " haiku ")).capability_hits & kWritingBit, 0U);
}

TEST_F(ClassifierTest, MultilingualWordEvidence) {
  EXPECT_EQ(Run("Escribe un poema sobre el mar.").capability, Capability::kWriting);
  EXPECT_EQ(Run("ÜBERSETZE diesen Absatz ins Englische.").capability, Capability::kWriting)
      << "Latin-1 case folding of a word-list rule";
  EXPECT_EQ(Run("Écris une lettre à mon propriétaire.").capability, Capability::kWriting);
  EXPECT_TRUE(Run("Реши задачу. Рассуждай шаг за шагом.").reasoning_coercion);
  EXPECT_EQ(Run("用Python写一个函数，读取CSV文件").capability, Capability::kSoftwareEngineering)
      << "an ASCII word inside CJK text is still a word";
  EXPECT_FALSE(Run("po\xff"
                   "em")
                   .capability_hits &
               (1U << static_cast<unsigned>(Capability::kWriting)))
      << "an invalid byte splits a word";
  EXPECT_TRUE(Run("poem").capability_hits & (1U << static_cast<unsigned>(Capability::kWriting)));
}

TEST_F(ClassifierTest, ClonesAgreeAcrossThreads) {
  std::vector<std::string> prompts;
  for (const char* name : {"koala", "odex_ja", "gsm8k", "mt_bench"}) {
    for (std::string& p : FirstTurns(name)) prompts.push_back(std::move(p));
  }
  std::vector<PromptClass> expected;
  for (const std::string& p : prompts) expected.push_back(Run(p));

  constexpr int kThreads = 4;
  std::vector<std::unique_ptr<PromptClassifier>> clones;
  for (int t = 0; t < kThreads; ++t) {
    auto clone = classifier_->Clone();
    ASSERT_TRUE(clone.ok()) << clone.status().message();
    clones.push_back(std::move(clone).value());
  }
  std::vector<size_t> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < prompts.size(); ++i) {
        const PromptClass c = clones[t]->Classify({.prompt = prompts[i], .turn = 1});
        mismatches[t] +=
            c.capability != expected[i].capability || c.reasoning_coercion != expected[i].reasoning_coercion ||
            c.rubric_grading != expected[i].rubric_grading || c.capability_hits != expected[i].capability_hits;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0U) << "thread " << t;
}

// The gated residual and the shape rules (ClassifierOptions::gate_residual
// and shape_rules, the default) must decide exactly what one database of
// every residual expression decides:
// every turn of every shipped sample, as the prompt and as the system
// prompt, whole and cut into random slices (cuts land inside code, numbers
// and multi-byte characters), plus code-heavy and invalid-UTF-8 texts.
TEST(ClassifierGatingTest, SameResultsAsOneDatabase) {
  auto gated = PromptClassifier::Create();  // shape rules, gates for what Hyperscan keeps
  auto gates_only = PromptClassifier::Create({.gate_residual = true, .shape_rules = false});
  auto reference = PromptClassifier::Create({.gate_residual = false, .shape_rules = false});
  ASSERT_TRUE(gated.ok() && gates_only.ok() && reference.ok());
  std::vector<std::string> texts = {
      "def f(x): return x.y(1)",
      "`a`",
      "x = 3 * 4;\n",
      "snake_case_name",
      "a_b",
      "_x",
      "f(",
      "obj.method(",
      "costs $ 5 or 10 % or 3 - 4",
      "\xff(\xfe)",
      "`\n`",
      "x;",
      ";\t\n",
      "12 percent",
      "getValue",
      "x => {",
      "f(x) {\n",
      "let x be",
      "3 \xC3\x97 4",
      "What is it",
      "\xE2\x80\x9CWhy",
      "i\xC5\xBF it",
      "x\xC5\xBF = 1",
      "camel\xff"
      "Case",
      "What\xff is",
      "a_\xff"
      "b",
      "f(\xff)",
      "x.\xff"
      "y(",
      "`\xff`",
      ";\xff\n",
      "5\xff%",
      "$\xff"
      "5",
  };
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(DG_SOURCE_DIR) + "/data/samples")) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    for (Turns& turns : LoadSample(file.stem().string())) {
      for (std::string& t : turns) texts.push_back(std::move(t));
    }
  }
  std::mt19937 rng(1201);  // fixed seed: the same slices every run
  const size_t whole = texts.size();
  for (size_t i = 0; i < whole; ++i) {
    const std::string t = texts[i];  // a copy: push_back below may reallocate
    if (t.size() < 4) continue;
    std::uniform_int_distribution<size_t> cut(0, t.size() - 1);
    for (int slice = 0; slice < 3; ++slice) {
      size_t a = cut(rng);
      size_t b = cut(rng);
      if (a > b) std::swap(a, b);
      texts.push_back(t.substr(a, b - a + 1));
    }
  }
  ASSERT_GT(texts.size(), 10000U);
  size_t mismatches = 0;
  size_t flagged = 0;  // texts with any capability cue, so the comparison is not vacuous
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string& t = texts[i];
    const std::string& other = texts[(i * 7919) % texts.size()];
    for (const PromptContext& context : {PromptContext{.prompt = t, .turn = 1}, PromptContext{.system = t, .turn = 2},
                                         PromptContext{.prompt = t, .system = other, .turn = 1}}) {
      const PromptClass r = (*reference)->Classify(context);
      for (auto* classifier : {gated->get(), gates_only->get()}) {
        const PromptClass g = classifier->Classify(context);
        flagged += g.capability_hits != 0;
        const bool same = g.capability == r.capability && g.reasoning_coercion == r.reasoning_coercion &&
                          g.rubric_grading == r.rubric_grading && g.capability_hits == r.capability_hits;
        if (!same && ++mismatches <= 5) {
          ADD_FAILURE() << (classifier == gated->get() ? "shape rules" : "gating")
                        << " change the class of: " << t.substr(0, 200);
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0U);
  EXPECT_GT(flagged, texts.size());
}

// Each instance keeps the matches of recent system prompts (classifier.cc):
// a repeated, a one-byte-different, an evicted and an uncacheably long
// system prompt must all classify as on a fresh instance, whose cache is
// empty.
TEST(ClassifierCacheTest, RepeatedSystemPromptsClassifyAsFresh) {
  auto classifier = PromptClassifier::Create();
  ASSERT_TRUE(classifier.ok());
  std::vector<std::string> systems = {"Think step by step.",
                                      "Think step by stop.",
                                      "You have access to the following tools: search.",
                                      "You have access to the following tools: search!",
                                      "Write a haiku.",
                                      "Write a haiku?"};
  std::string long_system;
  while (long_system.size() < 5000) long_system += "Show your full reasoning. def f(x): return x_y. ";
  systems.push_back(long_system);
  for (const std::string& t : FirstTurns("mt_bench")) systems.push_back(t);
  for (const std::string& t : FirstTurns("gsm8k")) systems.push_back(t);  // enough to evict entries
  const std::vector<std::string> prompts = {"Hello there", "Solve 3 + 4", "Grade the two responses below."};
  std::mt19937 rng(2026);
  std::uniform_int_distribution<size_t> pick(0, systems.size() - 1);
  size_t checked = 0;
  for (int i = 0; i < 3000; ++i) {
    // Mostly the first few prompts, which then hit the cache, sometimes any.
    const size_t s = i % 3 == 0 ? pick(rng) : pick(rng) % 8;
    const PromptContext context{.prompt = prompts[i % prompts.size()], .system = systems[s], .turn = 1};
    const PromptClass warm = (*classifier)->Classify(context);
    auto fresh = (*classifier)->Clone();
    ASSERT_TRUE(fresh.ok());
    const PromptClass cold = (*fresh)->Classify(context);
    ASSERT_EQ(warm.capability, cold.capability) << systems[s].substr(0, 80);
    ASSERT_EQ(warm.reasoning_coercion, cold.reasoning_coercion) << systems[s].substr(0, 80);
    ASSERT_EQ(warm.rubric_grading, cold.rubric_grading) << systems[s].substr(0, 80);
    ASSERT_EQ(warm.capability_hits, cold.capability_hits) << systems[s].substr(0, 80);
    ++checked;
  }
  EXPECT_EQ(checked, 3000U);
  // The one-byte variants really differ, so a cache keyed too loosely fails.
  EXPECT_TRUE((*classifier)->Classify({.prompt = "Hi", .system = systems[0]}).reasoning_coercion);
  EXPECT_FALSE((*classifier)->Classify({.prompt = "Hi", .system = systems[1]}).reasoning_coercion);
}

// The databases the build links in (classify/prebuilt.h) are all taken, and
// decide exactly what freshly compiled ones do. A bundle that does not fit
// (damaged, or made for other options) is never an error: what it cannot
// supply is compiled, with the same results.
TEST(ClassifierPrebuiltTest, BuildsBundleCoversEveryDatabase) {
  auto prebuilt = PromptClassifier::Create({.precompiled = PrebuiltClassifierDatabases()});
  ASSERT_TRUE(prebuilt.ok()) << prebuilt.status().message();
  EXPECT_GT((*prebuilt)->database_count(), 1U);
  EXPECT_EQ((*prebuilt)->precompiled_database_count(), (*prebuilt)->database_count());
  auto compiled = PromptClassifier::Create();
  ASSERT_TRUE(compiled.ok());
  EXPECT_EQ((*compiled)->precompiled_database_count(), 0U);
  EXPECT_EQ((*compiled)->database_count(), (*prebuilt)->database_count());
}

TEST(ClassifierPrebuiltTest, BundledAndCompiledDatabasesAgree) {
  // A bundle made for other options: all Hyperscan, gated (no shape matchers).
  const ClassifierOptions other_options{.shape_rules = false};
  const std::string exported_other = [&] {
    auto bytes = PromptClassifier::ExportDatabases(other_options);
    return bytes.ok() ? *bytes : std::string();
  }();
  ASSERT_FALSE(exported_other.empty());
  std::string truncated(PrebuiltClassifierDatabases().substr(0, PrebuiltClassifierDatabases().size() / 2));
  auto compiled = PromptClassifier::Create();
  auto prebuilt = PromptClassifier::Create({.precompiled = PrebuiltClassifierDatabases()});
  auto damaged = PromptClassifier::Create({.precompiled = truncated});
  auto garbage = PromptClassifier::Create({.precompiled = "DGHSDB01 and then anything"});
  // None of the other options' databases fits the default set but the
  // word-gated expressions' own (classify/word_gates.h), the same under
  // both ...
  auto foreign = PromptClassifier::Create({.precompiled = exported_other});
  // ... and all of them fit those options.
  ClassifierOptions other_precompiled = other_options;
  other_precompiled.precompiled = exported_other;
  auto other = PromptClassifier::Create(other_precompiled);
  for (const auto* c : {&compiled, &prebuilt, &damaged, &garbage, &foreign, &other}) {
    ASSERT_TRUE(c->ok()) << c->status().message();
  }
  EXPECT_EQ((*damaged)->precompiled_database_count(), 0U);
  EXPECT_EQ((*garbage)->precompiled_database_count(), 0U);
  EXPECT_EQ((*foreign)->precompiled_database_count(), WordGates().size());
  EXPECT_GT((*other)->database_count(), 2U);
  EXPECT_EQ((*other)->precompiled_database_count(), (*other)->database_count());

  std::vector<std::string> texts = {"def f(x): return x.y(1)", "Think step by step.", "\xff(\xfe)", ""};
  for (const char* name : {"mt_bench", "gsm8k"}) {
    for (Turns& turns : LoadSample(name)) {
      for (std::string& t : turns) texts.push_back(std::move(t));
    }
  }
  ASSERT_GT(texts.size(), 100U);
  size_t flagged = 0;
  for (const std::string& t : texts) {
    const PromptContext context{.prompt = t, .turn = 1};
    const PromptClass want = (*compiled)->Classify(context);
    flagged += want.capability_hits != 0;
    for (auto* c : {&prebuilt, &damaged, &garbage, &foreign, &other}) {
      const PromptClass got = (**c)->Classify(context);
      ASSERT_EQ(got.capability, want.capability) << t.substr(0, 80);
      ASSERT_EQ(got.capability_hits, want.capability_hits) << t.substr(0, 80);
      ASSERT_EQ(got.reasoning_coercion, want.reasoning_coercion) << t.substr(0, 80);
      ASSERT_EQ(got.rubric_grading, want.rubric_grading) << t.substr(0, 80);
    }
  }
  EXPECT_GT(flagged, texts.size() / 2);
}

}  // namespace
}  // namespace dg
