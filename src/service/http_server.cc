#include "service/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/thread_util.h"
#include "service/http_parser.h"

namespace dg {
namespace {

constexpr int kMaxPort = 65535;
constexpr size_t kReadChunkBytes = size_t{64} << 10;
constexpr int kMaxEpollEvents = 128;
constexpr int64_t kSweepIntervalMs = 50;
// Pipelined answers the client has not read yet: parsing pauses beyond this.
constexpr size_t kMaxPendingOutputBytes = size_t{4} << 20;
constexpr int kMaxAcceptsPerWake = 64;
// Bodies above this are handed to a worker by moving the buffer (below the
// small-string size a move copies, and the view would dangle).
constexpr size_t kMinMoveBytes = 4096;
// After EMFILE the listening socket is left alone this long (it would stay
// readable and spin the loop).
constexpr int64_t kAcceptPauseMs = 100;
constexpr uint64_t kListenTag = 0;
constexpr uint64_t kWakeTag = 1;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
}

const char* Reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return status < 400 ? "OK" : "Error";
  }
}

// The routes. `waits`: the handler may block (log commit, engine, locks), so
// it runs on the worker pool instead of the event loop.
enum class RouteId {
  kHealthz,
  kCheck,
  kAuthz,
  kEvents,
  kAccount,
  kAccountOverride,
  kCampaignOverride,
  kCampaigns,
  kOverrides,
  kMetrics,
  kReload,
};

struct RouteSpec {
  Scope need;  // kNone: no token needed
  Route metric;
  bool waits;
};

RouteSpec SpecOf(RouteId id) {
  switch (id) {
    case RouteId::kHealthz:
      return {Scope::kNone, Route::kOther, false};
    case RouteId::kCheck:
      return {Scope::kRead, Route::kCheck, false};
    case RouteId::kAuthz:
      return {Scope::kRead, Route::kCheck, false};
    case RouteId::kEvents:
      return {Scope::kWrite, Route::kEvents, true};
    case RouteId::kAccount:
      return {Scope::kRead, Route::kAccount, true};
    case RouteId::kAccountOverride:
      return {Scope::kWrite, Route::kOverride, true};
    case RouteId::kCampaignOverride:
      return {Scope::kWrite, Route::kOverride, true};
    case RouteId::kCampaigns:
      return {Scope::kRead, Route::kCampaigns, true};
    case RouteId::kOverrides:
      return {Scope::kRead, Route::kOther, true};
    case RouteId::kMetrics:
      return {Scope::kRead, Route::kOther, true};
    case RouteId::kReload:
      return {Scope::kWrite, Route::kOther, true};
  }
  return {Scope::kWrite, Route::kOther, true};
}

struct RouteMatch {
  int status = 0;  // 404 or 405 when no route takes the request
  RouteId id = RouteId::kHealthz;
  std::string_view id_segment;  // {id} of /v1/accounts/{id}..., still %-encoded
};

bool IsGet(std::string_view m) { return m == "GET" || m == "HEAD"; }

RouteMatch MatchRoute(std::string_view method, std::string_view path) {
  RouteMatch r;
  const auto only = [&](bool method_ok, RouteId id) {
    if (method_ok) {
      r.id = id;
    } else {
      r.status = 405;
    }
    return r;
  };
  if (path == "/healthz") return only(IsGet(method), RouteId::kHealthz);
  if (path == "/v1/check") return only(method == "POST", RouteId::kCheck);
  if (path == "/v1/events") return only(method == "POST", RouteId::kEvents);
  if (path == "/v1/campaigns") return only(IsGet(method), RouteId::kCampaigns);
  if (path == "/v1/overrides") return only(IsGet(method), RouteId::kOverrides);
  if (path == "/metrics") return only(IsGet(method), RouteId::kMetrics);
  if (path == "/v1/admin/reload") return only(method == "POST", RouteId::kReload);
  // nginx auth_request sends GET /v1/authz; Envoy ext_authz (HTTP mode)
  // sends the original method to path_prefix + the original path.
  if (path == "/v1/authz" || path.starts_with("/v1/authz/")) {
    static constexpr std::array<std::string_view, 7> kAuthzMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                                                      "PATCH", "DELETE", "OPTIONS"};
    bool ok = false;
    for (const std::string_view m : kAuthzMethods) ok = ok || m == method;
    return only(ok, RouteId::kAuthz);
  }
  for (const auto& [prefix, plain, overridden] :
       {std::tuple{std::string_view("/v1/accounts/"), RouteId::kAccount, RouteId::kAccountOverride},
        std::tuple{std::string_view("/v1/campaigns/"), RouteId::kCampaigns, RouteId::kCampaignOverride}}) {
    if (!path.starts_with(prefix)) continue;
    std::string_view rest = path.substr(prefix.size());
    const size_t slash = rest.find('/');
    r.id_segment = rest.substr(0, slash);
    if (r.id_segment.empty()) break;
    if (slash == std::string_view::npos) {
      if (plain == RouteId::kCampaigns) break;  // no GET /v1/campaigns/{id}
      return only(IsGet(method), plain);
    }
    if (rest.substr(slash) == "/override") return only(method == "POST", overridden);
    break;
  }
  r.status = 404;
  return r;
}

