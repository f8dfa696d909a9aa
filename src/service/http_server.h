// HttpServer: puts a DecisionService on the network (HTTP/1.1 over epoll).
//
// Service stage, outermost: connections, request framing (service/
// http_parser.h), routes, authorisation (401 without a valid token, 403 with
// a read token on a write endpoint), limits (head and body size,
// per-connection read/write/idle timeouts, connection count) and a JSON error
// body for every 4xx/5xx. docs/service.md lists the routes.
//
// Threading: `service.io_threads` event loops share the listening socket
// (EPOLLEXCLUSIVE); each owns the connections it accepted, reads and parses
// their requests and writes their answers. The routes a gateway calls per
// request (/v1/check, /v1/authz, /healthz) never wait, so a loop answers
// them itself: no thread hand-off and one write per answer. Routes that wait
// (for the log commit, the engine or a lock: /v1/events, account and
// campaign reads, overrides, reload, metrics) go to a pool of
// `service.threads` workers; the connection pauses (its later pipelined
// requests wait) until the worker hands the answer back to the loop, which
// writes it. Handlers call the DecisionService, which is thread-safe.
//
// Thread-safety: Run() blocks on one thread; Stop() may be called from any
// other (e.g. a signal-handling thread) and makes Run() return once the
// requests in flight are answered.
#ifndef DG_SERVICE_HTTP_SERVER_H_
#define DG_SERVICE_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "service/service.h"

namespace dg {

struct ListenAddress {
  std::string host;
  int port = 0;
};

// "127.0.0.1:8080", "[::1]:8080", "localhost:0" (port 0: any free port).
Result<ListenAddress> ParseListenAddress(std::string_view text);
// 127.0.0.0/8, ::1 and "localhost".
bool IsLoopback(std::string_view host);

class HttpServer {
 public:
  // Binds the listening socket (so that a busy port fails here). Refuses a
  // non-loopback address when the service has no tokens.
  static Result<std::unique_ptr<HttpServer>> Bind(DecisionService* service, const ListenAddress& address);
  ~HttpServer();

  int port() const;
  // Serves until Stop(). IoError if the server failed.
  Status Run();
  void Stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dg

#endif  // DG_SERVICE_HTTP_SERVER_H_
