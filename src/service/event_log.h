// EventLog: the service's durable state in one SQLite database (WAL mode).
//
// Service stage, beside the engine. Durability rests on a write-ahead record
// of accepted events: POST /v1/events appends the raw lines it accepted in one
// transaction and answers only after the commit, then hands the events to the
// engine thread. On start the log is replayed in order through a fresh engine;
// the engine is deterministic, so the rebuilt state (and every decision) is
// the one before the restart. Overrides and an audit trail of who set them
// live in the same database. docs/service.md describes the tables.
//
// Durability: with fsync on (synchronous=FULL) a commit survives a power
// loss; with it off (synchronous=NORMAL) it survives the process being killed
// (SIGKILL) but maybe not the machine crashing.
//
// Thread-safety: every method may be called from any thread; calls are
// serialised by an internal mutex (one SQLite connection).
#ifndef DG_SERVICE_EVENT_LOG_H_
#define DG_SERVICE_EVENT_LOG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "service/decision_table.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dg {

struct AuditRecord {
  int64_t seq = 0;
  Override change;  // action "clear" is recorded with cleared = true
  bool cleared = false;
};

class EventLog {
 public:
  // Opens (creating if needed) DIR/state.sqlite. An empty `dir` opens a
  // private temporary database that is deleted on close (a service without
  // --state keeps nothing). IoError when the database cannot be opened or is
  // not ours.
  static Result<std::unique_ptr<EventLog>> Open(const std::string& dir, bool fsync);
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends `lines` in one transaction; on success `*first_seq` is the
  // sequence number of the first (the rest follow without gaps). Nothing is
  // appended on error.
  Status Append(const std::vector<std::string_view>& lines, int64_t* first_seq);
  // Calls `fn(seq, line)` for every event with seq > after_seq, in order.
  Status ForEachEvent(int64_t after_seq, const std::function<void(int64_t, std::string_view)>& fn);
  int64_t last_seq() const;

  // Records a set or cleared override and its audit line in one transaction.
  Status SaveOverride(const Override& o, bool cleared);
  Result<std::vector<Override>> LoadOverrides();
  // The newest `limit` audit records, newest first.
  Result<std::vector<AuditRecord>> Audit(size_t limit);

 private:
  EventLog() = default;
  Status Exec(const char* sql);
  Status Prepare(const char* sql, sqlite3_stmt** stmt);
  Status Error(const char* what) const;

  mutable std::mutex mu_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
  int64_t last_seq_ = 0;
};

}  // namespace dg

#endif  // DG_SERVICE_EVENT_LOG_H_
