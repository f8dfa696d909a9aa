// Client plumbing of the serve benchmark's load generators (serve_ingest,
// serve_check): a TCP_NODELAY connection to 127.0.0.1 and reading the head
// of an HTTP/1.1 answer. Benchmark tools only: errors end the process.
#ifndef DG_BENCH_LOOPBACK_CLIENT_H_
#define DG_BENCH_LOOPBACK_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace dg::bench {

[[noreturn]] inline void Die(const char* tool, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", tool, what.c_str());
  std::exit(1);
}

inline int ConnectLoopback(const char* tool, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Die(tool, "socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0) Die(tool, "connect");
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// The status and Content-Length of an answer head (the bytes before the
// blank line); -1 for a missing Content-Length.
struct AnswerHead {
  int status = 0;
  long long content_length = -1;
};

inline AnswerHead ParseAnswerHead(std::string_view head) {
  AnswerHead h;
  const size_t sp = head.find(' ');
  if (sp != std::string_view::npos) h.status = std::atoi(std::string(head.substr(sp + 1, 3)).c_str());
  std::string lower(head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  constexpr std::string_view kLength = "\ncontent-length:";
  const size_t at = lower.find(kLength);
  if (at != std::string::npos) h.content_length = std::atoll(lower.c_str() + at + kLength.size());
  return h;
}

}  // namespace dg::bench

#endif  // DG_BENCH_LOOPBACK_CLIENT_H_
