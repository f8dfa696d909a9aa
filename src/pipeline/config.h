// EngineConfig: every tunable of the pipeline, and its loading from a TOML
// file (docs/config.md documents each key; config/default.toml holds the
// defaults and a test keeps the two equal).
//
// Unknown keys are an error, not ignored: a misspelt threshold silently left
// at its default is how a security control fails quietly.
#ifndef DG_PIPELINE_CONFIG_H_
#define DG_PIPELINE_CONFIG_H_

#include <string>

#include "common/status.h"
#include "ingest/source.h"
#include "linkage/linker.h"
#include "scoring/policy.h"
#include "scoring/scorer.h"

namespace dg {

struct EngineConfig {
  IngestOptions ingest;
  ScoringWeights weights;
  PolicyConfig policy;
  LinkageConfig linkage;

  Status Validate() const;
};

// Parses TOML text (`origin` names it in error messages).
Result<EngineConfig> ParseConfig(const std::string& toml_text, const std::string& origin);
// Reads and parses a file; NotFound / IoError / InvalidArgument with the
// file, line and key in the message.
Result<EngineConfig> LoadConfigFile(const std::string& path);

}  // namespace dg

#endif  // DG_PIPELINE_CONFIG_H_
