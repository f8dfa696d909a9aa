// Worker: one `distillguard worker` process of the scale-out over NATS
// JetStream (docs/scale-out.md). Every worker runs both stages:
//
//   DG_EVENTS (dg.events.<p>)
//     -> stage 1, per owned partition p (durable pull consumer dg-p<p>):
//        decode, classify the prompt, publish a ClassifiedRecord to
//        DG_CLASSIFIED (dg.classified.<p>, message id "s<seq>"), and ack the
//        input only once that publish is acknowledged
//     -> stage 2, in exactly one worker at a time (lease "stage2" in
//        DG_LEASES): an ordered consumer of DG_CLASSIFIED, the Sequencer
//        (back to DG_EVENTS order), RequestIdDedup, Engine::Process with the
//        precomputed class, and the decisions and campaigns put into the
//        DG_DECISIONS bucket when they change
//
// Partition p belongs to worker p % workers (static assignment). Stage 2's
// input is DG_EVENTS in sequence order whatever the number of workers, so
// its decisions do not depend on it. A worker that becomes stage-2 leader
// rebuilds the engine by replaying DG_CLASSIFIED from the start; it puts
// nothing into DG_DECISIONS until it has caught up with where the stream was
// when it took over, then puts every account once.
//
// Thread-safety: Run() blocks and uses two threads of its own; `stop` may be
// set from any thread.
#ifndef DG_STREAM_WORKER_H_
#define DG_STREAM_WORKER_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "pipeline/config.h"

namespace dg {

// How long stage 1 has to process a message before JetStream redelivers it.
inline constexpr int64_t kStage1AckWaitMs = 10'000;
// Stage 2 refreshes its lease, sweeps every account for changes and writes
// its status this often.
inline constexpr int64_t kStage2TickMs = 250;

struct WorkerOptions {
  EngineConfig config;  // config.stream: the topology
  uint32_t worker_index = 0;
  uint32_t workers = 1;
  std::string worker_id;  // names the worker in the lease and status ("" : w<index>)
  bool stage1 = true;
  bool stage2 = true;  // compete for the stage-2 lease
  // When leader: writes accounts.jsonl (as `scan` does) here whenever caught
  // up and idle, and names it in the status key.
  std::string dump_accounts_path;
};

// What a worker did, for its log line at exit.
struct WorkerStats {
  std::atomic<uint64_t> classified{0};   // stage-1 inputs stored in DG_CLASSIFIED and acked
  std::atomic<uint64_t> redelivered{0};  // of which JetStream had delivered before (a worker died or timed out)
  std::atomic<uint64_t> terms{0};        // times this worker became stage-2 leader
  std::atomic<uint64_t> stepdowns{0};    // stuck partition consumers asked to change leader
  std::atomic<uint64_t> restarts{0};     // stage runs ended by a NATS error and started again
};

// Runs until *stop is set (Ok) or a stage fails (its error). Losing the
// stage-2 lease is not a failure: the worker competes for it again. Nor is a
// NATS error (IoError: a node restarting, a leader election, a request
// timing out): that stage starts again after a pause (stage 1 resumes from
// its durable consumers, stage 2 replays), counted in `restarts`. Other
// errors (a cluster that contradicts the configuration) end the worker.
// `stats` (may be null) is updated as it goes.
Status RunWorker(const WorkerOptions& options, std::atomic<bool>* stop, WorkerStats* stats = nullptr);

}  // namespace dg

#endif  // DG_STREAM_WORKER_H_
