#include "service/event_log.h"

#include <sqlite3.h>

#include <filesystem>

namespace dg {
namespace {

constexpr int kSchemaVersion = 1;
// A writer that finds the database locked (a second process on the same
// directory) waits this long before failing instead of failing at once.
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY, line BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS overrides(kind TEXT NOT NULL, id TEXT NOT NULL, action TEXT NOT NULL,
  by TEXT NOT NULL, reason TEXT NOT NULL, ts_ms INTEGER NOT NULL, PRIMARY KEY(kind, id));
CREATE TABLE IF NOT EXISTS audit(seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, kind TEXT NOT NULL,
  id TEXT NOT NULL, action TEXT NOT NULL, by TEXT NOT NULL, reason TEXT NOT NULL);
)sql";

// Finalises a statement on every path out of a function.
struct StmtCloser {
  sqlite3_stmt* stmt;
  ~StmtCloser() { sqlite3_finalize(stmt); }
};

std::string_view Column(sqlite3_stmt* stmt, int i) {
  const void* p = sqlite3_column_blob(stmt, i);
  const int n = sqlite3_column_bytes(stmt, i);
  return p == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(p), static_cast<size_t>(n));
}

OverrideKind KindFromName(std::string_view s) {
  return s == "campaign" ? OverrideKind::kCampaign : OverrideKind::kAccount;
}

}  // namespace

Status EventLog::Error(const char* what) const {
  return Status::IoError(std::string("state database: ") + what + ": " + sqlite3_errmsg(db_));
}

Status EventLog::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string m = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return Status::IoError("state database: " + m);
  }
  return Status::Ok();
}

Status EventLog::Prepare(const char* sql, sqlite3_stmt** stmt) {
  if (sqlite3_prepare_v2(db_, sql, -1, stmt, nullptr) != SQLITE_OK) return Error("prepare");
  return Status::Ok();
}

Result<std::unique_ptr<EventLog>> EventLog::Open(const std::string& dir, bool fsync) {
  std::string path;
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IoError("cannot create state directory " + dir + ": " + ec.message());
    path = dir + "/state.sqlite";
  }
  std::unique_ptr<EventLog> log(new EventLog());
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &log->db_, flags, nullptr) != SQLITE_OK) {
    return Status::IoError("cannot open state database " + path + ": " +
                           (log->db_ != nullptr ? sqlite3_errmsg(log->db_) : "out of memory"));
  }
  sqlite3_busy_timeout(log->db_, kBusyTimeoutMs);
  if (!dir.empty()) DG_RETURN_IF_ERROR(log->Exec("PRAGMA journal_mode=WAL"));
  DG_RETURN_IF_ERROR(log->Exec(fsync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"));
  DG_RETURN_IF_ERROR(log->Exec(kSchema));
  {
    sqlite3_stmt* stmt = nullptr;
    DG_RETURN_IF_ERROR(log->Prepare("SELECT value FROM meta WHERE key = 'schema_version'", &stmt));
    StmtCloser closer{stmt};
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      if (Column(stmt, 0) != std::to_string(kSchemaVersion)) {
        return Status::IoError("state database " + path + " has an unsupported schema version");
      }
    } else {
      DG_RETURN_IF_ERROR(log->Exec("INSERT INTO meta(key, value) VALUES('schema_version', '1')"));
    }
  }
  {
    sqlite3_stmt* stmt = nullptr;
    DG_RETURN_IF_ERROR(log->Prepare("SELECT COALESCE(MAX(seq), 0) FROM events", &stmt));
    StmtCloser closer{stmt};
    if (sqlite3_step(stmt) != SQLITE_ROW) return log->Error("read last sequence number");
    log->last_seq_ = sqlite3_column_int64(stmt, 0);
  }
  DG_RETURN_IF_ERROR(log->Prepare("INSERT INTO events(seq, line) VALUES(?, ?)", &log->insert_event_));
  return log;
}

EventLog::~EventLog() {
  sqlite3_finalize(insert_event_);
  sqlite3_close(db_);
}

Status EventLog::Append(const std::vector<std::string_view>& lines, int64_t* first_seq) {
  std::lock_guard lock(mu_);
  *first_seq = last_seq_ + 1;
  if (lines.empty()) return Status::Ok();
  DG_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  int64_t seq = last_seq_;
  for (std::string_view line : lines) {
    ++seq;
    sqlite3_reset(insert_event_);
    sqlite3_bind_int64(insert_event_, 1, seq);
    sqlite3_bind_blob(insert_event_, 2, line.data(), static_cast<int>(line.size()), SQLITE_STATIC);
    if (sqlite3_step(insert_event_) != SQLITE_DONE) {
      Status error = Error("append event");
      sqlite3_reset(insert_event_);
      (void)Exec("ROLLBACK");
      return error;
    }
  }
  sqlite3_reset(insert_event_);
  if (Status s = Exec("COMMIT"); !s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  last_seq_ = seq;
  return Status::Ok();
}

Status EventLog::ForEachEvent(int64_t after_seq, const std::function<void(int64_t, std::string_view)>& fn) {
  std::lock_guard lock(mu_);
  sqlite3_stmt* stmt = nullptr;
  DG_RETURN_IF_ERROR(Prepare("SELECT seq, line FROM events WHERE seq > ? ORDER BY seq", &stmt));
  StmtCloser closer{stmt};
  sqlite3_bind_int64(stmt, 1, after_seq);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) fn(sqlite3_column_int64(stmt, 0), Column(stmt, 1));
  if (rc != SQLITE_DONE) return Error("read events");
  return Status::Ok();
}