// What a handler reads of a request. Views: into the connection's buffer on
// the loop, into the Job's own copies on a worker.
struct Inputs {
  std::string_view authorization;
  std::string_view content_type;
  std::string_view body;
  std::string_view id;  // decoded {id}
  std::string_view query;
  std::string_view account_header;
  std::string_view forwarded_for;
  std::string_view real_ip;
};

HttpAnswer Serve(DecisionService* service, RouteId id, const Inputs& in) {
  const RouteSpec spec = SpecOf(id);
  if (spec.need != Scope::kNone) {
    const Scope have = service->Authorize(in.authorization);
    if (have == Scope::kNone) {
      HttpAnswer a = ErrorAnswer(401, "missing or invalid bearer token");
      a.headers.emplace_back("WWW-Authenticate", "Bearer");
      return a;
    }
    if (spec.need == Scope::kWrite && have != Scope::kWrite) return ErrorAnswer(403, "this token may only read");
  }
  switch (id) {
    case RouteId::kHealthz:
      return HttpAnswer{200, "{\"status\":\"ok\"}", "application/json", {}};
    case RouteId::kCheck:
      return service->Check(in.body, in.content_type);
    case RouteId::kAuthz: {
      AuthzRequest r;
      r.account_id = in.account_header;
      r.forwarded_for = in.forwarded_for;
      r.real_ip = in.real_ip;
      r.nginx_compat = QueryValue(in.query, "compat").value_or("") == "nginx";
      return service->Authz(r);
    }
    case RouteId::kEvents:
      return service->PostEvents(in.body, in.content_type);
    case RouteId::kAccount:
      return service->GetAccount(in.id);
    case RouteId::kAccountOverride:
      return service->SetOverride(OverrideKind::kAccount, in.id, in.body, in.content_type);
    case RouteId::kCampaignOverride:
      return service->SetOverride(OverrideKind::kCampaign, in.id, in.body, in.content_type);
    case RouteId::kCampaigns:
      return service->GetCampaigns();
    case RouteId::kOverrides:
      return service->GetOverrides();
    case RouteId::kMetrics:
      return HttpAnswer{200, service->MetricsText(), "text/plain; version=0.0.4", {}};
    case RouteId::kReload:
      return service->Reload();
  }
  return ErrorAnswer(404, "no such endpoint");
}

void AppendResponse(std::string* out, const HttpAnswer& a, bool head_only, bool close) {
  char number[24];
  out->append("HTTP/1.1 ");
  out->append(number, std::to_chars(number, number + sizeof(number), a.status).ptr);
  out->push_back(' ');
  out->append(Reason(a.status));
  out->append("\r\n");
  if (!a.content_type.empty()) {
    out->append("Content-Type: ");
    out->append(a.content_type);
    out->append("\r\n");
  }
  out->append("Content-Length: ");
  out->append(number, std::to_chars(number, number + sizeof(number), a.body.size()).ptr);
  out->append("\r\n");
  for (const auto& [k, v] : a.headers) {
    out->append(k);
    out->append(": ");
    out->append(v);
    out->append("\r\n");
  }
  if (close) out->append("Connection: close\r\n");
  out->append("\r\n");
  if (!head_only) out->append(a.body);
}

