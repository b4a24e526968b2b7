// The Bun reference of the fan-out load test (FanOutLoad --targets bun, IdleConnections): what
// RawBroadcastServer does with Java-WebSocket, done with Bun's uWebSockets. Every connection is
// subscribed to one topic on open, and every text or binary message received is published to that
// topic with server.publish, so the sender gets its own copy too (the publisher's acknowledgement,
// as with the raw server's broadcast()). No protocol, no store, no ordering guarantee beyond TCP's.
//
//   bun chat-benchmarks/src/main/resources/bun/broadcast-server.js [PORT]
//
// It ships inside benchmarks.jar (FanOutLoad copies it to a temporary file to run it).
//
// Listens on 127.0.0.1 only (port 0: any free port) and prints "listening on ws://127.0.0.1:PORT/ws"
// once bound, the line FanOutLoad waits for. Any path is upgraded. Stops on SIGTERM or SIGINT.
const TOPIC = "all";

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2] ?? 0),
  fetch(req, srv) {
    if (srv.upgrade(req)) {
      return undefined;
    }
    return new Response("WebSocket only\n", { status: 426 });
  },
  websocket: {
    // As the Java servers run: no compression, pings on (Bun's default), no idle timeout, so an
    // idle connection of the IdleConnections scenario is kept as long as it answers pings.
    perMessageDeflate: false,
    idleTimeout: 0,
    // A subscriber that falls behind is buffered, not dropped or closed: the load generator checks
    // that nothing is lost, and its window keeps the backlog small.
    backpressureLimit: 64 * 1024 * 1024,
    closeOnBackpressureLimit: false,
    open(ws) {
      ws.subscribe(TOPIC);
    },
    message(ws, message) {
      server.publish(TOPIC, message);
    },
  },
});

console.log(`listening on ws://127.0.0.1:${server.port}/ws`);

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.stop(true);
    process.exit(0);
  });
}
