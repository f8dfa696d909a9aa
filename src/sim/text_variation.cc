#include "sim/text_variation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>

namespace dg {
namespace {

// --- Word lists. Personas combine several of them with numbers, so two
// persons almost never end up with the same details.

constexpr std::string_view kChatOpeners[] = {
    "hey",
    "hi!",
    "Quick question:",
    "ok so",
    "Hello,",
    "Can you help me?",
    "Question -",
    "hmm,",
    "pls help:",
    "Hi there.",
    "Good morning!",
    "So,",
    "Help needed:",
    "yo",
    "Hey, another one:",
    "I was wondering:",
    "Random question:",
    "Hello again.",
};

constexpr std::string_view kChatClosers[] = {
    "thanks!",
    "thx",
    "ty",
    "Thanks in advance.",
    "please be brief",
    "explain like I'm 5",
    "in simple terms please",
    "with examples",
    "bullet points please",
    "(no fluff)",
    "Thank you so much!",
    "cheers",
    "keep it short",
    "step by step if possible",
    "asap",
    "answer in plain English",
    "no need for a long intro",
    "thanks :)",
};

constexpr std::string_view kJobs[] = {
    "nurse",
    "teacher",
    "student",
    "retired engineer",
    "barista",
    "accountant",
    "paralegal",
    "graphic designer",
    "truck driver",
    "pharmacist",
    "electrician",
    "stay-at-home dad",
    "small business owner",
    "PhD student",
    "HR manager",
    "real estate agent",
    "chef",
    "social worker",
    "librarian",
    "mechanic",
    "physiotherapist",
    "farmer",
    "translator",
    "project manager",
    "dental hygienist",
    "sales rep",
    "architect",
    "photographer",
};

constexpr std::string_view kCities[] = {
    "Leeds",   "Austin", "Lyon",      "Porto",       "Osaka",       "Pune",      "Calgary", "Gdansk",
    "Tucson",  "Bremen", "Valencia",  "Busan",       "Perth",       "Curitiba",  "Rosario", "Utrecht",
    "Glasgow", "Nagoya", "Cleveland", "Guadalajara", "Adelaide",    "Bologna",   "Tampere", "Cork",
    "Boise",   "Kraków", "Sapporo",   "Mysore",      "Quebec City", "Eindhoven",
};

constexpr std::string_view kRelations[] = {
    "daughter",    "son",     "nephew",      "niece",     "mom",  "dad",
    "grandmother", "partner", "best friend", "neighbour", "boss", "roommate",
};

constexpr std::string_view kEvents[] = {
    "birthday",         "wedding",      "job interview",  "exam",        "school project",
    "retirement party", "presentation", "first marathon", "move abroad", "book club",
};

constexpr std::string_view kHobbies[] = {
    "play the cello",         "restore old bikes", "run a small Etsy shop",  "keep bees",
    "play competitive chess", "bake sourdough",    "volunteer at a shelter", "learn Japanese",
    "climb on weekends",      "make short films",  "grow tomatoes",          "coach youth football",
};

constexpr std::string_view kCurrencies[] = {"dollars", "euros", "pounds", "CAD", "AUD", "reais"};

constexpr std::string_view kChatFollowUps[] = {
    "can you make it shorter?",
    "give me an example",
    "why is that?",
    "what would you recommend in my situation?",
    "ok, and what about the cost?",
    "Can you put that in a table?",
    "That's not quite right, try again",
    "Explain the second point in more detail.",
    "one more thing: how long would that take?",
    "in simpler words please",
    "What are the risks?",
    "make it more formal",
    "make it funnier",
    "Can you give me three alternatives?",
    "what's the source for that?",
    "and if I only have a weekend?",
    "can you rewrite it for a 10 year old?",
    "Which of these would you pick?",
    "ok that helps. next step?",
    "Summarize that in one sentence.",
};

// Follow-ups that pick up a word of the earlier turn ("{topic}"): people
// refer to what they asked, which keeps their follow-ups their own.
constexpr std::string_view kChatTopicFollowUpShapes[] = {
    "ok, but what about the {topic}?",
    "can you say more about {topic}?",
    "I don't get the part about {topic}",
    "is the {topic} bit really necessary?",
    "how does {topic} work exactly?",
    "what if I skip {topic}?",
    "wait, {topic}? explain",
    "any alternatives to {topic}?",
    "give me an example with {topic}",
    "so {topic} is the main thing?",
    "can you redo it but focus on {topic}",
    "what do most people get wrong about {topic}?",
};

constexpr std::string_view kProjectAdjectives[] = {
    "quiet", "rapid", "amber",  "blue",  "tiny",   "north", "open",  "lucky",
    "iron",  "paper", "silver", "green", "hidden", "solar", "urban", "polar",
};

constexpr std::string_view kProjectNouns[] = {
    "harbor", "ledger", "sprout", "falcon", "relay",   "atlas",   "pantry", "beacon",
    "orbit",  "canvas", "forge",  "meadow", "compass", "lantern", "tundra", "quill",
};

constexpr std::string_view kIdentifierStems[] = {
    "user", "order", "invoice", "sensor",  "event",    "row",     "item",    "ticket", "payload",
    "job",  "tx",    "sample",  "patient", "shipment", "reading", "session", "device", "score",
};

constexpr std::string_view kIdentifierSuffixes[] = {
    "_ids", "_df", "_list", "_map", "s", "_count", "_cfg", "_rows", "_by_date", "_batch", "_cache", "_idx",
};

constexpr std::string_view kFrameworks[] = {
    "Django",      "Flask", "FastAPI", "pandas",  "React",   "Express",
    "Spring Boot", "Rails", "numpy",   "PyTorch", "Next.js", "polars",
};

constexpr std::string_view kLanguages[] = {"python", "typescript", "java", "go", "ruby", "python"};

constexpr std::string_view kErrorTypes[] = {
    "KeyError",
    "TypeError",
    "ValueError",
    "AttributeError",
    "IndexError",
    "TypeError: Cannot read properties of undefined",
    "NullPointerException",
    "panic: runtime error",
};

constexpr std::string_view kDevOpeners[] = {
    "quick q:", "Question:", "hey,", "", "Help:", "noob question -", "ok another one:", "Hi!",
};

constexpr std::string_view kDevClosers[] = {
    "thanks",
    "thx",
    "just the code please",
    "explain briefly",
    "no external libs please",
    "keep it idiomatic",
    "short answer ok",
    "with comments please",
};

// A developer's own follow-ups, filled in from their code base once.
constexpr std::string_view kDevFollowUpShapes[] = {
    "that throws `{error}` on `{ident}`",       "it's too slow for {n}k rows",
    "can you do it with {framework} instead?",  "doesn't work, `{ident}` ends up empty",
    "how would I handle `{ident}` being None?",
};

// Developer follow-ups about the earlier question.
constexpr std::string_view kDevTopicFollowUpShapes[] = {
    "can you add type hints to the {topic} part?",
    "now make the {topic} step async",
    "write a unit test for the {topic} case",
    "what's the complexity of the {topic} loop?",
    "ok and how do I deploy the {topic} thing?",
    "does {topic} still work if the input is empty?",
    "why {topic} and not a dict?",
    "can you explain the {topic} line?",
    "refactor {topic} into its own function",
};

// --- Probabilities of the habits, drawn per person within these ranges.
constexpr double kChatLowercaseShare = 0.2;
constexpr double kChatDropsPunctuationShare = 0.25;
constexpr double kMaxTypoProbability = 0.5;
constexpr double kMinOpenerProbability = 0.15;
constexpr double kMaxOpenerProbability = 0.6;
constexpr double kMinCloserProbability = 0.15;
constexpr double kMaxCloserProbability = 0.55;
constexpr double kMinContextProbability = 0.2;
constexpr double kMaxContextProbability = 0.5;
constexpr double kMaxPasteProbability = 0.2;
constexpr double kDevLowercaseShare = 0.3;
constexpr double kMinRenameProbability = 0.3;
constexpr double kMaxRenameProbability = 0.8;
// A lowercase writer still capitalises now and then.
constexpr double kLowercaseApplyProbability = 0.85;
constexpr double kDropPunctuationApplyProbability = 0.7;
constexpr double kSecondTypoProbability = 0.3;
// Follow-ups are short and say less about the person.
constexpr double kFollowUpContextScale = 0.5;
constexpr double kTopicFollowUpProbability = 0.85;
// Few people send a sample text exactly as it is: when none of the habits
// above changed a prompt, one personal touch is added with this probability.
constexpr double kPersonalTouchProbability = 0.9;
// Short follow-ups ("make it shorter") are sent verbatim more often.
constexpr double kFollowUpTouchProbability = 0.8;
// Words shorter than this make poor topics ("the", "what").
constexpr size_t kMinTopicLength = 5;

constexpr int kPersonalOpeners = 3;
constexpr int kPersonalClosers = 3;
constexpr int kPersonalContexts = 4;
constexpr int kPersonalPastes = 2;
constexpr int kPersonalFollowUps = 8;
constexpr int kPersonalIdentifiers = 8;

constexpr int kMaxIdentifierLength = 24;

// Ranges of the numbers people put in their details; wide ranges keep two
// people's details apart.
constexpr int64_t kMinDetailNumber = 2;
constexpr int64_t kMaxDetailNumber = 95;
constexpr int64_t kMaxLineNumber = 900;
constexpr int64_t kMaxThousandsOfRows = 900;
constexpr int64_t kMaxLimit = 5000;

std::string MakeChatContext(SimRng& rng) {
  enum Shape {
    kJobCity,
    kRelationAge,
    kMinutesBefore,
    kWordLimit,
    kBudget,
    kAgeHobby,
    kFamilyCity,
    kHobbyYears,
    kShapes
  };
  const int shape = static_cast<int>(rng.UniformInt(0, kShapes - 1));
  const int64_t number = rng.UniformInt(kMinDetailNumber, kMaxDetailNumber);
  const std::string_view job = rng.Pick(kJobs);
  const std::string_view city = rng.Pick(kCities);
  const std::string_view relation = rng.Pick(kRelations);
  const std::string_view event = rng.Pick(kEvents);
  const std::string_view hobby = rng.Pick(kHobbies);
  const std::string_view currency = rng.Pick(kCurrencies);
  constexpr int64_t kBudgetUnit = 50;
  constexpr int64_t kWordUnit = 25;
  constexpr int64_t kAdultAge = 18;
  constexpr int64_t kAdultAges = 60;
  constexpr int64_t kMinFamily = 2;
  constexpr int64_t kFamilySizes = 7;
  constexpr int64_t kMaxHobbyYears = 30;
  switch (shape) {
    case kJobCity:
      return fmt::format("I'm a {} in {}.", job, city);
    case kRelationAge:
      return fmt::format("It's for my {}, who is {}.", relation, number);
    case kMinutesBefore:
      return fmt::format("I have {} minutes before my {}.", number, event);
    case kWordLimit:
      return fmt::format("Keep it under {} words.", number * kWordUnit);
    case kBudget:
      return fmt::format("My budget is about {} {}.", number * kBudgetUnit, currency);
    case kAgeHobby:
      return fmt::format("Context: I'm {} and I {}.", number % kAdultAges + kAdultAge, hobby);
    case kFamilyCity:
      return fmt::format("We're a family of {} living in {}.", number % kFamilySizes + kMinFamily, city);
    default:
      return fmt::format("I {} and have done so for {} years.", hobby, number % kMaxHobbyYears + 1);
  }
}

std::string MakeChatPaste(SimRng& rng) {
  const std::string_view job = rng.Pick(kJobs);
  const std::string_view city = rng.Pick(kCities);
  const std::string_view event = rng.Pick(kEvents);
  constexpr int64_t kMaxYears = 40;
  constexpr int64_t kLastDayInEveryMonth = 28;
  const int64_t years = rng.UniformInt(1, kMaxYears);
  const int64_t day = rng.UniformInt(1, kLastDayInEveryMonth);
  return fmt::format(
      "Here's what I wrote so far: \"I have worked as a {} in {} for {} years, and on the {}th I "
      "have my {}.\"",
      job, city, years, day, event);
}

std::string MakeIdentifier(SimRng& rng) {
  const std::string_view stem = rng.Pick(kIdentifierStems);
  const std::string_view suffix = rng.Pick(kIdentifierSuffixes);
  return fmt::format("{}{}", stem, suffix);
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > kMaxIdentifierLength) return false;
  const auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; };
  return std::isdigit(static_cast<unsigned char>(s[0])) == 0 && std::all_of(s.begin(), s.end(), word_char);
}