// The workers of the routes that wait. Jobs run in submission order.
class WorkerPool {
 public:
  void Start(size_t threads) {
    for (size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        NameThisThread("dg-http-work");
        Work();
      });
    }
  }
  void Submit(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }
  // Runs the queued jobs, then joins.
  void StopAndJoin() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// One client connection. Owned by the loop that accepted it; only that
// loop's thread touches it.
struct Connection {
  enum class Phase {
    kHead,      // reading a request head (or idle between requests)
    kBody,      // reading a Content-Length body
    kChunked,   // reading a chunked body
    kBusy,      // a worker is answering; reading paused
    kDraining,  // the last answer is written or being written; input is discarded until the client closes
  };

  int fd = -1;
  std::string in;
  std::string out;
  size_t out_pos = 0;
  Phase phase = Phase::kHead;
  RequestHead head;  // views into `in`, valid while in.data() == head_base
  const char* head_base = nullptr;
  size_t head_scanned = 0;
  size_t head_bytes = 0;
  ChunkedDecoder chunked;
  bool continue_sent = false;
  bool close_after_write = false;  // the answer being written is the last
  bool write_shut = false;
  bool peer_eof = false;
  bool dead = false;       // closed at the end of the current event
  bool registered = true;  // in the epoll set
  uint64_t requests = 0;
  int64_t request_start_ms = 0;  // first byte of the current request; 0: idle
  int64_t last_read_ms = 0;
  int64_t write_wait_ms = 0;  // since when output waits for the client; 0: none waits
  int64_t drain_start_ms = 0;
  uint32_t interest = EPOLLIN;
};

// A request for the worker pool: copies of what its handler reads.
struct Job {
  int fd = -1;
  RouteId route = RouteId::kHealthz;
  bool head_only = false;
  bool keep_alive = true;
  std::string authorization, content_type, id;
  std::string buffer;     // owns the body: the connection's input or a copy
  std::string_view body;  // into `buffer`
  std::chrono::steady_clock::time_point start;
  HttpAnswer answer;
};

struct Loop {
  HttpServer::Impl* server = nullptr;
  int epoll_fd = -1;
  int wake_fd = -1;
  bool listening = false;
  int64_t accept_paused_until_ms = 0;
  absl::flat_hash_map<int, std::unique_ptr<Connection>> connections;
  std::vector<int> to_close;
  std::array<char, kReadChunkBytes> read_buffer{};

  std::mutex done_mu;
  std::vector<std::unique_ptr<Job>> done;  // answers handed back by workers
};

}  // namespace

struct HttpServer::Impl {
  DecisionService* service = nullptr;
  ServiceOptions options;
  HttpLimits limits;
  int listen_fd = -1;
  int port = 0;
  std::vector<std::unique_ptr<Loop>> loops;
  WorkerPool pool;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> open_connections{0};

  ~Impl();
  Status Setup();
  void RunLoop(Loop* loop);
  void OnListen(Loop* loop);
  bool EvictIdle(Loop* loop);  // closes this loop's longest-idle connection; false if none is idle
  void OnWake(Loop* loop);
  void OnReadable(Loop* loop, Connection* c);
  void OnWritable(Loop* loop, Connection* c);
  void Process(Loop* loop, Connection* c);
  void Dispatch(Loop* loop, Connection* c, std::string_view body, size_t consumed);
  void Respond(Loop* loop, Connection* c, const HttpAnswer& a, bool head_only, bool keep_alive);
  void Fail(Loop* loop, Connection* c, int status, std::string_view message);
  void Flush(Loop* loop, Connection* c);
  void SetInterest(Loop* loop, Connection* c, uint32_t interest);
  void Close(Loop* loop, Connection* c);
  void Sweep(Loop* loop, int64_t now_ms);
  void BeginStop(Loop* loop);
  void Reap(Loop* loop);
};

HttpServer::Impl::~Impl() {
  for (auto& loop : loops) {
    for (auto& [fd, c] : loop->connections) close(fd);
    if (loop->epoll_fd >= 0) close(loop->epoll_fd);
    if (loop->wake_fd >= 0) close(loop->wake_fd);
  }
  if (listen_fd >= 0) close(listen_fd);
}

