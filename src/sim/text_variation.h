// WritingStyle: how one simulated person phrases what they send, so that
// benign users who draw from the same small prompt samples still write their
// own prompts (real users rarely send byte-identical text).
//
// Part of the sim module, used by the benign traffic generators. A style is
// drawn once per account: habits (lower case, typos, dropped punctuation),
// personal openers and sign-offs, details of the person's own life or code
// base (a city, a child's age, a project and its identifiers, an error
// message) that they paste into prompts, and follow-up turns in the same
// voice. Attack traffic does not use it: campaigns send templated prompts.
//
// Thread-safety: a WritingStyle is immutable after construction; the
// SimRng passed to each call carries the randomness.
#ifndef DG_SIM_TEXT_VARIATION_H_
#define DG_SIM_TEXT_VARIATION_H_

#include <string>
#include <string_view>
#include <vector>

#include "sim/random.h"

namespace dg {

class WritingStyle {
 public:
  // A chat user: casual openers and sign-offs, details of their own life.
  static WritingStyle RandomChatUser(SimRng& rng);
  // A developer: their project, identifiers, stack and error messages.
  static WritingStyle RandomDeveloper(SimRng& rng);

  // `base` (a prompt from a sample) as this person would send it.
  std::string Personalize(std::string_view base, SimRng& rng) const;

  // A later turn of a conversation (text the person wrote anyway) with this
  // person's habits: lighter than Personalize, an opener or detail only when
  // nothing else changed it.
  std::string Restyle(std::string_view text, SimRng& rng) const;

  // A follow-up turn in this person's voice. `earlier_prompt` is the turn it
  // follows up on; follow-ups often pick up a word from it.
  std::string FollowUp(std::string_view earlier_prompt, SimRng& rng) const;

  // One detail of the person's life or code base, as they would paste it.
  const std::string& RandomDetail(SimRng& rng) const { return contexts_[rng.Index(contexts_.size())]; }

  // The person's own project (developers) or a topic of theirs (chat users),
  // e.g. for repository or document names.
  const std::string& project() const { return project_; }
  const std::vector<std::string>& identifiers() const { return identifiers_; }

 private:
  WritingStyle() = default;

  std::string ApplyHabits(std::string text, SimRng& rng) const;
  std::string RenameIdentifiers(std::string_view text, SimRng& rng) const;
  // One opener, detail or sign-off of this person's.
  void AddPersonalTouch(std::string* text, SimRng& rng) const;

  bool developer_ = false;
  bool lowercase_ = false;
  bool drops_final_punctuation_ = false;
  double typo_probability_ = 0;
  double opener_probability_ = 0;
  double closer_probability_ = 0;
  double context_probability_ = 0;
  double paste_probability_ = 0;
  double rename_probability_ = 0;
  std::vector<std::string> openers_;
  std::vector<std::string> closers_;
  std::vector<std::string> contexts_;
  std::vector<std::string> pastes_;
  std::vector<std::string> follow_ups_;
  std::vector<std::string> identifiers_;
  std::string project_;
};

}  // namespace dg

#endif  // DG_SIM_TEXT_VARIATION_H_
