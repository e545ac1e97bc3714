package wsconn

import "errors"

var (
	// ErrClosed is returned by Send methods once the connection is closing or
	// gone; the frame is dropped.
	ErrClosed = errors.New("wsconn: connection closed")
	// ErrSlowConsumer is returned by the Send call that found the queue full;
	// that call has started closing the connection with CloseSlowConsumer.
	ErrSlowConsumer = errors.New("wsconn: send queue full, slow consumer disconnected")
)