Status HttpServer::Impl::Setup() {
  for (size_t i = 0; i < options.io_threads; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->server = this;
    loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (loop->epoll_fd < 0 || loop->wake_fd < 0) {
      return Status::IoError(std::string("cannot create an event loop: ") + std::strerror(errno));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeTag;
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->wake_fd, &ev) != 0) {
      return Status::IoError(std::string("epoll_ctl: ") + std::strerror(errno));
    }
    // One accept wakes one loop, not all of them.
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.u64 = kListenTag;
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
      return Status::IoError(std::string("epoll_ctl: ") + std::strerror(errno));
    }
    loop->listening = true;
    loops.push_back(std::move(loop));
  }
  return Status::Ok();
}

void HttpServer::Impl::SetInterest(Loop* loop, Connection* c, uint32_t interest) {
  if (c->interest == interest || !c->registered) return;
  epoll_event ev{};
  ev.events = interest;
  ev.data.ptr = c;
  epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
  c->interest = interest;
}

void HttpServer::Impl::Close(Loop* loop, Connection* c) {
  if (c->dead) return;
  c->dead = true;
  loop->to_close.push_back(c->fd);
  // Counted out now (the socket closes in Reap, after this batch of events,
  // whose entries may still point at the connection).
  open_connections.fetch_sub(1, std::memory_order_relaxed);
}

// Frees the connections closed while handling the last events. A busy
// connection (a worker holds its request) is freed when the answer returns.
void HttpServer::Impl::Reap(Loop* loop) {
  for (const int fd : loop->to_close) {
    auto it = loop->connections.find(fd);
    if (it == loop->connections.end()) continue;
    Connection* c = it->second.get();
    if (c->phase == Connection::Phase::kBusy) {
      if (c->registered) {
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
        c->registered = false;
      }
      continue;
    }
    if (c->registered) epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    close(fd);
    loop->connections.erase(it);
  }
  loop->to_close.clear();
}

void HttpServer::Impl::OnListen(Loop* loop) {
  for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
        loop->listening = false;
        loop->accept_paused_until_ms = NowMs() + kAcceptPauseMs;
      }
      return;  // EAGAIN: another loop took it, or none is left
    }
    // At the limit, an idle keep-alive connection (the one silent longest)
    // makes room: otherwise a client holding idle connections would lock
    // everyone out until the idle timeout. Only when none is idle is the
    // new one refused.
    if (open_connections.load(std::memory_order_relaxed) >= options.max_connections) EvictIdle(loop);
    if (open_connections.load(std::memory_order_relaxed) >= options.max_connections) {
      std::string refusal;
      AppendResponse(&refusal, ErrorAnswer(503, "too many connections"), false, true);
      [[maybe_unused]] const ssize_t n = send(fd, refusal.data(), refusal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      service->CountHttpError(503);
      close(fd);
      continue;
    }
    // Checks are small request/answer pairs: Nagle's delay would dominate them.
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->last_read_ms = NowMs();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = c.get();
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      continue;
    }
    open_connections.fetch_add(1, std::memory_order_relaxed);
    loop->connections.emplace(fd, std::move(c));
  }
}

bool HttpServer::Impl::EvictIdle(Loop* loop) {
  Connection* oldest = nullptr;
  for (auto& [fd, owned] : loop->connections) {
    Connection* c = owned.get();
    const bool idle = !c->dead && c->phase == Connection::Phase::kHead && c->in.empty() && c->out_pos >= c->out.size();
    if (idle && (oldest == nullptr || c->last_read_ms < oldest->last_read_ms)) oldest = c;
  }
  if (oldest == nullptr) return false;
  Close(loop, oldest);
  return true;
}