bool IsAsciiLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// One keyboard slip at a random ASCII letter: swap with the next letter,
// drop it or double it. Text without ASCII letters is left alone.
void AddTypo(std::string* text, SimRng& rng) {
  constexpr int kAttempts = 8;
  if (text->size() < 2) return;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const size_t i = rng.Index(text->size() - 1);
    if (!IsAsciiLetter((*text)[i]) || !IsAsciiLetter((*text)[i + 1])) continue;
    enum Slip { kSwap, kDrop, kDouble, kSlips };
    switch (rng.UniformInt(0, kSlips - 1)) {
      case kSwap:
        std::swap((*text)[i], (*text)[i + 1]);
        break;
      case kDrop:
        text->erase(i, 1);
        break;
      default:
        text->insert(i, 1, (*text)[i]);
        break;
    }
    return;
  }
}

// Long words that say nothing about the topic.
constexpr std::string_view kNotTopics[] = {
    "about",
    "above",
    "after",
    "again",
    "answer",
    "below",
    "being",
    "could",
    "every",
    "explain",
    "following",
    "function",
    "given",
    "input",
    "other",
    "please",
    "really",
    "should",
    "still",
    "thanks",
    "their",
    "there",
    "these",
    "thing",
    "things",
    "think",
    "those",
    "using",
    "where",
    "which",
    "while",
    "without",
    "would",
    "write",
    "logged",
    "Write",
    "Given",
    "Create",
    "create",
    // Words of the coding agents' task framings.
    "tests",
    "touch",
    "style",
    "existing",
    "update",
    "public",
};

