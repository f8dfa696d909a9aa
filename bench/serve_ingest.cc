// Ingestion load for the serve benchmark (bench/serve_bench.sh): posts NDJSON
// batches of events from a file to POST /v1/events over one keep-alive HTTP/1.1
// connection at a target rate for a while, looping over the file with fresh
// request ids (so nothing is dropped as a duplicate), and prints a JSON line
// with the rate the server accepted (counted from its answers).
//
//   serve_ingest PORT EVENTS.jsonl RATE_PER_S SECONDS [BATCH=1000] [TOKEN]
//
// SECONDS = 0 posts the file once, as fast as RATE allows.
//
// Why not Python (the earlier bench/serve_ingest.py): at 20k events/s
// (~20 MB/s) the Python driver took about half of one of the two cores the
// benchmark runs on, so the check latency measured was mostly the driver's.
// This one costs a few percent of a core: a batch is a memcpy with the ids
// rewritten, and a blocking write of ~1 MB.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "loopback_client.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what) { dg::bench::Die("serve_ingest", what); }

int Connect(int port) { return dg::bench::ConnectLoopback("serve_ingest", port); }

void SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) Die("send");
    data.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads one HTTP/1.1 answer with a Content-Length; returns its status and body.
int ReadAnswer(int fd, std::string* buffer, std::string* body) {
  size_t header_end = std::string::npos;
  char chunk[65536];
  while ((header_end = buffer->find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) Die("connection closed before the answer");
    buffer->append(chunk, static_cast<size_t>(n));
  }
  const dg::bench::AnswerHead head = dg::bench::ParseAnswerHead(std::string_view(*buffer).substr(0, header_end));
  if (head.content_length < 0) Die("answer without Content-Length");
  const int status = head.status;
  const auto length = static_cast<size_t>(head.content_length);
  while (buffer->size() < header_end + 4 + length) {
    const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) Die("connection closed in the answer's body");
    buffer->append(chunk, static_cast<size_t>(n));
  }
  body->assign(*buffer, header_end + 4, length);
  buffer->erase(0, header_end + 4 + length);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) Die("usage: serve_ingest PORT EVENTS.jsonl RATE_PER_S SECONDS [BATCH=1000] [TOKEN]");
  const int port = std::atoi(argv[1]);
  const double rate = std::atof(argv[3]);
  const double seconds = std::atof(argv[4]);
  const size_t batch = argc > 5 ? std::strtoul(argv[5], nullptr, 10) : 1000;
  const std::string token = argc > 6 ? argv[6] : "";
  if (rate <= 0 || batch == 0) Die("RATE and BATCH must be positive");

  std::ifstream in(argv[2], std::ios::binary);
  if (!in) Die(std::string("cannot read ") + argv[2]);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(std::move(line));
  }
  if (lines.empty()) Die("no events");

  const int fd = Connect(port);
  const bool once = seconds == 0;
  constexpr std::string_view kIdKey = "\"request_id\":\"";
  const std::string pid = std::to_string(getpid());
  std::string body, request, buffer, answer;
  std::vector<double> latencies_ms;
  uint64_t sent = 0, accepted = 0;
  size_t pos = 0, loop = 0;
  const auto start = Clock::now();
  const auto elapsed_s = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  while (once ? pos < lines.size() : elapsed_s() < seconds) {
    body.clear();
    const size_t end = std::min(lines.size(), pos + batch);
    // Fresh ids per process and pass: no duplicates of earlier runs.
    const std::string prefix = std::string(kIdKey) + "P" + pid + "-" + std::to_string(loop) + "-";
    for (size_t i = pos; i < end; ++i) {
      const std::string& l = lines[i];
      const size_t at = once ? std::string::npos : l.find(kIdKey);
      if (at == std::string::npos) {
        body += l;
      } else {
        body.append(l, 0, at);
        body += prefix;
        body.append(l, at + kIdKey.size(), std::string::npos);
      }
      body += '\n';
    }
    sent += end - pos;
    pos = end;
    if (pos >= lines.size() && !once) pos = 0, ++loop;
    request = "POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n";
    if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    const auto t0 = Clock::now();
    SendAll(fd, request);
    SendAll(fd, body);
    const int status = ReadAnswer(fd, &buffer, &answer);
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (status != 200) Die("POST /v1/events answered " + std::to_string(status) + ": " + answer);
    const size_t a = answer.find("\"accepted\":");
    if (a != std::string::npos) accepted += std::strtoull(answer.c_str() + a + 11, nullptr, 10);
    // Pace to the target rate.
    const double ahead = static_cast<double>(sent) / rate - elapsed_s();
    if (ahead > 0) std::this_thread::sleep_for(std::chrono::duration<double>(ahead));
  }
  close(fd);
  const double elapsed = elapsed_s();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto pct = [&](double p) {
    return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<size_t>(latencies_ms.size() * p))];
  };
  std::printf(
      "{\"events\": %llu, \"accepted\": %llu, \"seconds\": %.2f, \"events_per_s\": %.0f, \"batch\": %zu, "
      "\"post_p50_ms\": %.1f, \"post_p99_ms\": %.1f}\n",
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(accepted), elapsed,
      static_cast<double>(accepted) / elapsed, batch, pct(0.5), pct(0.99));
  return 0;
}