void HttpServer::Impl::OnReadable(Loop* loop, Connection* c) {
  while (true) {
    const ssize_t n = recv(c->fd, loop->read_buffer.data(), loop->read_buffer.size(), 0);
    if (n > 0) {
      c->last_read_ms = NowMs();
      if (c->phase == Connection::Phase::kDraining) return;  // discarded
      if (c->phase == Connection::Phase::kHead && c->in.empty()) c->request_start_ms = c->last_read_ms;
      // One read per readiness (the socket stays readable while more
      // waits), so that the parser sees a head over the limit or a body
      // over its Content-Length before more is buffered.
      c->in.append(loop->read_buffer.data(), static_cast<size_t>(n));
      break;
    }
    if (n == 0) {
      c->peer_eof = true;
      if (c->phase == Connection::Phase::kDraining) {
        Close(loop, c);
        return;
      }
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    Close(loop, c);
    return;
  }
  Process(loop, c);
  // The client sent all it will send: once nothing is left to answer, close.
  if (c->peer_eof && !c->dead && c->phase != Connection::Phase::kBusy) {
    if (c->out_pos >= c->out.size()) {
      Close(loop, c);
    } else {
      c->close_after_write = true;
      c->phase = Connection::Phase::kDraining;
      SetInterest(loop, c, EPOLLOUT);
    }
  }
}

void HttpServer::Impl::Process(Loop* loop, Connection* c) {
  using Phase = Connection::Phase;
  while (!c->dead) {
    if (c->phase == Phase::kBusy || c->phase == Phase::kDraining) return;
    if (c->out.size() - c->out_pos > kMaxPendingOutputBytes) return;  // resumed by OnWritable
    if (c->phase == Phase::kHead) {
      // A client may send an empty line between requests (RFC 9112 2.2).
      size_t skip = 0;
      while (skip + 1 < c->in.size() && c->in[skip] == '\r' && c->in[skip + 1] == '\n') skip += 2;
      if (skip > 0) c->in.erase(0, skip);
      if (c->in.empty()) {
        c->request_start_ms = 0;
        c->head_scanned = 0;
        return;
      }
      if (c->request_start_ms == 0) c->request_start_ms = NowMs();
      const HeadParse p = ParseRequestHead(c->in, limits, &c->head, &c->head_scanned);
      if (p.outcome == ParseOutcome::kIncomplete) return;
      if (p.outcome == ParseOutcome::kError) {
        Fail(loop, c, p.error_status, p.error);
        return;
      }
      c->head_bytes = p.head_bytes;
      c->head_base = c->in.data();
      c->continue_sent = false;
      c->chunked.Reset();
      c->phase = c->head.chunked ? Phase::kChunked : Phase::kBody;
    }
    if (c->head_base != c->in.data()) {
      // The buffer moved as the body arrived: parse the head again for views into it.
      size_t scanned = 0;
      const HeadParse again =
          ParseRequestHead(std::string_view(c->in).substr(0, c->head_bytes), limits, &c->head, &scanned);
      DG_CHECK(again.outcome == ParseOutcome::kComplete);
      c->head_base = c->in.data();
    }
    const std::string_view in(c->in);
    std::string_view body;
    size_t consumed = 0;
    if (c->phase == Phase::kBody) {
      consumed = c->head_bytes + c->head.content_length;
      if (in.size() < consumed) {
        // A body that is really arriving gets its whole buffer at once
        // instead of doubling (and copying) its way up; a client that only
        // announced a large Content-Length gets nothing reserved.
        if (in.size() >= kReadChunkBytes && c->in.capacity() < consumed) {
          c->in.reserve(consumed);
          c->head_base = nullptr;  // the buffer moved: views are parsed again
        }
        if (c->head.expect_continue && !c->continue_sent) {
          c->continue_sent = true;
          c->out.append("HTTP/1.1 100 Continue\r\n\r\n");
          Flush(loop, c);
        }
        return;
      }
      body = in.substr(c->head_bytes, c->head.content_length);
    } else {
      const ChunkedDecoder::Progress pr = c->chunked.Feed(in.substr(c->head_bytes), limits.max_body_bytes);
      if (pr.outcome == ParseOutcome::kError) {
        Fail(loop, c, pr.error_status, pr.error);
        return;
      }
      if (pr.outcome == ParseOutcome::kIncomplete) {
        if (c->head.expect_continue && !c->continue_sent) {
          c->continue_sent = true;
          c->out.append("HTTP/1.1 100 Continue\r\n\r\n");
          Flush(loop, c);
        }
        return;
      }
      body = c->chunked.body();
      consumed = c->head_bytes + pr.consumed;
    }
    ++c->requests;
    Dispatch(loop, c, body, consumed);
  }
}

void HttpServer::Impl::Dispatch(Loop* loop, Connection* c, std::string_view body, size_t consumed) {
  const RequestHead& h = c->head;
  const bool head_only = h.method == "HEAD";
  const bool keep_alive = h.keep_alive && !stopping.load(std::memory_order_relaxed) && !c->peer_eof &&
                          c->requests < options.keep_alive_max_requests;
  const auto finish = [&] {
    c->in.erase(0, consumed);
    c->head_scanned = 0;
    c->request_start_ms = 0;
    if (c->phase != Connection::Phase::kDraining) c->phase = Connection::Phase::kHead;
  };
  const RouteMatch m = MatchRoute(h.method, h.path);
  if (m.status != 0) {
    HttpAnswer a = ErrorAnswer(m.status, m.status == 405 ? "method not allowed" : "no such endpoint");
    Respond(loop, c, a, head_only, keep_alive);
    finish();
    return;
  }
  std::optional<std::string> id;
  if (!m.id_segment.empty()) {
    id = PercentDecode(m.id_segment);
    if (!id) {
      Respond(loop, c, ErrorAnswer(400, "malformed %-escape in the path"), head_only, keep_alive);
      finish();
      return;
    }
  }
  const RouteSpec spec = SpecOf(m.id);
  if (!spec.waits) {
    const auto start = std::chrono::steady_clock::now();
    Inputs in;
    in.authorization = h.Header("Authorization");
    in.content_type = h.Header("Content-Type");
    in.body = body;
    in.query = h.query;
    if (m.id == RouteId::kAuthz) {
      in.account_header = h.Header(service->authz_account_header());
      in.forwarded_for = h.Header("X-Forwarded-For");
      in.real_ip = h.Header("X-Real-IP");
    }
    const HttpAnswer a = Serve(service, m.id, in);
    if (m.id != RouteId::kHealthz) service->ObserveLatency(spec.metric, MicrosSince(start));
    Respond(loop, c, a, head_only, keep_alive);
    finish();
    return;
  }
  auto job = std::make_unique<Job>();
  job->fd = c->fd;
  job->route = m.id;
  job->head_only = head_only;
  job->keep_alive = keep_alive;
  job->authorization = h.Header("Authorization");
  job->content_type = h.Header("Content-Type");
  if (id) job->id = std::move(*id);
  job->start = std::chrono::steady_clock::now();
  if (c->phase == Connection::Phase::kBody && consumed == c->in.size() && body.size() > kMinMoveBytes) {
    // The body is the whole input (the usual event batch): hand the buffer
    // over instead of copying megabytes. A moved heap buffer keeps its
    // address, so `body` stays valid.
    job->buffer = std::move(c->in);
    job->body = body;
    c->in = std::string();
    consumed = 0;
  } else if (c->phase == Connection::Phase::kChunked) {
    job->buffer = std::move(c->chunked.body());
    job->body = job->buffer;
  } else {
    job->buffer.assign(body);
    job->body = job->buffer;
  }
  finish();
  c->phase = Connection::Phase::kBusy;
  SetInterest(loop, c, 0);
  pool.Submit([this, loop, j = job.release()]() mutable {
    std::unique_ptr<Job> owned(j);
    Inputs in;
    in.authorization = owned->authorization;
    in.content_type = owned->content_type;
    in.body = owned->body;
    in.id = owned->id;
    owned->answer = Serve(service, owned->route, in);
    service->ObserveLatency(SpecOf(owned->route).metric, MicrosSince(owned->start));
    owned->body = {};
    std::string().swap(owned->buffer);
    {
      std::lock_guard lock(loop->done_mu);
      loop->done.push_back(std::move(owned));
    }
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = write(loop->wake_fd, &one, sizeof(one));
  });
}

void HttpServer::Impl::OnWake(Loop* loop) {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = read(loop->wake_fd, &count, sizeof(count));
  std::vector<std::unique_ptr<Job>> done;
  {
    std::lock_guard lock(loop->done_mu);
    done.swap(loop->done);
  }
  for (auto& job : done) {
    auto it = loop->connections.find(job->fd);
    DG_CHECK(it != loop->connections.end());  // a busy connection is never freed
    Connection* c = it->second.get();
    c->phase = Connection::Phase::kHead;
    if (c->dead) {
      // The client went away while the worker answered (Close counted it
      // out already): free it now that no worker holds its request.
      loop->to_close.push_back(c->fd);
      continue;
    }
    SetInterest(loop, c, EPOLLIN);
    Respond(loop, c, job->answer, job->head_only, job->keep_alive);
    if (!c->dead && c->phase == Connection::Phase::kHead) Process(loop, c);
  }
  if (stopping.load()) BeginStop(loop);
}

void HttpServer::Impl::Respond(Loop* loop, Connection* c, const HttpAnswer& a, bool head_only, bool keep_alive) {
  if (a.status >= 400) service->CountHttpError(a.status);
  AppendResponse(&c->out, a, head_only, !keep_alive);
  if (!keep_alive) {
    c->close_after_write = true;
    c->phase = Connection::Phase::kDraining;
  }
  Flush(loop, c);
}

void HttpServer::Impl::Fail(Loop* loop, Connection* c, int status, std::string_view message) {
  c->in.clear();
  Respond(loop, c, ErrorAnswer(status, message), false, false);
}

void HttpServer::Impl::Flush(Loop* loop, Connection* c) {
  while (c->out_pos < c->out.size()) {
    const ssize_t n = send(c->fd, c->out.data() + c->out_pos, c->out.size() - c->out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_pos += static_cast<size_t>(n);
      c->write_wait_ms = NowMs();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (c->write_wait_ms == 0) c->write_wait_ms = NowMs();
      SetInterest(loop, c, c->interest | EPOLLOUT);
      return;
    }
    Close(loop, c);
    return;
  }
  c->out.clear();
  c->out_pos = 0;
  c->write_wait_ms = 0;
  if (c->close_after_write) {
    if (!c->write_shut) {
      // Half-close and read what the client still sends, so that it sees the
      // answer instead of a reset for unread input.
      shutdown(c->fd, SHUT_WR);
      c->write_shut = true;
      c->drain_start_ms = NowMs();
    }
    if (c->peer_eof) {
      Close(loop, c);
      return;
    }
    SetInterest(loop, c, EPOLLIN);
    return;
  }
  if (c->interest & EPOLLOUT)
    SetInterest(loop, c, c->phase == Connection::Phase::kBusy ? 0u : static_cast<uint32_t>(EPOLLIN));
}

void HttpServer::Impl::OnWritable(Loop* loop, Connection* c) {
  Flush(loop, c);
  if (!c->dead && c->out.empty() && c->phase == Connection::Phase::kHead) Process(loop, c);
}

void HttpServer::Impl::Sweep(Loop* loop, int64_t now_ms) {
  using Phase = Connection::Phase;
  if (!loop->listening && !stopping.load() && now_ms >= loop->accept_paused_until_ms) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.u64 = kListenTag;
    if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) == 0) loop->listening = true;
  }
  for (auto& [fd, owned] : loop->connections) {
    Connection* c = owned.get();
    if (c->dead || c->phase == Phase::kBusy) continue;
    if (c->write_wait_ms != 0 && now_ms - c->write_wait_ms > options.write_timeout_ms) {
      Close(loop, c);  // the client does not read its answer
    } else if (c->phase == Phase::kDraining) {
      if (c->write_shut && now_ms - c->drain_start_ms > options.read_timeout_ms) Close(loop, c);
    } else if (c->phase == Phase::kHead && c->in.empty()) {
      if (now_ms - c->last_read_ms > options.idle_timeout_ms) Close(loop, c);
    } else if (c->phase == Phase::kHead) {
      // The whole head within the read timeout: a client trickling bytes
      // (slow loris) cannot hold the connection open.
      if (now_ms - c->request_start_ms > options.read_timeout_ms) Fail(loop, c, 408, "request timeout");
    } else if (now_ms - c->last_read_ms > options.read_timeout_ms) {
      Fail(loop, c, 408, "request timeout");  // the body stalled
    }
  }
}

