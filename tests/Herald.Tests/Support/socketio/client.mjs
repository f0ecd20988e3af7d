// Seed 004's subscription, driven by Herald's tests: `io(url, options)` then `socket.on('metrics:realtime', ...)`.
// argv[2] is JSON {url, options}; every event is printed to stdout as one JSON line. Closing stdin closes the socket.
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const { url, options } = JSON.parse(process.argv[2]);
const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const socket = io(url, { reconnection: false, ...options });
const transport = () => socket.io.engine?.transport?.name ?? null;

socket.io.on("open", () => socket.io.engine.on("upgrade", (t) => print({ event: "upgrade", transport: t.name })));
socket.on("connect", () => print({ event: "connect", id: socket.id, transport: transport() }));
socket.on("connect_error", (err) => print({ event: "connect_error", message: err.message, data: err.data ?? null }));
socket.on("disconnect", (reason) => print({ event: "disconnect", reason }));
socket.on("metrics:realtime", (data) => print({ event: "metrics:realtime", transport: transport(), data }));

const finish = () => {
  socket.close();
  setTimeout(() => process.exit(0), 50);
};
createInterface({ input: process.stdin }).on("close", finish);
