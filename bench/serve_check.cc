// Open-loop check load for the serve benchmark (bench/serve_bench.sh): sends
// POST /v1/check at a fixed rate over a pool of keep-alive connections, the
// way a gateway asks once per API request whatever the service's speed, and
// prints the latency distribution as one JSON line (the fields of
// bench/check.lua's, so the script reads both).
//
//   serve_check PORT ACCOUNTS.txt RATE_PER_S SECONDS [CONNECTIONS=16] [TOKEN]
//
// Why not wrk: wrk is closed-loop (a connection sends its next request when
// the answer arrives), so it measures saturation, where latency is mostly
// queueing; its paced mode fires whole-millisecond timers on every connection
// at once (bursts). Here check i is due at start + i / RATE; it goes out on
// an idle connection when due, or waits for one, and its latency counts from
// when it was due, so a stall of the server counts for every check that
// should have been sent during it (no coordinated omission). One request at
// a time per connection, as a gateway's connection pool does; when all
// connections are busy the check waits, and that wait is in its latency.
// Printed beside it, the two parts of that latency: how late the generator
// noticed a check was due (late_*: its own delay, e.g. waiting for a CPU it
// shares with the service, which a gateway on another machine does not
// have), and the latency from then on (gateway_*: waiting for a free
// connection, then the round trip; the service's part). p50_us..max_us are
// from due.
#include <sys/epoll.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include "loopback_client.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kTool = "serve_check";
constexpr int kMaxEvents = 64;
// Timer wake-ups cost the generator more than the checks do (in a VM each
// one is an exit): it sleeps at least this long and then sends every check
// that fell due, which can only add to the latencies it reports.
constexpr int64_t kMinSleepNs = 100'000;

struct Conn {
  int fd = -1;
  bool busy = false;
  Clock::time_point due;      // of the check in flight
  Clock::time_point noticed;  // when the generator saw it was due
  std::string in;
};

}  // namespace

