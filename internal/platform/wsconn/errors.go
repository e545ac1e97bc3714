package wsconn

import "errors"

var (
	// ErrClosed is returned by Send methods once the connection is closing or
	// gone; the frame is dropped.
	ErrClosed = errors.New("wsconn: connection closed")
	// ErrSlowConsumer is returned by the Send call that found the queue full;
	// that call has started closing the connection with CloseSlowConsumer.
	ErrSlowConsumer = errors.New("wsconn: send queue full, slow consumer disconnected")
	// ErrShuttingDown is returned by Hub.Serve after Hub.Shutdown; the client
	// got 503 and no upgrade.
	ErrShuttingDown = errors.New("wsconn: server shutting down")
	// ErrServerFull is returned by Hub.Serve at Limits.MaxConnections; the
	// client got 503 and no upgrade.
	ErrServerFull = errors.New("wsconn: too many open connections")
	// ErrAddressFull is returned by Hub.Serve at
	// Limits.MaxConnectionsPerAddress; the client got 429 and no upgrade.
	ErrAddressFull = errors.New("wsconn: too many open connections from the client's address")
)