// A random longer ASCII word of `text` (a crude topic), or empty.
std::string_view TopicWord(std::string_view text, SimRng& rng) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsAsciiLetter(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && IsAsciiLetter(text[i])) ++i;
    const std::string_view word = text.substr(start, i - start);
    if (word.size() >= kMinTopicLength &&
        std::find(std::begin(kNotTopics), std::end(kNotTopics), word) == std::end(kNotTopics)) {
      words.push_back(word);
    }
  }
  return words.empty() ? std::string_view() : words[rng.Index(words.size())];
}

template <size_t N>
std::vector<std::string> PickSome(const std::string_view (&pool)[N], int count, SimRng& rng) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) out.emplace_back(rng.Pick(pool));
  return out;
}

}  // namespace

WritingStyle WritingStyle::RandomChatUser(SimRng& rng) {
  WritingStyle s;
  s.lowercase_ = rng.Bernoulli(kChatLowercaseShare);
  s.drops_final_punctuation_ = rng.Bernoulli(kChatDropsPunctuationShare);
  s.typo_probability_ = rng.Uniform(0, kMaxTypoProbability);
  s.opener_probability_ = rng.Uniform(kMinOpenerProbability, kMaxOpenerProbability);
  s.closer_probability_ = rng.Uniform(kMinCloserProbability, kMaxCloserProbability);
  s.context_probability_ = rng.Uniform(kMinContextProbability, kMaxContextProbability);
  s.paste_probability_ = rng.Uniform(0, kMaxPasteProbability);
  s.openers_ = PickSome(kChatOpeners, kPersonalOpeners, rng);
  s.closers_ = PickSome(kChatClosers, kPersonalClosers, rng);
  for (int i = 0; i < kPersonalContexts; ++i) s.contexts_.push_back(MakeChatContext(rng));
  for (int i = 0; i < kPersonalPastes; ++i) s.pastes_.push_back(MakeChatPaste(rng));
  s.follow_ups_ = PickSome(kChatFollowUps, kPersonalFollowUps, rng);
  const std::string_view hobby = rng.Pick(kHobbies);
  s.project_ = std::string(hobby);
  return s;
}

