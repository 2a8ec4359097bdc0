// Prints a port that is free on 127.0.0.1 for TCP and UDP at the moment of
// asking: the kernel picks one for a TCP socket, and the port is kept only
// when a UDP socket can bind it too. For tests that start servers which
// need a port on their command line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

namespace {

int Bind(int type, unsigned short port, unsigned short* bound) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  *bound = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

int main() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    unsigned short port = 0, udp_port = 0;
    int tcp_fd = Bind(SOCK_STREAM, 0, &port);
    if (tcp_fd < 0) continue;
    int udp_fd = Bind(SOCK_DGRAM, port, &udp_port);
    close(tcp_fd);
    if (udp_fd < 0) continue;
    close(udp_fd);
    std::printf("%u\n", port);
    return 0;
  }
  std::fprintf(stderr, "free_port: no port free for both TCP and UDP on 127.0.0.1\n");
  return 1;
}
