"""Free TCP ports on 127.0.0.1 for the servers an end-to-end test starts.

A port is free when the kernel hands it out for bind(("127.0.0.1", 0)); it
can hand the same port out again as soon as that socket is closed, so ports
asked for together are held open until all are chosen, and no port is given
twice in one process (a NATS node once got the same port as its client and
its route port, and the cluster never formed)."""
import socket

_given = set()


def free_ports(n):
    """`n` distinct ports, none given before by this process."""
    held = []
    ports = []
    try:
        while len(ports) < n:
            s = socket.socket()
            held.append(s)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port not in _given:
                _given.add(port)
                ports.append(port)
    finally:
        for s in held:
            s.close()
    return ports


def free_port():
    return free_ports(1)[0]
