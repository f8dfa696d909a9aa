// HttpServer: puts a DecisionService on the network (HTTP/1.1, cpp-httplib).
//
// Service stage, outermost: routes, authorisation (401 without a valid
// token, 403 with a read token on a write endpoint), limits (body size,
// per-connection read/write/idle timeouts) and JSON error bodies for every
// 4xx/5xx, including the ones the library answers itself (bad request line,
// oversized header line, 413). docs/service.md lists the routes.
//
// Threading: cpp-httplib serves each connection on one thread of a fixed
// pool (ServiceOptions::threads); connections beyond that wait for a free
// thread. Handlers call the DecisionService, which is thread-safe.
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

namespace httplib {
class Server;
}

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

  int port() const { return port_; }
  // Serves until Stop(). IoError if the server failed.
  Status Run();
  void Stop();

 private:
  HttpServer(DecisionService* service);
  void InstallRoutes();

  DecisionService* service_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
};

}  // namespace dg

#endif  // DG_SERVICE_HTTP_SERVER_H_
