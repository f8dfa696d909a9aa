// Template sketches: one-permutation MinHash (with densification) over the
// shingles of a prompt whose variable parts are masked, and LSH band keys.
//
// Pipeline: classify -> features -> **sketch** -> linkage. The linkage index
// uses the band keys to find accounts that send near-duplicate templates
// (the same wrapper or form filled with different content), and intel export
// ships the signatures so another provider can match templates without
// seeing a prompt. The signature of a text depends only on the text (fixed
// seeds), so signatures from different processes and machines compare.
//
// Masking (why): campaign templates differ in their fill (numbers, names,
// quoted or pasted spans, code), so those are replaced by placeholders
// before shingling: a token with a digit becomes "#", a quoted span "<q>",
// a fenced code block "<code>", a URL "<url>". Words are lower-cased ASCII
// alphanumeric runs; every other non-space UTF-8 sequence is a word of its
// own per code point for CJK-like scripts and per run otherwise.
//
// Thread-safety: free functions, reentrant.
#ifndef DG_SKETCH_MINHASH_H_
#define DG_SKETCH_MINHASH_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace dg {

inline constexpr size_t kSketchHashes = 64;                          // bins of the one-permutation MinHash
inline constexpr size_t kSketchBands = 16;                           // LSH bands ...
inline constexpr size_t kSketchRows = kSketchHashes / kSketchBands;  // ... of 4 rows
inline constexpr size_t kShingleWords = 5;                           // words per shingle
// Only this many bytes of a text are sketched: templates show in their first
// few KiB, and the cost must not grow with 300 KB pastes.
inline constexpr size_t kSketchMaxBytes = 4096;
// Identifies the scheme in exported bundles; change it when anything above changes.
inline constexpr std::string_view kSketchScheme = "dg-oph-v1";

using TemplateSketch = std::array<uint32_t, kSketchHashes>;
using BandKeys = std::array<uint64_t, kSketchBands>;

// Hashes of the masked words of `text` (at most kSketchMaxBytes read), appended to `out`.
void MaskedWordHashes(std::string_view text, std::vector<uint64_t>* out);

// The sketch of a word-hash sequence. Shingles are kShingleWords consecutive
// words; a text with fewer words is one shingle. Returns false (sketch left
// all-0xffffffff) for an empty sequence.
bool SketchWords(const std::vector<uint64_t>& words, TemplateSketch* sketch);

// Convenience: MaskedWordHashes + SketchWords. `scratch` is reused between calls.
bool ComputeSketch(std::string_view text, TemplateSketch* sketch, std::vector<uint64_t>* scratch);

// One 64-bit key per band (band index mixed in, so equal rows in different
// bands do not collide).
BandKeys ComputeBandKeys(const TemplateSketch& sketch);
// Key of band `band` (< kSketchBands) alone, equal to ComputeBandKeys(sketch)[band]:
// linkage uses only the first few bands, and hashing all sixteen per prompt
// doubled that work.
uint64_t BandKey(const TemplateSketch& sketch, size_t band);

// Share of equal bins: an unbiased estimate of the Jaccard similarity of the
// two shingle sets.
double EstimateJaccard(const TemplateSketch& a, const TemplateSketch& b);

}  // namespace dg

#endif  // DG_SKETCH_MINHASH_H_