int main(int argc, char** argv) {
  using dg::bench::Die;
  if (argc < 5) Die(kTool, "usage: serve_check PORT ACCOUNTS.txt RATE_PER_S SECONDS [CONNECTIONS=16] [TOKEN]");
  const int port = std::atoi(argv[1]);
  const double rate = std::atof(argv[3]);
  const double seconds = std::atof(argv[4]);
  const int connections = argc > 5 ? std::atoi(argv[5]) : 16;
  const std::string token = argc > 6 ? argv[6] : "";
  if (rate <= 0 || seconds <= 0 || connections <= 0) Die(kTool, "RATE, SECONDS and CONNECTIONS must be positive");

  std::ifstream in(argv[2]);
  if (!in) Die(kTool, std::string("cannot read ") + argv[2]);
  std::vector<std::string> requests;
  for (std::string id; std::getline(in, id);) {
    if (id.empty()) continue;
    const std::string body = "{\"account_id\":\"" + id + "\"}";
    std::string r = "POST /v1/check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
    if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    requests.push_back(std::move(r));
  }
  if (requests.empty()) Die(kTool, "no accounts");

  const int ep = epoll_create1(0);
  std::vector<Conn> conns(static_cast<size_t>(connections));
  std::vector<Conn*> idle;
  for (Conn& c : conns) {
    c.fd = dg::bench::ConnectLoopback(kTool, port);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &c;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    idle.push_back(&c);
  }

  const auto total = static_cast<uint64_t>(rate * seconds);
  const auto start = Clock::now();
  const auto due_of = [&](uint64_t i) {
    return start + std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate));
  };
  std::vector<uint32_t> latency_us;
  latency_us.reserve(total);
  // Due -> noticed (the generator's own delay) and noticed -> answered (the
  // service's part, connection wait included).
  std::vector<uint32_t> late_us;
  late_us.reserve(total);
  std::vector<uint32_t> gateway_us;
  gateway_us.reserve(total);
  struct Due {
    Clock::time_point due, noticed;
  };
  std::deque<Due> waiting;  // due checks without a free connection
  uint64_t next = 0, non2xx = 0;
  size_t which = 0;
  std::array<epoll_event, kMaxEvents> events{};
  const auto send_on = [&](Conn* c, const Due& d) {
    const std::string& r = requests[which++ % requests.size()];
    c->busy = true;
    c->due = d.due;
    c->noticed = d.noticed;
    if (send(c->fd, r.data(), r.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(r.size())) Die(kTool, "send");
  };
  while (latency_us.size() < total) {
    const auto now = Clock::now();
    while (next < total && due_of(next) <= now) {
      const Clock::time_point due = due_of(next++);
      waiting.push_back({due, now});
      late_us.push_back(
          static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - due).count()));
    }
    while (!waiting.empty() && !idle.empty()) {
      Conn* c = idle.back();
      idle.pop_back();
      send_on(c, waiting.front());
      waiting.pop_front();
    }
    // Sleep until the next check is due or an answer arrives.
    timespec timeout{0, 0};
    if (next < total && waiting.empty()) {
      const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(due_of(next) - Clock::now()).count();
      timeout.tv_nsec = std::clamp<int64_t>(wait, kMinSleepNs, 999'999'999);
    } else if (next >= total || !waiting.empty()) {
      timeout.tv_nsec = 100'000'000;  // answers are what we wait for
    }
    const int n = epoll_pwait2(ep, events.data(), kMaxEvents, &timeout, nullptr);
    for (int e = 0; e < n; ++e) {
      Conn* c = static_cast<Conn*>(events[e].data.ptr);
      char buf[16384];
      const ssize_t got = recv(c->fd, buf, sizeof(buf), 0);
      if (got <= 0) Die(kTool, "the server closed a connection");
      c->in.append(buf, static_cast<size_t>(got));
      const size_t end = c->in.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      const dg::bench::AnswerHead head = dg::bench::ParseAnswerHead(std::string_view(c->in).substr(0, end));
      if (head.content_length < 0) Die(kTool, "answer without Content-Length");
      const size_t whole = end + 4 + static_cast<size_t>(head.content_length);
      if (c->in.size() < whole) continue;
      c->in.erase(0, whole);
      if (!c->busy) Die(kTool, "an answer nobody asked for");
      c->busy = false;
      if (head.status < 200 || head.status >= 300) ++non2xx;
      const auto now_answered = Clock::now();
      latency_us.push_back(
          static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(now_answered - c->due).count()));
      gateway_us.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now_answered - c->noticed).count()));
      if (!waiting.empty()) {
        send_on(c, waiting.front());
        waiting.pop_front();
      } else {
        idle.push_back(c);
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latency_us.begin(), latency_us.end());
  std::sort(late_us.begin(), late_us.end());
  std::sort(gateway_us.begin(), gateway_us.end());
  const auto pct_of = [](const std::vector<uint32_t>& v, double p) {
    return v[std::min(v.size() - 1, static_cast<size_t>(static_cast<double>(v.size()) * p))];
  };
  const auto pct = [&](double p) { return pct_of(latency_us, p); };
  std::printf(
      "{\"requests\": %zu, \"seconds\": %.2f, \"rps\": %.0f, \"p50_us\": %u, \"p99_us\": %u, \"p999_us\": %u, "
      "\"max_us\": %u, \"errors\": 0, \"non2xx\": %llu, \"late_p50_us\": %u, \"late_p99_us\": %u, "
      "\"gateway_p50_us\": %u, \"gateway_p99_us\": %u, \"gateway_p999_us\": %u}\n",
      latency_us.size(), elapsed, static_cast<double>(latency_us.size()) / elapsed, pct(0.5), pct(0.99), pct(0.999),
      latency_us.back(), static_cast<unsigned long long>(non2xx),  // a connection error ends the run
      pct_of(late_us, 0.5), pct_of(late_us, 0.99), pct_of(gateway_us, 0.5), pct_of(gateway_us, 0.99),
      pct_of(gateway_us, 0.999));
  for (const Conn& c : conns) close(c.fd);
  return 0;
}
