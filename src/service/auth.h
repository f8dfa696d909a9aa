// TokenSet: bearer-token authorisation of the decision service.
//
// Service stage, in front of every handler but GET /healthz. Two scopes: a
// read token may check decisions and read state; a write token may also post
// events, set overrides and reload the config. Tokens come from the [service]
// config section and from the environment (DG_READ_TOKENS, DG_WRITE_TOKENS,
// comma-separated), so that secrets need not sit in a file. Tokens are
// compared in constant time and never appear in any message.
//
// Thread-safety: immutable after construction; share it freely.
#ifndef DG_SERVICE_AUTH_H_
#define DG_SERVICE_AUTH_H_

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config.h"

namespace dg {

enum class Scope { kNone, kRead, kWrite };

inline constexpr const char* kReadTokensEnv = "DG_READ_TOKENS";
inline constexpr const char* kWriteTokensEnv = "DG_WRITE_TOKENS";

class TokenSet {
 public:
  TokenSet() = default;
  // The tokens of `options` plus those in the environment variables.
  static TokenSet FromOptions(const ServiceOptions& options);
  TokenSet(std::vector<std::string> read, std::vector<std::string> write);

  // No token configured: the service is open to anyone who can connect.
  bool open() const { return read_.empty() && write_.empty(); }
  // What an Authorization header value grants: kWrite, kRead, or kNone when
  // it is missing, not "Bearer <token>", or the token is unknown. An open
  // set grants kWrite to everyone.
  Scope Authorize(std::string_view authorization) const;

 private:
  std::vector<std::string> read_;
  std::vector<std::string> write_;
};

}  // namespace dg

#endif  // DG_SERVICE_AUTH_H_
