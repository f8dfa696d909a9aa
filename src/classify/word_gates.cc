// The gated expressions; the header states the contract.
#include "classify/word_gates.h"

namespace dg {
namespace {

constexpr WordGate kGates[] = {
    // "think ... step by step". Its literal "step[- ]by[- ]step" follows a
    // space (the one after the leading verb, or the last of the repeated
    // group, every alternative of which ends in one) and the first "step" is
    // followed by '-' or ' ': so "step" is a whole word of every match.
    {R"p(\b(think|thinking|reason|reasoning|solve|solving|work|working|answer|explain|explaining|go|going|derive|calculate|compute|figure|break (it|this) down|proceed|approach (it|this)|analy[sz]e) (it |this |that |the (problem|question|answer) |through (it|this|the problem|each step) |out |everything )*step[- ]by[- ]step\b)p",
     {"step"}},
};

}  // namespace

std::span<const WordGate> WordGates() { return kGates; }

}  // namespace dg
