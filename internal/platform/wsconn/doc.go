// Package wsconn is the WebSocket connection layer every WebSocket API of the
// server is built on. It knows nothing about any API: an API supplies a
// Handler and Options, the Hub upgrades the request and runs the connection.
//
// Each connection has exactly one reader (the read pump) and at most one
// writer, as in gorilla/websocket's chat example, but an idle connection
// costs one goroutine, not two:
//
//   - Handler.OnOpen runs on the upgrading goroutine; then the read pump
//     reads frames one at a time and hands each text or binary message to
//     Handler.OnMessage, in order. Every inbound frame, ping and pong renews
//     the read deadline (Options.PongWait), so a silent peer that stops
//     answering pings is dropped.
//   - The writer exists only while there is something to write: a queued
//     frame, a pong for the peer's ping, the ping a timer asks for every
//     Options.PingPeriod, or the close. It sends them in order, one WebSocket
//     frame per Send call (queued messages are never merged), the close frame
//     last, and ends when nothing is left. The queue's buffer is given back
//     when it empties, and write buffers come from a pool shared by every
//     connection.
//
// Sending never blocks: frames go into a bounded queue (Options.SendQueue).
// A peer that does not read fast enough to keep the queue from overflowing is
// disconnected with CloseSlowConsumer (4008) instead of stalling the sender,
// like Centrifugo's and NATS's slow-consumer handling. Replies are paced
// instead: while the queue is over half full, the read pump waits before
// handing OnMessage the next message, so a client that pipelines requests
// meets TCP backpressure rather than a 4008; in practice only frames sent from
// other goroutines (broadcasts) overflow the queue.
//
// Closing follows RFC 6455's closing handshake: the side that closes sends a
// close frame, the other echoes it, then the server closes the TCP connection.
// A server-initiated close (Conn.Close, Hub.Shutdown, the read limit, a failed
// OnOpen) first flushes the frames already queued; after its close frame the
// connection lingers up to Options.CloseGrace for the peer's echo, reading and
// discarding, so the peer receives the close frame instead of a TCP reset.
//
// Conn.Context is cancelled as soon as the close begins; work a handler starts
// for a connection should watch it, since OnClose and Hub.Shutdown wait for
// the read pump, and so for OnMessage to return.
//
// Handler.OnClose runs exactly once, after the read pump and the writer have stopped, with the
// code that ended the connection: the server's own code when it closed first,
// the peer's code when the peer did, or CloseAbnormal (1006) when the
// transport broke without a close frame.
package wsconn