void HttpServer::Impl::BeginStop(Loop* loop) {
  using Phase = Connection::Phase;
  if (loop->listening) {
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
    loop->listening = false;
  }
  for (auto& [fd, owned] : loop->connections) {
    Connection* c = owned.get();
    if (c->dead || c->phase == Phase::kBusy) continue;
    const bool flushed = c->out_pos >= c->out.size();
    // Idle, or its last answer written: a stopping server does not wait for
    // the client to close (or the read timeout) before it goes.
    if (flushed && ((c->phase == Phase::kHead && c->in.empty()) || (c->phase == Phase::kDraining && c->write_shut))) {
      Close(loop, c);
    }
  }
}

void HttpServer::Impl::RunLoop(Loop* loop) {
  NameThisThread("dg-http-io");
  (void)PinThisThread(options.io_cpus);  // checked when the service opened
  std::array<epoll_event, kMaxEpollEvents> events{};
  int64_t next_sweep_ms = NowMs() + kSweepIntervalMs;
  bool stop_seen = false;
  while (true) {
    if (stopping.load(std::memory_order_relaxed)) {
      if (!stop_seen) {
        stop_seen = true;
        BeginStop(loop);
        Reap(loop);
      }
      if (loop->connections.empty()) return;
    }
    const int timeout_ms = static_cast<int>(std::max<int64_t>(0, next_sweep_ms - NowMs()));
    const int n = epoll_wait(loop->epoll_fd, events.data(), kMaxEpollEvents, timeout_ms);
    for (int i = 0; i < n; ++i) {
      const epoll_event& e = events[i];
      if (e.data.u64 == kListenTag) {
        if (!stopping.load()) OnListen(loop);
        continue;
      }
      if (e.data.u64 == kWakeTag) {
        OnWake(loop);
        continue;
      }
      auto* c = static_cast<Connection*>(e.data.ptr);
      if (c->dead) continue;
      if ((e.events & (EPOLLERR | EPOLLHUP)) && !(e.events & EPOLLIN)) {
        Close(loop, c);
        continue;
      }
      if (e.events & EPOLLOUT) OnWritable(loop, c);
      if (!c->dead && (e.events & EPOLLIN)) OnReadable(loop, c);
    }
    const int64_t now_ms = NowMs();
    if (now_ms >= next_sweep_ms) {
      Sweep(loop, now_ms);
      next_sweep_ms = now_ms + kSweepIntervalMs;
    }
    Reap(loop);
    if (stop_seen) BeginStop(loop);
  }
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
  ListenAddress out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::InvalidArgument("--listen: expected [IPv6]:PORT, got '" + std::string(text) + "'");
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Status::InvalidArgument("--listen: expected HOST:PORT, got '" + std::string(text) + "'");
    }
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  const auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), out.port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || out.port < 0 || out.port > kMaxPort ||
      port_text.empty()) {
    return Status::InvalidArgument("--listen: bad port '" + std::string(port_text) + "'");
  }
  return out;
}

