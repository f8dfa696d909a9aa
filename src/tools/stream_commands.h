// The scale-out subcommands (docs/scale-out.md): `publish`, `worker`,
// `kv-dump`, `kv-watch`. Kept beside main.cc so that main.cc only registers
// and dispatches them.
#ifndef DG_TOOLS_STREAM_COMMANDS_H_
#define DG_TOOLS_STREAM_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace dg {

struct StreamCommands {
  CLI::App* publish = nullptr;
  CLI::App* worker = nullptr;
  CLI::App* kv_dump = nullptr;
  CLI::App* kv_watch = nullptr;

  std::vector<std::string> nats;
  std::string config_path;
  std::vector<std::string> inputs;
  int64_t partitions = 0;  // 0: from the config
  int64_t replicas = 0;
  bool quiet = false;
  uint32_t worker_index = 0;
  uint32_t workers = 1;
  std::string worker_id;
  std::string dump_accounts;
  bool no_stage2 = false;
  std::string prefix;
  double for_s = 0;
  double rate = 0;
};

void AddStreamCommands(CLI::App& app, StreamCommands* c);

class DecisionService;
// `serve --nats`: a thread that watches DG_DECISIONS (bucket named by the
// config's [stream] table) and puts every account's decision into the
// service's decision table until *stop is set; it reconnects on errors.
std::thread StartDecisionWatch(const std::vector<std::string>& nats, const std::string& config_path,
                               DecisionService* service, std::atomic<bool>* stop);
// The exit code when one of the commands was given, else nullopt.
std::optional<int> RunStreamCommands(const StreamCommands& c);

}  // namespace dg

#endif  // DG_TOOLS_STREAM_COMMANDS_H_
