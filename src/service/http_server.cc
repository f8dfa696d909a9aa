#include "service/http_server.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <charconv>
#include <chrono>

namespace dg {
namespace {

constexpr int kMaxPort = 65535;

int64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
}

void Answer(const HttpAnswer& a, httplib::Response& res) {
  res.status = a.status;
  for (const auto& [k, v] : a.headers) res.set_header(k, v);
  res.set_content(a.body, a.content_type);
}

const char* StatusText(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "no such endpoint";
    case 405: return "method not allowed";
    case 408: return "request timeout";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 415: return "unsupported media type";
    case 416: return "range not satisfiable";
    case 500: return "internal error";
    case 503: return "service unavailable";
    default: return "request refused";
  }
}

}  // namespace

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

HttpServer::HttpServer(DecisionService* service) : service_(service), server_(std::make_unique<httplib::Server>()) {}

HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Bind(DecisionService* service, const ListenAddress& address) {
  const EngineConfig config = service->config();
  const ServiceOptions& o = config.service;
  if (!IsLoopback(address.host) && service->Authorize("") == Scope::kWrite) {
    return Status::InvalidArgument("refusing to listen on " + address.host +
                                   " without tokens: configure service.read_tokens/write_tokens or " +
                                   kWriteTokensEnv);
  }
  if (!IsLoopback(address.host)) service->RequireTokens();
  std::unique_ptr<HttpServer> s(new HttpServer(service));
  httplib::Server& svr = *s->server_;
  const size_t threads = o.threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  svr.set_payload_max_length(o.max_body_bytes);
  svr.set_read_timeout(o.read_timeout_ms / 1000, (o.read_timeout_ms % 1000) * 1000);
  svr.set_write_timeout(o.write_timeout_ms / 1000, (o.write_timeout_ms % 1000) * 1000);
  // httplib counts the keep-alive timeout in whole seconds.
  svr.set_keep_alive_timeout(std::max<time_t>(1, static_cast<time_t>(o.idle_timeout_ms / 1000)));
  svr.set_keep_alive_max_count(o.keep_alive_max_requests);
  // Checks are small request/answer pairs: Nagle's delay would dominate them.
  svr.set_tcp_nodelay(true);
  s->InstallRoutes();
  if (address.port == 0) {
    const int port = svr.bind_to_any_port(address.host);
    if (port < 0) return Status::IoError("cannot listen on " + address.host);
    s->port_ = port;
  } else {
    if (!svr.bind_to_port(address.host, address.port)) {
      return Status::IoError("cannot listen on " + address.host + ":" + std::to_string(address.port));
    }
    s->port_ = address.port;
  }
  return s;
}

Status HttpServer::Run() {
  if (!server_->listen_after_bind()) return Status::IoError("the HTTP server stopped with an error");
  return Status::Ok();
}

void HttpServer::Stop() { server_->stop(); }

void HttpServer::InstallRoutes() {
  httplib::Server& svr = *server_;
  DecisionService* service = service_;

  // Every handler goes through here: authorisation, then the call, then the
  // latency and error counts.
  const auto guarded = [service](Scope need, Route route, auto fn) {
    return [service, need, route, fn](const httplib::Request& req, httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      const Scope have = service->Authorize(req.get_header_value("Authorization"));
      HttpAnswer answer;
      if (have == Scope::kNone) {
        answer = ErrorAnswer(401, "missing or invalid bearer token");
        answer.headers.emplace_back("WWW-Authenticate", "Bearer");
      } else if (need == Scope::kWrite && have != Scope::kWrite) {
        answer = ErrorAnswer(403, "this token may only read");
      } else {
        answer = fn(req);
      }
      if (answer.status >= 400) service->CountHttpError(answer.status);
      Answer(answer, res);
      service->ObserveLatency(route, MicrosSince(start));
    };
  };

  svr.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  svr.Post("/v1/check", guarded(Scope::kRead, Route::kCheck, [service](const httplib::Request& req) {
             return service->Check(req.body, req.get_header_value("Content-Type"));
           }));
  svr.Post("/v1/events", guarded(Scope::kWrite, Route::kEvents, [service](const httplib::Request& req) {
             return service->PostEvents(req.body, req.get_header_value("Content-Type"));
           }));
  svr.Post(R"(/v1/accounts/([^/]+)/override)",
           guarded(Scope::kWrite, Route::kOverride, [service](const httplib::Request& req) {
             return service->SetOverride(OverrideKind::kAccount, req.matches[1].str(), req.body,
                                         req.get_header_value("Content-Type"));
           }));
  svr.Post(R"(/v1/campaigns/([^/]+)/override)",
           guarded(Scope::kWrite, Route::kOverride, [service](const httplib::Request& req) {
             return service->SetOverride(OverrideKind::kCampaign, req.matches[1].str(), req.body,
                                         req.get_header_value("Content-Type"));
           }));
  svr.Post("/v1/admin/reload", guarded(Scope::kWrite, Route::kOther, [service](const httplib::Request&) {
             return service->Reload();
           }));
  svr.Get(R"(/v1/accounts/([^/]+))", guarded(Scope::kRead, Route::kAccount, [service](const httplib::Request& req) {
            return service->GetAccount(req.matches[1].str());
          }));
  // nginx auth_request sends GET /v1/authz; Envoy ext_authz (HTTP mode)
  // sends the original method to path_prefix + the original path.
  const auto authz = guarded(Scope::kRead, Route::kCheck, [service](const httplib::Request& req) {
    AuthzRequest r;
    const std::string account = req.get_header_value(service->authz_account_header().c_str());
    const std::string forwarded_for = req.get_header_value("X-Forwarded-For");
    const std::string real_ip = req.get_header_value("X-Real-IP");
    r.account_id = account;
    r.forwarded_for = forwarded_for;
    r.real_ip = real_ip;
    r.nginx_compat = req.get_param_value("compat") == "nginx";
    return service->Authz(r);
  });
  const char* const authz_path = R"(/v1/authz(/.*)?)";
  svr.Get(authz_path, authz);  // also HEAD
  svr.Post(authz_path, authz);
  svr.Put(authz_path, authz);
  svr.Patch(authz_path, authz);
  svr.Delete(authz_path, authz);
  svr.Options(authz_path, authz);
  svr.Get("/v1/campaigns", guarded(Scope::kRead, Route::kCampaigns, [service](const httplib::Request&) {
            return service->GetCampaigns();
          }));
  svr.Get("/v1/overrides", guarded(Scope::kRead, Route::kOther, [service](const httplib::Request&) {
            return service->GetOverrides();
          }));
  svr.Get("/metrics", guarded(Scope::kRead, Route::kOther, [service](const httplib::Request&) {
            return HttpAnswer{200, service->MetricsText(), "text/plain; version=0.0.4"};
          }));

  // Answers the library makes itself (no route, unreadable request, body
  // over the limit) and handler answers without a body get a JSON error.
  svr.set_error_handler(httplib::Server::HandlerWithResponse([service](const httplib::Request&,
                                                                      httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    service->CountHttpError(res.status);
    Answer(ErrorAnswer(res.status, StatusText(res.status)), res);
    return httplib::Server::HandlerResponse::Handled;
  }));
  svr.set_exception_handler([service](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    service->CountHttpError(500);
    Answer(ErrorAnswer(500, "internal error"), res);
  });
}

}  // namespace dg
