#include "gateway/shipper.h"

#include <fcntl.h>
#include <httplib.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "gateway/log_follower.h"

namespace dg {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps `ms`, waking early when `stop` is set.
void Pause(int64_t ms, const std::atomic<bool>& stop) {
  constexpr int64_t kSliceMs = 20;
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (!stop.load() && Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(kSliceMs, ms)));
  }
}

bool Retryable(const PostResult& r) { return r.status == 0 || r.status >= 500 || r.status == 429 || r.status == 408; }

// Posts `body` until the service takes it (or stop). OK once accepted.
Status PostBatch(const std::string& body, int64_t lines, const ShipOptions& o, const PostFn& post,
                 const std::atomic<bool>& stop, ShipStats* stats, const ShipNote& note) {
  int64_t pause_ms = o.retry_initial_ms;
  while (true) {
    const PostResult r = post(body);
    if (r.status == 200) {
      simdjson::dom::parser parser;
      simdjson::dom::element doc;
      int64_t accepted = lines;
      int64_t rejected = 0;
      if (parser.parse(r.body).get(doc) == simdjson::SUCCESS) {
        // Absent counts (an older service) leave the defaults: all accepted.
        if (doc["accepted"].get(accepted) != simdjson::SUCCESS) accepted = lines;
        if (doc["rejected"].get(rejected) != simdjson::SUCCESS) rejected = 0;
        simdjson::dom::array errors;
        if (rejected > 0 && note && doc["errors"].get(errors) == simdjson::SUCCESS) {
          for (simdjson::dom::element e : errors) {
            note("a line was rejected: " + std::string(simdjson::minify(e)));
            break;  // one example per batch is enough to act on
          }
        }
      }
      stats->accepted += accepted;
      stats->rejected += rejected;
      ++stats->batches;
      return Status::Ok();
    }
    if (!Retryable(r)) {
      return Status::InvalidArgument("POST /v1/events answered " + std::to_string(r.status) + ": " +
                                     r.body.substr(0, 200));
    }
    if (stop.load()) return Status::IoError("stopped with a batch not delivered");
    ++stats->retries;
    if (note) {
      note("POST /v1/events failed (" + (r.status == 0 ? r.error : "HTTP " + std::to_string(r.status)) +
           "); retrying in " + std::to_string(pause_ms) + " ms");
    }
    Pause(pause_ms, stop);
    pause_ms = std::min(o.retry_max_ms, pause_ms * 2);
  }
}

constexpr std::string_view kPositionMagic = "dg-ship-position-v1";

// A missing file is no position; a file that is not ours is an error (better
// than silently shipping the whole log again, or skipping part of it).
Result<std::optional<LogPosition>> LoadPosition(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return std::optional<LogPosition>();
    return Status::IoError("cannot read the position file " + path + ": " + std::strerror(errno));
  }
  std::string magic;
  LogPosition p;
  if (!(in >> magic >> p.device >> p.inode >> p.offset) || magic != kPositionMagic || p.offset < 0) {
    return Status::InvalidArgument("the position file " + path + " is not one ship wrote (remove it to start over)");
  }
  return std::optional<LogPosition>(p);
}

Status SavePosition(const std::string& path, const LogPosition& p) {
  const std::string tmp = path + ".tmp";
  char text[128];
  const int n = std::snprintf(text, sizeof(text), "%s %" PRIu64 " %" PRIu64 " %" PRId64 "\n", kPositionMagic.data(),
                              p.device, p.inode, p.offset);
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
  const bool written = write(fd, text, static_cast<size_t>(n)) == n && fsync(fd) == 0;
  close(fd);
  if (!written || rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IoError("cannot save the position to " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<PostFn> HttpEventPoster(std::string_view base_url, std::string token, int64_t timeout_ms) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0 || url.size() == kScheme.size() ||
      url.find('/', kScheme.size()) != std::string::npos) {
    return Status::InvalidArgument("--url: expected http://HOST:PORT, got '" + std::string(base_url) + "'");
  }
  auto client = std::make_shared<httplib::Client>(url);
  if (!client->is_valid()) return Status::InvalidArgument("--url: cannot use '" + url + "'");
  client->set_keep_alive(true);
  client->set_connection_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  client->set_read_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  client->set_write_timeout(timeout_ms / 1000, (timeout_ms % 1000) * 1000);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return PostFn([client, headers](const std::string& body) {
    PostResult out;
    auto res = client->Post("/v1/events", headers, body, "application/x-ndjson");
    if (!res) {
      out.error = httplib::to_string(res.error());
      return out;
    }
    out.status = res->status;
    out.body = res->body;
    return out;
  });
}

Status Ship(const ShipOptions& o, const PostFn& post, const std::atomic<bool>& stop, ShipStats* stats,
            const ShipNote& note) {
  if (o.batch_lines == 0 || o.batch_bytes == 0) return Status::InvalidArgument("batch size must be positive");
  std::optional<LogPosition> saved;
  if (!o.position_path.empty()) {
    auto loaded = LoadPosition(o.position_path);
    if (!loaded.ok()) return loaded.status();
    saved = *loaded;
  }
  LogFollower follower(o.log_path, o.from_start || saved.has_value());
  if (saved) {
    stats->resumed = follower.ResumeAt(*saved);
    if (!stats->resumed && note)
      note("the log was rotated or truncated since the saved position: reading it from its start");
  }
  std::vector<std::string> lines;
  std::string body;
  int64_t body_lines = 0;
  Clock::time_point first_line_at{};
  // `complete`: every line the follower handed out is in this batch or an
  // earlier accepted one, so its position may be saved.
  const auto flush = [&](bool complete) -> Status {
    if (body_lines == 0) return Status::Ok();
    DG_RETURN_IF_ERROR(PostBatch(body, body_lines, o, post, stop, stats, note));
    body.clear();
    body_lines = 0;
    if (complete && !o.position_path.empty()) return SavePosition(o.position_path, follower.position());
    return Status::Ok();
  };
  while (true) {
    lines.clear();
    const size_t room = o.batch_lines - static_cast<size_t>(body_lines);
    auto got = follower.Poll(room, &lines);
    if (!got.ok()) return got.status();
    stats->rotations = follower.rotations();
    for (std::string& line : lines) {
      // A batch never grows past batch_bytes, except by one line that alone is larger.
      if (body_lines > 0 && body.size() + line.size() + 1 > o.batch_bytes) DG_RETURN_IF_ERROR(flush(false));
      if (body_lines == 0) first_line_at = Clock::now();
      body += line;
      body.push_back('\n');
      ++body_lines;
      ++stats->lines;
    }
    const bool full = static_cast<size_t>(body_lines) >= o.batch_lines || body.size() >= o.batch_bytes;
    const bool idle = *got == 0;
    const bool waited =
        body_lines > 0 && Clock::now() - first_line_at >= std::chrono::milliseconds(o.flush_interval_ms);
    if (full || (idle && (o.once || waited || stop.load())) || (waited && !idle)) DG_RETURN_IF_ERROR(flush(true));
    if (idle && (o.once || stop.load())) return flush(true);
    if (idle) Pause(o.poll_interval_ms, stop);
  }
}

}  // namespace dg