WritingStyle WritingStyle::RandomDeveloper(SimRng& rng) {
  WritingStyle s;
  s.developer_ = true;
  s.lowercase_ = rng.Bernoulli(kDevLowercaseShare);
  s.typo_probability_ = rng.Uniform(0, kMaxTypoProbability);
  s.opener_probability_ = rng.Uniform(kMinOpenerProbability, kMaxOpenerProbability);
  s.closer_probability_ = rng.Uniform(kMinCloserProbability, kMaxCloserProbability);
  s.context_probability_ = rng.Uniform(kMinContextProbability, kMaxContextProbability);
  s.paste_probability_ = rng.Uniform(0, kMaxPasteProbability);
  s.rename_probability_ = rng.Uniform(kMinRenameProbability, kMaxRenameProbability);
  const std::string_view adjective = rng.Pick(kProjectAdjectives);
  const std::string_view noun = rng.Pick(kProjectNouns);
  s.project_ = fmt::format("{}-{}", adjective, noun);
  for (int i = 0; i < kPersonalIdentifiers; ++i) s.identifiers_.push_back(MakeIdentifier(rng));
  const std::string_view framework = rng.Pick(kFrameworks);
  const std::string_view language = rng.Pick(kLanguages);

  for (const std::string_view opener : kDevOpeners) {
    if (!opener.empty()) s.openers_.emplace_back(opener);
  }
  s.openers_.push_back(fmt::format("In {} ({}):", s.project_, framework));
  s.openers_.push_back(fmt::format("{} question:", language));
  s.closers_ = PickSome(kDevClosers, kPersonalClosers, rng);

  // Contexts: what they paste after the question, built from their own code.
  for (int i = 0; i < kPersonalContexts; ++i) {
    const std::string& a = s.identifiers_[rng.Index(s.identifiers_.size())];
    const std::string& b = s.identifiers_[rng.Index(s.identifiers_.size())];
    const std::string_view error = rng.Pick(kErrorTypes);
    const int64_t line = rng.UniformInt(1, kMaxLineNumber);
    const int64_t rows = rng.UniformInt(1, kMaxThousandsOfRows);
    enum Shape { kError, kVolume, kStack, kShapes };
    switch (i % kShapes) {
      case kError:
        s.contexts_.push_back(fmt::format("I get `{}` on line {} of {}.py", error, line, a));
        break;
      case kVolume:
        s.contexts_.push_back(fmt::format("It has to handle about {}k rows from `{}`.", rows, b));
        break;
      default:
        s.contexts_.push_back(fmt::format("We're on {} in the {} repo.", framework, s.project_));
        break;
    }
  }
  for (int i = 0; i < kPersonalPastes; ++i) {
    const std::string& a = s.identifiers_[rng.Index(s.identifiers_.size())];
    const std::string& b = s.identifiers_[rng.Index(s.identifiers_.size())];
    const int64_t limit = rng.UniformInt(1, kMaxLimit);
    s.pastes_.push_back(
        fmt::format("What I have so far:\n```{}\n{} = load_{}(limit={})\nfor x in {}:\n    process(x)\n```", language,
                    a, b, limit, a));
  }
  for (const std::string_view shape : kDevFollowUpShapes) {
    const std::string& ident = s.identifiers_[rng.Index(s.identifiers_.size())];
    const std::string_view error = rng.Pick(kErrorTypes);
    const int64_t rows = rng.UniformInt(1, kMaxThousandsOfRows);
    s.follow_ups_.push_back(fmt::format(fmt::runtime(shape), fmt::arg("error", error), fmt::arg("ident", ident),
                                        fmt::arg("n", rows), fmt::arg("framework", framework)));
  }
  return s;
}