bool IsLoopback(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  const std::string h(host);
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return false;
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() = default;

int HttpServer::port() const { return impl_->port; }

Result<std::unique_ptr<HttpServer>> HttpServer::Bind(DecisionService* service, const ListenAddress& address) {
  const EngineConfig config = service->config();
  const ServiceOptions& o = config.service;
  if (!IsLoopback(address.host) && service->Authorize("") == Scope::kWrite) {
    return Status::InvalidArgument("refusing to listen on " + address.host +
                                   " without tokens: configure service.read_tokens/write_tokens or " + kWriteTokensEnv);
  }
  if (!IsLoopback(address.host)) service->RequireTokens();
  auto impl = std::make_unique<Impl>();
  impl->service = service;
  impl->options = o;
  impl->limits.max_body_bytes = o.max_body_bytes;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(address.port);
  const std::string where = address.host + ":" + port_text;
  if (const int rc = getaddrinfo(address.host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return Status::IoError("cannot listen on " + where + ": " + gai_strerror(rc));
  }
  std::string failure = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0) {
      impl->listen_fd = fd;
      break;
    }
    failure = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(found);
  if (impl->listen_fd < 0) return Status::IoError("cannot listen on " + where + ": " + failure);
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof(bound);
  if (getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) {
    return Status::IoError("cannot listen on " + where + ": " + std::strerror(errno));
  }
  const in_port_t port = bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                                     : reinterpret_cast<sockaddr_in*>(&bound)->sin_port;
  impl->port = ntohs(port);
  DG_RETURN_IF_ERROR(impl->Setup());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

Status HttpServer::Run() {
  Impl& s = *impl_;
  s.pool.Start(s.options.threads);
  std::vector<std::thread> others;
  for (size_t i = 1; i < s.loops.size(); ++i) others.emplace_back([&s, i] { s.RunLoop(s.loops[i].get()); });
  s.RunLoop(s.loops[0].get());
  for (std::thread& t : others) t.join();
  s.pool.StopAndJoin();
  return Status::Ok();
}

void HttpServer::Stop() {
  impl_->stopping.store(true);
  const uint64_t one = 1;
  for (auto& loop : impl_->loops) {
    [[maybe_unused]] const ssize_t n = write(loop->wake_fd, &one, sizeof(one));
  }
}

}  // namespace dg