int64_t EventLog::last_seq() const {
  std::lock_guard lock(mu_);
  return last_seq_;
}

Status EventLog::SaveOverride(const Override& o, bool cleared) {
  std::lock_guard lock(mu_);
  const std::string kind = OverrideKindName(o.kind);
  const std::string action = cleared ? "clear" : std::string(ActionName(o.action));
  DG_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  const auto fail = [&](const char* what) {
    Status error = Error(what);
    (void)Exec("ROLLBACK");
    return error;
  };
  {
    sqlite3_stmt* stmt = nullptr;
    const char* sql = cleared ? "DELETE FROM overrides WHERE kind = ?1 AND id = ?2"
                              : "INSERT OR REPLACE INTO overrides(kind, id, action, by, reason, ts_ms) "
                                "VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
    if (Status s = Prepare(sql, &stmt); !s.ok()) return fail("prepare override");
    StmtCloser closer{stmt};
    sqlite3_bind_text(stmt, 1, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, o.id.data(), static_cast<int>(o.id.size()), SQLITE_STATIC);
    if (!cleared) {
      sqlite3_bind_text(stmt, 3, action.data(), static_cast<int>(action.size()), SQLITE_STATIC);
      sqlite3_bind_text(stmt, 4, o.by.data(), static_cast<int>(o.by.size()), SQLITE_STATIC);
      sqlite3_bind_text(stmt, 5, o.reason.data(), static_cast<int>(o.reason.size()), SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 6, o.ts_ms);
    }
    if (sqlite3_step(stmt) != SQLITE_DONE) return fail("save override");
  }
  {
    sqlite3_stmt* stmt = nullptr;
    if (Status s = Prepare("INSERT INTO audit(ts_ms, kind, id, action, by, reason) VALUES(?, ?, ?, ?, ?, ?)", &stmt);
        !s.ok()) {
      return fail("prepare audit");
    }
    StmtCloser closer{stmt};
    sqlite3_bind_int64(stmt, 1, o.ts_ms);
    sqlite3_bind_text(stmt, 2, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, o.id.data(), static_cast<int>(o.id.size()), SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, action.data(), static_cast<int>(action.size()), SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, o.by.data(), static_cast<int>(o.by.size()), SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, o.reason.data(), static_cast<int>(o.reason.size()), SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE) return fail("save audit record");
  }
  if (Status s = Exec("COMMIT"); !s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  return Status::Ok();
}

Result<std::vector<Override>> EventLog::LoadOverrides() {
  std::lock_guard lock(mu_);
  sqlite3_stmt* stmt = nullptr;
  DG_RETURN_IF_ERROR(Prepare("SELECT kind, id, action, by, reason, ts_ms FROM overrides ORDER BY ts_ms", &stmt));
  StmtCloser closer{stmt};
  std::vector<Override> out;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    Override o;
    o.kind = KindFromName(Column(stmt, 0));
    o.id = std::string(Column(stmt, 1));
    auto action = ParseAction(Column(stmt, 2));
    if (!action) return Status::IoError("state database: override with unknown action");
    o.action = *action;
    o.by = std::string(Column(stmt, 3));
    o.reason = std::string(Column(stmt, 4));
    o.ts_ms = sqlite3_column_int64(stmt, 5);
    out.push_back(std::move(o));
  }
  if (rc != SQLITE_DONE) return Error("read overrides");
  return out;
}

Result<std::vector<AuditRecord>> EventLog::Audit(size_t limit) {
  std::lock_guard lock(mu_);
  sqlite3_stmt* stmt = nullptr;
  DG_RETURN_IF_ERROR(
      Prepare("SELECT seq, ts_ms, kind, id, action, by, reason FROM audit ORDER BY seq DESC LIMIT ?", &stmt));
  StmtCloser closer{stmt};
  sqlite3_bind_int64(stmt, 1, static_cast<int64_t>(limit));
  std::vector<AuditRecord> out;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    AuditRecord r;
    r.seq = sqlite3_column_int64(stmt, 0);
    r.change.ts_ms = sqlite3_column_int64(stmt, 1);
    r.change.kind = KindFromName(Column(stmt, 2));
    r.change.id = std::string(Column(stmt, 3));
    const std::string_view action = Column(stmt, 4);
    r.cleared = action == "clear";
    if (!r.cleared) r.change.action = ParseAction(action).value_or(Action::kAllow);
    r.change.by = std::string(Column(stmt, 5));
    r.change.reason = std::string(Column(stmt, 6));
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Error("read audit");
  return out;
}

}  // namespace dg