std::string WritingStyle::RenameIdentifiers(std::string_view text, SimRng& rng) const {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find('`', pos);
    if (open == std::string_view::npos) break;
    const size_t close = text.find('`', open + 1);
    if (close == std::string_view::npos) break;
    const std::string_view inside = text.substr(open + 1, close - open - 1);
    out.append(text.substr(pos, open + 1 - pos));
    if (IsIdentifier(inside) && rng.Bernoulli(rename_probability_)) {
      out.append(identifiers_[rng.Index(identifiers_.size())]);
    } else {
      out.append(inside);
    }
    out.push_back('`');
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

std::string WritingStyle::ApplyHabits(std::string text, SimRng& rng) const {
  if (lowercase_ && rng.Bernoulli(kLowercaseApplyProbability)) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (rng.Bernoulli(typo_probability_)) {
    AddTypo(&text, rng);
    if (rng.Bernoulli(kSecondTypoProbability)) AddTypo(&text, rng);
  }
  if (drops_final_punctuation_ && !text.empty() && (text.back() == '?' || text.back() == '.') &&
      rng.Bernoulli(kDropPunctuationApplyProbability)) {
    text.pop_back();
  }
  return text;
}

std::string WritingStyle::Personalize(std::string_view base, SimRng& rng) const {
  std::string text = developer_ && !identifiers_.empty() ? RenameIdentifiers(base, rng) : std::string(base);
  text = ApplyHabits(std::move(text), rng);
  if (!openers_.empty() && rng.Bernoulli(opener_probability_)) {
    text = fmt::format("{} {}", openers_[rng.Index(openers_.size())], text);
  }
  if (!contexts_.empty() && rng.Bernoulli(context_probability_)) {
    const std::string& context = contexts_[rng.Index(contexts_.size())];
    // Developers put details on their own paragraph; chat users inline.
    text = developer_ ? fmt::format("{}\n\n{}", text, context) : fmt::format("{} {}", text, context);
  }
  if (!pastes_.empty() && rng.Bernoulli(paste_probability_)) {
    text = fmt::format("{}\n\n{}", text, pastes_[rng.Index(pastes_.size())]);
  }
  if (!closers_.empty() && rng.Bernoulli(closer_probability_)) {
    text = fmt::format("{} {}", text, closers_[rng.Index(closers_.size())]);
  }
  if (text == base && rng.Bernoulli(kPersonalTouchProbability)) AddPersonalTouch(&text, rng);
  return text;
}

void WritingStyle::AddPersonalTouch(std::string* text, SimRng& rng) const {
  enum Touch { kOpener, kContext, kCloser, kTouches };
  switch (rng.UniformInt(0, kTouches - 1)) {
    case kOpener:
      if (!openers_.empty()) {
        *text = fmt::format("{} {}", openers_[rng.Index(openers_.size())], *text);
        return;
      }
      break;
    case kContext:
      if (!contexts_.empty()) {
        *text = fmt::format("{} {}", *text, contexts_[rng.Index(contexts_.size())]);
        return;
      }
      break;
    default:
      break;
  }
  if (!closers_.empty()) *text = fmt::format("{} {}", *text, closers_[rng.Index(closers_.size())]);
}

std::string WritingStyle::Restyle(std::string_view text, SimRng& rng) const {
  std::string out = ApplyHabits(std::string(text), rng);
  if (!closers_.empty() && rng.Bernoulli(closer_probability_)) {
    out = fmt::format("{} {}", out, closers_[rng.Index(closers_.size())]);
  }
  if (out == text && rng.Bernoulli(kPersonalTouchProbability)) AddPersonalTouch(&out, rng);
  return out;
}

std::string WritingStyle::FollowUp(std::string_view earlier_prompt, SimRng& rng) const {
  const std::string_view topic = TopicWord(earlier_prompt, rng);
  std::string text;
  if (!topic.empty() && rng.Bernoulli(kTopicFollowUpProbability)) {
    const std::string_view shape = developer_ ? rng.Pick(kDevTopicFollowUpShapes) : rng.Pick(kChatTopicFollowUpShapes);
    text = fmt::format(fmt::runtime(shape), fmt::arg("topic", topic));
  } else {
    text = follow_ups_[rng.Index(follow_ups_.size())];
  }
  const std::string plain = text;
  text = ApplyHabits(std::move(text), rng);
  if (!contexts_.empty() && rng.Bernoulli(context_probability_ * kFollowUpContextScale)) {
    text = fmt::format("{} {}", text, contexts_[rng.Index(contexts_.size())]);
  }
  if (!closers_.empty() && rng.Bernoulli(closer_probability_)) {
    text = fmt::format("{} {}", text, closers_[rng.Index(closers_.size())]);
  }
  if (text == plain && rng.Bernoulli(kFollowUpTouchProbability)) AddPersonalTouch(&text, rng);
  return text;
}

}  // namespace dg
